//! Backend API and webhook user JSON: `User` from any bytes, then the public view and
//! re-serialisation. The public view must never carry private or unsafe metadata.
#![no_main]

use clerk_core::User;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(user) = serde_json::from_slice::<User>(data) else {
        return;
    };
    let _ = (
        user.primary_email(),
        user.primary_phone_number(),
        user.primary_web3_wallet(),
        user.full_name(),
    );
    let public = serde_json::to_value(user.to_public()).expect("PublicUser serialises");
    let object = public.as_object().expect("PublicUser is an object");
    assert!(!object.contains_key("private_metadata") && !object.contains_key("unsafe_metadata"));

    // What we write we can read back, unchanged.
    let text = serde_json::to_string(&user).expect("User serialises");
    let back: User = serde_json::from_str(&text).expect("User JSON we wrote parses");
    assert_eq!(back, user);
});
