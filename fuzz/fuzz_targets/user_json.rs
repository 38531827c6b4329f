//! Backend API and webhook user JSON: `User` from any bytes, then the public view and
//! re-serialisation. The public view must never carry private or unsafe metadata, `User`'s own
//! JSON never private metadata; the storage form reads back unchanged.
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

    // `User`'s own form never carries private metadata, and `Debug` never panics.
    let plain = serde_json::to_value(&user).expect("User serialises");
    assert!(!plain.as_object().expect("User is an object").contains_key("private_metadata"));
    let _ = format!("{user:?}");

    // What we store we can read back, unchanged.
    let text = serde_json::to_string(&user.for_storage()).expect("StoredUser serialises");
    let back: User = serde_json::from_str(&text).expect("User JSON we wrote parses");
    assert_eq!(back, user);
});
