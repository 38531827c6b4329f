//! Parity of the email addresses and phone numbers the offline Clerk serves (issue 26): Clerk's
//! official `@clerk/backend` client (pinned in `parity/package.json`) drives one emulator
//! through `node parity/bapi_identifications.mjs`, our generated calls
//! (`client.email_addresses()`, `client.phone_numbers()`) make the same calls against a second
//! one, and both see the same answers and leave the same user (read with `users.getUser` after
//! the changes and at the end: the user's `email_addresses`, `phone_numbers` and primary ids
//! follow every call). Ids minted fresh and times aside (`node::shape`). Node and npm are
//! required (as in `parity.rs`).

mod node;

use std::path::Path;
use std::process::Command;

use clerk_actix::client::email_addresses::{CreateEmailAddress, UpdateEmailAddress};
use clerk_actix::client::phone_numbers::{CreatePhoneNumber, UpdatePhoneNumber};
use clerk_actix::client::ClientConfig;
use clerk_actix::ClerkClient;
use clerk_testkit::{NewUser, TestClerk};
use node::shape::{answer, assert_same, normalized, resource, user_resource};
use node::{assert_steps_ok, ensure_node_modules, json_output, workspace_root};
use serde_json::Value;

const USER: &str = "user_2ParityIdentsAda0000000000";

fn emulator() -> TestClerk {
    let clerk = TestClerk::builder().fixed_instance().start().expect("emulator");
    clerk
        .users()
        .create(
            NewUser::default()
                .id(USER)
                .first_name("Ada")
                .email("ada@example.com"),
        )
        .expect("user");
    clerk
}

fn run_clerk(root: &Path, clerk: &TestClerk) -> Value {
    json_output(
        Command::new("node")
            .arg("parity/bapi_identifications.mjs")
            .current_dir(root)
            .env("CLERK_API_URL", clerk.base_url())
            .env("CLERK_SECRET_KEY", clerk.secret_key())
            .env("USER_ID", USER),
    )
}

fn email(address: &str, verified: Option<bool>) -> CreateEmailAddress {
    CreateEmailAddress {
        user_id: USER.to_owned(),
        email_address: address.to_owned(),
        verified,
        ..CreateEmailAddress::default()
    }
}

fn phone(number: &str, verified: Option<bool>, second_factor: bool) -> CreatePhoneNumber {
    CreatePhoneNumber {
        user_id: USER.to_owned(),
        phone_number: number.to_owned(),
        verified,
        reserved_for_second_factor: second_factor.then_some(true),
        ..CreatePhoneNumber::default()
    }
}

/// Our generated calls, the script's steps in its shape, against `clerk`.
async fn run_ours(clerk: &TestClerk) -> Value {
    let api = ClerkClient::new(
        ClientConfig::new()
            .secret_key(clerk.secret_key())
            .api_url(clerk.base_url()),
    )
    .expect("client");
    let emails = api.email_addresses();
    let phones = api.phone_numbers();
    let mut out = serde_json::Map::new();
    let mut step = |name: &str, value: Value| out.insert(name.to_owned(), value);
    let before = api.users().get(USER).await;
    let first_id = before
        .as_ref()
        .ok()
        .and_then(|u| u.primary_email_address_id.clone())
        .unwrap_or_default();
    step("user_before", answer(before, |u| user_resource(&u)));
    let work = emails.create(&email("ada.work@example.com", Some(true))).await;
    let work_id = work.as_ref().ok().and_then(|e| e.id.clone()).unwrap_or_default();
    step("email_create", answer(work, |e| resource(&e)));
    let old = emails.create(&email("ada.old@example.com", None)).await;
    let old_id = old.as_ref().ok().and_then(|e| e.id.clone()).unwrap_or_default();
    step("email_create_unverified", answer(old, |e| resource(&e)));
    for (name, body) in [
        ("email_create_taken", email("ADA@example.com", Some(true))),
        ("email_create_bad", email("not-an-email", None)),
        (
            "email_create_unknown_user",
            CreateEmailAddress {
                user_id: "user_2ParityNobody0000000000000".to_owned(),
                ..email("nobody@example.com", None)
            },
        ),
    ] {
        step(name, answer(emails.create(&body).await, |e| resource(&e)));
    }
    let primary = UpdateEmailAddress {
        primary: Some(true),
        ..UpdateEmailAddress::default()
    };
    step(
        "email_primary_unverified",
        answer(emails.update(&old_id, &primary).await, |e| resource(&e)),
    );
    step(
        "email_update",
        answer(emails.update(&work_id, &primary).await, |e| resource(&e)),
    );
    let verify = UpdateEmailAddress {
        verified: Some(true),
        ..UpdateEmailAddress::default()
    };
    step(
        "email_verify",
        answer(emails.update(&old_id, &verify).await, |e| resource(&e)),
    );
    step("email_get", answer(emails.get(&work_id).await, |e| resource(&e)));
    let created = phones.create(&phone("+15555550100", Some(true), true)).await;
    let phone_id = created
        .as_ref()
        .ok()
        .and_then(|p| p.id.clone())
        .unwrap_or_default();
    step("phone_create", answer(created, |p| resource(&p)));
    step(
        "phone_create_bad",
        answer(phones.create(&phone("555-0100", None, false)).await, |p| {
            resource(&p)
        }),
    );
    step(
        "phone_create_unverified_second_factor",
        answer(phones.create(&phone("+15555550101", None, true)).await, |p| {
            resource(&p)
        }),
    );
    let unreserve = UpdatePhoneNumber {
        reserved_for_second_factor: Some(false),
        ..UpdatePhoneNumber::default()
    };
    step(
        "phone_update",
        answer(phones.update(&phone_id, &unreserve).await, |p| resource(&p)),
    );
    step("phone_get", answer(phones.get(&phone_id).await, |p| resource(&p)));
    step(
        "user_after",
        answer(api.users().get(USER).await, |u| user_resource(&u)),
    );
    step(
        "email_delete",
        answer(emails.delete(&old_id).await, |d| resource(&d)),
    );
    step(
        "phone_delete",
        answer(phones.delete(&phone_id).await, |d| resource(&d)),
    );
    step(
        "email_delete_primary",
        answer(emails.delete(&work_id).await, |d| resource(&d)),
    );
    step(
        "email_delete_last",
        answer(emails.delete(&first_id).await, |d| resource(&d)),
    );
    step(
        "email_get_deleted",
        answer(emails.get(&work_id).await, |e| resource(&e)),
    );
    step(
        "phone_get_deleted",
        answer(phones.get(&phone_id).await, |p| resource(&p)),
    );
    step(
        "state",
        answer(api.users().get(USER).await, |u| user_resource(&u)),
    );
    Value::Object(out)
}

/// Clerk's client and our generated calls make the same calls against two emulators and see
/// the same objects field by field, down to the user at the end.
#[actix_rt::test]
async fn our_generated_calls_leave_the_emulator_as_clerks_client_does() {
    let root = workspace_root();
    ensure_node_modules(&root);
    let theirs = emulator();
    let clerk = run_clerk(&root, &theirs);
    assert_steps_ok(
        &clerk,
        &[
            "email_create",
            "email_update",
            "phone_create",
            "user_after",
            "state",
        ],
    );
    let after = &clerk["user_after"];
    assert_eq!(after["emailAddresses"].as_array().map(Vec::len), Some(3));
    assert_eq!(after["primaryEmailAddressId"], clerk["email_create"]["id"]);
    assert_eq!(after["primaryPhoneNumberId"], clerk["phone_create"]["id"]);
    assert_eq!(
        clerk["email_delete_last"]["code"],
        "identification_deletion_failed"
    );
    let mine = emulator();
    let ours = run_ours(&mine).await;
    assert_same(&normalized(&clerk, &[]), &normalized(&ours, &[]));
}
