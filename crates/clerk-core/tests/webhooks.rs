//! Svix verification against the contract's vectors and Clerk-shaped deliveries.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clerk_core::webhook::{
    sign, ClerkEvent, EventData, WebhookError, WebhookHeaders, WebhookSecret, WebhookVerifier,
    DEFAULT_TOLERANCE,
};
use proptest::prelude::*;
use serde_json::Value;

const VECTORS: &str = include_str!("fixtures/svix_test_vectors.json");
const DELIVERIES: &str = include_str!("fixtures/signed_deliveries.json");

fn at(secs: i64) -> SystemTime {
    if secs >= 0 {
        UNIX_EPOCH + Duration::from_secs(secs as u64)
    } else {
        UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
    }
}

fn headers<'a>(id: &'a str, ts: &'a str, sig: &'a str) -> WebhookHeaders<'a> {
    WebhookHeaders::from_lookup(move |name| match name {
        "svix-id" => Some(id),
        "svix-timestamp" => Some(ts),
        "svix-signature" => Some(sig),
        _ => None,
    })
}

struct Case {
    secret: String,
    msg_id: String,
    timestamp: i64,
    payload: String,
    signature: String,
}

fn case(value: &Value, signature_key: &str) -> Case {
    let s = |key: &str| value[key].as_str().unwrap().to_owned();
    Case {
        secret: s("secret"),
        msg_id: s("msg_id"),
        timestamp: value["timestamp"].as_i64().unwrap(),
        payload: s("payload"),
        signature: s(signature_key),
    }
}

fn vectors() -> Vec<Case> {
    let json: Value = serde_json::from_str(VECTORS).unwrap();
    json["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| case(v, "expected_signature"))
        .collect()
}

fn negatives() -> Vec<Case> {
    let json: Value = serde_json::from_str(VECTORS).unwrap();
    json["negative_cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| case(v, "svix_signature_header"))
        .collect()
}

fn verify_case(case: &Case, now: i64) -> Result<(), WebhookError> {
    let verifier = WebhookVerifier::new(case.secret.parse().unwrap());
    let ts = case.timestamp.to_string();
    verifier.verify(
        &headers(&case.msg_id, &ts, &case.signature),
        case.payload.as_bytes(),
        at(now),
    )
}

#[test]
fn svix_vectors_verify_at_their_timestamp() {
    let vectors = vectors();
    assert_eq!(vectors.len(), 3);
    for case in &vectors {
        assert_eq!(verify_case(case, case.timestamp), Ok(()), "{}", case.msg_id);
    }
}

#[test]
fn sign_reproduces_svix_vectors() {
    for case in vectors() {
        let secret: WebhookSecret = case.secret.parse().unwrap();
        assert_eq!(
            sign(&secret, &case.msg_id, case.timestamp, case.payload.as_bytes()),
            case.signature
        );
    }
}

#[test]
fn tampered_signature_fails() {
    let case = &negatives()[0];
    assert_eq!(
        verify_case(case, case.timestamp),
        Err(WebhookError::NoMatchingSignature)
    );
}

#[test]
fn v2_only_signature_is_ignored() {
    let case = &negatives()[1];
    assert_eq!(
        verify_case(case, case.timestamp),
        Err(WebhookError::NoMatchingSignature)
    );
}

#[test]
fn decoys_pass_when_any_v1_matches() {
    let case = &negatives()[2];
    assert_eq!(verify_case(case, case.timestamp), Ok(()));
}

#[test]
fn tampered_body_fails() {
    let mut case = vectors().remove(0);
    case.payload.push(' ');
    assert_eq!(
        verify_case(&case, case.timestamp),
        Err(WebhookError::NoMatchingSignature)
    );
}

#[test]
fn tolerance_boundary_is_inclusive_both_directions() {
    let case = vectors().remove(0);
    let ts = case.timestamp;
    assert_eq!(verify_case(&case, ts + 300), Ok(()));
    assert_eq!(verify_case(&case, ts - 300), Ok(()));
    assert_eq!(verify_case(&case, ts + 301), Err(WebhookError::TimestampTooOld));
    assert_eq!(verify_case(&case, ts - 301), Err(WebhookError::TimestampTooNew));
}

#[test]
fn tolerance_is_configurable() {
    let case = vectors().remove(0);
    let verifier = WebhookVerifier::new(case.secret.parse().unwrap()).with_tolerance(Duration::from_secs(10));
    assert_eq!(verifier.tolerance(), Duration::from_secs(10));
    let ts = case.timestamp.to_string();
    let h = headers(&case.msg_id, &ts, &case.signature);
    let body = case.payload.as_bytes();
    assert_eq!(verifier.verify(&h, body, at(case.timestamp + 10)), Ok(()));
    assert_eq!(
        verifier.verify(&h, body, at(case.timestamp + 11)),
        Err(WebhookError::TimestampTooOld)
    );
    assert_eq!(DEFAULT_TOLERANCE, Duration::from_secs(300));
}

#[test]
fn timestamp_is_checked_before_signature() {
    let mut case = negatives().remove(0); // bad signature
    case.timestamp -= 1000;
    assert_eq!(
        verify_case(&case, case.timestamp + 1000),
        Err(WebhookError::TimestampTooOld)
    );
}

#[test]
fn non_integer_timestamp_is_invalid_headers() {
    let case = vectors().remove(0);
    let verifier = WebhookVerifier::new(case.secret.parse().unwrap());
    for bad in ["abc", "1614265330.5", "1e9", "99999999999999999999"] {
        let err = verifier
            .verify(
                &headers(&case.msg_id, bad, &case.signature),
                case.payload.as_bytes(),
                at(case.timestamp),
            )
            .unwrap_err();
        assert_eq!(err, WebhookError::InvalidHeaders, "{bad}");
        assert_eq!(err.to_string(), "Invalid Signature Headers");
    }
}

#[test]
fn negative_timestamp_is_rejected() {
    let secret: WebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".parse().unwrap();
    let signature = sign(&secret, "msg_1", -5, b"{}");
    let verifier = WebhookVerifier::new(secret);
    assert_eq!(
        verifier.verify(&headers("msg_1", "-5", &signature), b"{}", at(0)),
        Err(WebhookError::TimestampTooOld)
    );
}

#[test]
fn leading_zero_timestamp_is_normalized_like_svix() {
    let secret: WebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".parse().unwrap();
    let signature = sign(&secret, "msg_1", 1_700_000_000, b"{}");
    let verifier = WebhookVerifier::new(secret);
    assert_eq!(
        verifier.verify(
            &headers("msg_1", "01700000000", &signature),
            b"{}",
            at(1_700_000_000)
        ),
        Ok(())
    );
}

#[test]
fn missing_headers_are_listed_in_order() {
    let verifier = WebhookVerifier::new("whsec_AQID".parse().unwrap());
    let now = at(0);
    type Case<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>, &'a str);
    let cases: [Case<'_>; 5] = [
        (
            None,
            None,
            None,
            "Missing required webhook headers: svix-id, svix-timestamp, svix-signature",
        ),
        (
            Some("msg"),
            None,
            None,
            "Missing required webhook headers: svix-timestamp, svix-signature",
        ),
        (
            None,
            Some("1"),
            Some("v1,x"),
            "Missing required webhook headers: svix-id",
        ),
        (
            Some("msg"),
            Some("1"),
            Some("   "),
            "Missing required webhook headers: svix-signature",
        ),
        (
            Some(""),
            Some("1"),
            None,
            "Missing required webhook headers: svix-id, svix-signature",
        ),
    ];
    for (id, ts, sig, expected) in cases {
        let err = verifier
            .verify(&WebhookHeaders::new(id, ts, sig), b"{}", now)
            .unwrap_err();
        assert_eq!(err.to_string(), expected);
        assert_eq!(err.clerk_message(), expected);
    }
}

#[test]
fn clerk_messages_match_the_sdk() {
    assert_eq!(
        WebhookError::NoMatchingSignature.clerk_message(),
        "Unable to verify incoming webhook: No matching signature found"
    );
    assert_eq!(
        WebhookError::TimestampTooOld.clerk_message(),
        "Unable to verify incoming webhook: Message timestamp too old"
    );
    assert_eq!(
        WebhookError::TimestampTooNew.clerk_message(),
        "Unable to verify incoming webhook: Message timestamp too new"
    );
    assert_eq!(
        WebhookSecret::new("whsec_").unwrap_err().to_string(),
        "Secret can't be empty."
    );
}

#[test]
fn unbranded_headers_are_accepted_and_trimmed() {
    let case = vectors().remove(0);
    let ts = format!(" {} ", case.timestamp);
    let sig = format!("  {}\t", case.signature);
    let h = WebhookHeaders::from_lookup(|name| match name {
        "webhook-id" => Some(case.msg_id.as_str()),
        "webhook-timestamp" => Some(ts.as_str()),
        "webhook-signature" => Some(sig.as_str()),
        "svix-id" => Some(""), // blank branded header falls back to the unbranded one
        _ => None,
    });
    let verifier = WebhookVerifier::new(case.secret.parse().unwrap());
    assert_eq!(
        verifier.verify(&h, case.payload.as_bytes(), at(case.timestamp)),
        Ok(())
    );
}

#[test]
fn any_of_several_secrets_may_match() {
    let case = vectors().remove(0);
    let other: WebhookSecret = "whsec_plJ3nmyCDGBKInavdOK15jsl".parse().unwrap();
    let verifier = WebhookVerifier::with_secrets([other.clone(), case.secret.parse().unwrap()]).unwrap();
    let ts = case.timestamp.to_string();
    assert_eq!(
        verifier.verify(
            &headers(&case.msg_id, &ts, &case.signature),
            case.payload.as_bytes(),
            at(case.timestamp)
        ),
        Ok(())
    );
    let only_other = WebhookVerifier::new(other);
    assert_eq!(
        only_other.verify(
            &headers(&case.msg_id, &ts, &case.signature),
            case.payload.as_bytes(),
            at(case.timestamp)
        ),
        Err(WebhookError::NoMatchingSignature)
    );
}

#[test]
fn env_value_splits_on_whitespace_and_commas() {
    let verifier = WebhookVerifier::from_env_value(
        " whsec_plJ3nmyCDGBKInavdOK15jsl,whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n whsec_AQID ",
    )
    .unwrap();
    assert_eq!(verifier.secrets().len(), 3);
    assert_eq!(
        WebhookVerifier::from_env_value(" , ").unwrap_err(),
        WebhookError::MissingSecret
    );
    assert_eq!(
        WebhookVerifier::from_env_value("whsec_AQID whsec_").unwrap_err(),
        WebhookError::EmptySecret
    );
    assert!(WebhookVerifier::with_secrets([]).is_err());
}

#[test]
fn secrets_never_show_in_debug_or_display() {
    let verifier = WebhookVerifier::from_env_value("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    let debug = format!("{verifier:?}");
    assert!(!debug.contains("MfKQ9r8"), "{debug}");
    assert_eq!(verifier.secrets()[0].to_string(), "whsec_[redacted]");
}

#[test]
fn non_utf8_body_is_rejected_clearly() {
    let secret: WebhookSecret = "whsec_AQID".parse().unwrap();
    let body = [0xff, 0xfe, b'{', b'}'];
    let signature = sign(&secret, "msg_1", 100, &body);
    let verifier = WebhookVerifier::new(secret);
    assert_eq!(
        verifier.verify(&headers("msg_1", "100", &signature), &body, at(100)),
        Err(WebhookError::InvalidBody)
    );
}

struct Delivery {
    event_type: String,
    id: String,
    ts: String,
    sig: String,
    body: String,
}

fn deliveries() -> (String, Vec<Delivery>) {
    let json: Value = serde_json::from_str(DELIVERIES).unwrap();
    let deliveries = json["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let h = |name: &str| d["headers"][name].as_str().unwrap().to_owned();
            Delivery {
                event_type: d["event_type"].as_str().unwrap().to_owned(),
                id: h("svix-id"),
                ts: h("svix-timestamp"),
                sig: h("svix-signature"),
                body: d["raw_body"].as_str().unwrap().to_owned(),
            }
        })
        .collect();
    (json["secret"].as_str().unwrap().to_owned(), deliveries)
}

#[test]
fn signed_deliveries_verify_and_parse() {
    let (secret, deliveries) = deliveries();
    let verifier = WebhookVerifier::from_env_value(&secret).unwrap();
    assert_eq!(deliveries.len(), 3);
    for d in &deliveries {
        let now = at(d.ts.parse().unwrap());
        let event = verifier
            .verify_event(&headers(&d.id, &d.ts, &d.sig), d.body.as_bytes(), now)
            .unwrap_or_else(|err| panic!("{}: {err}", d.event_type));
        assert_eq!(event.event_type, d.event_type);
        assert_eq!(event.object, "event");
        assert!(event.instance_id.starts_with("ins_"));
        // Envelope timestamps are ms; the header is seconds.
        assert!(event.timestamp > 1_000_000_000_000);
        let http = event.event_attributes.http_request.as_ref().unwrap();
        assert!(http.user_agent.is_some());
        match (&event.data, d.event_type.as_str()) {
            (EventData::UserCreated(user), "user.created")
            | (EventData::UserUpdated(user), "user.updated") => {
                assert_eq!(user.id, "user_2zXmpL3UsrAbCdEfGhIjKlMnOpQ");
                assert_eq!(user.primary_email(), Some("ada@example.com"));
                assert!(event.user().is_some());
            }
            (EventData::UserDeleted(deleted), "user.deleted") => {
                assert!(deleted.deleted);
                assert_eq!(deleted.object, "user");
                assert_eq!(deleted.external_id.as_deref(), Some("legacy-42"));
            }
            (other, ty) => panic!("{ty} parsed as {other:?}"),
        }
    }
}

#[test]
fn delivery_fails_with_wrong_secret_or_stale_clock() {
    let (secret, deliveries) = deliveries();
    let d = &deliveries[1];
    let wrong = WebhookVerifier::from_env_value("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    let ts: i64 = d.ts.parse().unwrap();
    let h = headers(&d.id, &d.ts, &d.sig);
    assert_eq!(
        wrong.verify(&h, d.body.as_bytes(), at(ts)),
        Err(WebhookError::NoMatchingSignature)
    );
    let right = WebhookVerifier::from_env_value(&secret).unwrap();
    let err = right.verify(&h, d.body.as_bytes(), at(ts + 3600)).unwrap_err();
    assert_eq!(
        err.clerk_message(),
        "Unable to verify incoming webhook: Message timestamp too old"
    );
}

#[test]
fn webhook_fixture_envelopes_parse() {
    for (file, ty) in [
        (include_str!("fixtures/user.created.json"), "user.created"),
        (include_str!("fixtures/user.updated.json"), "user.updated"),
        (include_str!("fixtures/user.deleted.json"), "user.deleted"),
    ] {
        let event = ClerkEvent::from_slice(file.as_bytes()).unwrap();
        assert_eq!(event.event_type, ty);
        let expected_variant = match &event.data {
            EventData::UserCreated(_) => "user.created",
            EventData::UserUpdated(_) => "user.updated",
            EventData::UserDeleted(_) => "user.deleted",
            _ => "other",
        };
        assert_eq!(expected_variant, ty);
    }
}

#[test]
fn event_round_trips_to_equivalent_json() {
    for file in [
        include_str!("fixtures/user.created.json"),
        include_str!("fixtures/user.deleted.json"),
        r#"{"type":"widget.created","object":"event","timestamp":1,"instance_id":"ins_1","event_attributes":{},"data":{"x":[1,{"y":null}]}}"#,
    ] {
        let mut original: Value = serde_json::from_str(file).unwrap();
        let event: ClerkEvent = serde_json::from_str(file).unwrap();
        // Everything but private metadata, which events never serialize.
        original["data"]
            .as_object_mut()
            .unwrap()
            .remove("private_metadata");
        assert_eq!(serde_json::to_value(&event).unwrap(), original);
        // The borrowed raw-JSON path of from_slice agrees with the generic Deserialize impl.
        assert_eq!(ClerkEvent::from_slice(file.as_bytes()).unwrap(), event);
    }
}

// Issue 10, item 7: events that embed users (or organizations) neither serialize nor `Debug`
// their private metadata, and `Debug` hides email addresses and phone numbers.
#[test]
fn events_embedding_users_hide_private_data() {
    let user: Value = serde_json::from_str(include_str!("fixtures/user.example.json")).unwrap();
    let mut session: Value =
        serde_json::from_str(include_str!("fixtures/sessions.get.response.json")).unwrap();
    session["user"] = user;
    let organization = serde_json::json!({"object": "organization", "id": "org_1", "name": "Acme",
        "public_metadata": {}, "private_metadata": {"billing": "org-billing-secret"}});
    let membership = serde_json::json!({"object": "organization_membership", "id": "orgmem_1",
        "role": "org:admin", "private_metadata": {"seat": "seat-secret"}, "organization": organization,
        "public_user_data": {"user_id": "user_1", "identifier": "ada@example.com"}});
    let invitation = serde_json::json!({"object": "organization_invitation", "id": "orginv_1",
        "email_address": "ada@example.com", "private_metadata": {"invite": "invite-secret"}});
    let envelope = |ty: &str, data: &Value| {
        serde_json::json!({"type": ty, "object": "event", "timestamp": 1, "instance_id": "ins_1",
            "data": data})
        .to_string()
    };
    let bodies = [
        include_str!("fixtures/user.created.json").to_owned(),
        include_str!("fixtures/user.updated.json").to_owned(),
        envelope("session.created", &session),
        envelope("organization.updated", &organization),
        envelope("organizationMembership.created", &membership),
        envelope("organizationInvitation.created", &invitation),
    ];
    for body in &bodies {
        let event = ClerkEvent::from_slice(body.as_bytes()).unwrap();
        let serialized = serde_json::to_string(&event).unwrap();
        assert!(!serialized.contains("private_metadata"), "{serialized}");
        for shown in [serialized, format!("{event:?}"), format!("{:#?}", event.data)] {
            for secret in [
                "cus_Qx1ExampleCustomer",
                "org-billing-secret",
                "seat-secret",
                "invite-secret",
            ] {
                assert!(!shown.contains(secret), "{secret} in {shown}");
            }
        }
        let debug = format!("{event:?}");
        for contact in ["ada@example.com", "ada.work@example.org", "+15555550123"] {
            assert!(!debug.contains(contact), "Debug shows {contact}: {debug}");
        }
    }
}

#[test]
fn unknown_event_types_fall_back() {
    let body = br#"{"type":"widget.created","object":"event","timestamp":1,"instance_id":"ins_1",
        "event_attributes":{"http_request":"weird"},"data":{"to_email_address":"a@b.c"}}"#;
    let event = ClerkEvent::from_slice(body).unwrap();
    match event.data {
        EventData::Unknown { event_type, data } => {
            assert_eq!(event_type, "widget.created");
            assert_eq!(data["to_email_address"], "a@b.c");
        }
        other => panic!("{other:?}"),
    }
    // A tolerant envelope: odd event_attributes read as empty.
    assert!(event.event_attributes.http_request.is_none());
}

/// An authentic event of a known type whose data does not parse is an event all the same (Svix
/// retries a refusal, then disables the endpoint): `Unparsed`, with serde's message and never a
/// value of the payload, in `Display`, `Debug` or `Serialize`.
#[test]
fn known_type_with_bad_payload_is_unparsed() {
    let body = br#"{"type":"user.created","object":"event","timestamp":1,"instance_id":"ins_1",
        "data":{"object":"user"}}"#;
    let event = ClerkEvent::from_slice(body).unwrap();
    assert_eq!(event.event_type, "user.created");
    assert_eq!(event.instance_id, "ins_1");
    let EventData::Unparsed { event_type, error } = &event.data else {
        panic!("{:?}", event.data);
    };
    assert_eq!(event_type, "user.created");
    assert!(error.contains("missing field `id`"), "{error}");
    assert!(event.user().is_none());

    // A value of the wrong type is not quoted (it may be personal data), wherever it shows.
    for data in [
        r#"{"id":"user_1","object":"user","created_at":"Grace Hopper"}"#,
        r#"{"id":"user_1","object":"user","email_addresses":"Grace Hopper"}"#,
    ] {
        let body = format!(
            r#"{{"type":"user.updated","object":"event","timestamp":1,"instance_id":"ins_1","data":{data}}}"#
        );
        let event = ClerkEvent::from_slice(body.as_bytes()).unwrap();
        let EventData::Unparsed { event_type, error } = &event.data else {
            panic!("{:?}", event.data);
        };
        assert_eq!(event_type, "user.updated");
        assert!(error.contains("line 1 column"), "{error}");
        let debug = format!("{event:?}");
        assert!(debug.contains("Unparsed"), "{debug}");
        let serialized = serde_json::to_string(&event).unwrap();
        assert!(serialized.contains(r#""data":null"#), "{serialized}");
        for shown in [error.clone(), debug, serialized] {
            assert!(!shown.contains("Grace"), "{shown}");
        }
        // The verifier's path (borrowed raw data) and the `Deserialize` path (a `Value`) agree.
        let value: ClerkEvent = serde_json::from_slice(body.as_bytes()).unwrap();
        assert!(matches!(value.data, EventData::Unparsed { .. }), "{value:?}");
        let parts = EventData::from_parts("user.updated", serde_json::from_str(data).unwrap()).unwrap();
        assert!(matches!(parts, EventData::Unparsed { .. }), "{parts:?}");
    }

    // A body that is not a Clerk event is still refused.
    let err = ClerkEvent::from_slice(b"not json").unwrap_err();
    assert!(matches!(err, WebhookError::InvalidPayload(_)), "{err:?}");
    assert!(err
        .clerk_message()
        .starts_with("Unable to verify incoming webhook: Invalid webhook payload"));
    assert!(matches!(
        ClerkEvent::from_slice(br#"{"data":{}}"#),
        Err(WebhookError::InvalidPayload(_))
    ));
    assert!(matches!(
        ClerkEvent::from_slice(br#"{"type":"user.created"}"#),
        Err(WebhookError::InvalidPayload(_))
    ));
}

#[test]
fn session_and_organization_events_parse() {
    let session = include_str!("fixtures/sessions.get.response.json");
    let user = include_str!("fixtures/user.example.json");
    let mut data: Value = serde_json::from_str(session).unwrap();
    data["user"] = serde_json::from_str(user).unwrap();
    for (ty, variant) in [
        ("session.created", "created"),
        ("session.ended", "ended"),
        ("session.removed", "removed"),
        ("session.revoked", "revoked"),
        ("session.pending", "pending"),
    ] {
        let body = serde_json::json!({"type": ty, "object": "event", "timestamp": 1,
            "instance_id": "ins_1", "data": data});
        let event: ClerkEvent = serde_json::from_value(body).unwrap();
        let (got, s) = match &event.data {
            EventData::SessionCreated(s) => ("created", s),
            EventData::SessionEnded(s) => ("ended", s),
            EventData::SessionRemoved(s) => ("removed", s),
            EventData::SessionRevoked(s) => ("revoked", s),
            EventData::SessionPending(s) => ("pending", s),
            other => panic!("{other:?}"),
        };
        assert_eq!(got, variant);
        assert_eq!(s.session.id, "sess_2zf0Yw3ZkVn8qL1pT6rB9xD4sHa");
        assert_eq!(s.user.as_ref().unwrap().id, "user_2zXmpL3UsrAbCdEfGhIjKlMnOpQ");
    }

    let org = serde_json::json!({"object":"organization","id":"org_1","name":"Acme",
        "slug":"acme","has_image":false,"max_allowed_memberships":5,"admin_delete_enabled":true,
        "public_metadata":{},"created_at":1,"updated_at":2,"brand_new_field":{"x":1}});
    let event: ClerkEvent = serde_json::from_value(serde_json::json!({"type":"organization.updated",
        "object":"event","timestamp":1,"instance_id":"ins_1","data":org.clone()}))
    .unwrap();
    assert!(matches!(&event.data, EventData::OrganizationUpdated(o) if o.slug.as_deref() == Some("acme")));

    let membership = serde_json::json!({"object":"organization_membership","id":"orgmem_1",
        "role":"org:admin","permissions":["org:sys_memberships:manage"],"public_metadata":{},
        "organization":org,"public_user_data":{"user_id":"user_1","identifier":"a@b.c",
        "first_name":null,"last_name":null,"image_url":"https://img","has_image":false},
        "created_at":1,"updated_at":2});
    let event: ClerkEvent = serde_json::from_value(serde_json::json!({
        "type":"organizationMembership.created","object":"event","timestamp":1,
        "instance_id":"ins_1","data":membership}))
    .unwrap();
    let EventData::OrganizationMembershipCreated(m) = &event.data else {
        panic!("{:?}", event.data);
    };
    assert_eq!(m.organization_id(), Some("org_1"));
    assert_eq!(m.user_id(), Some("user_1"));
    assert_eq!(m.organization().unwrap().name, "Acme");

    let event: ClerkEvent = serde_json::from_value(serde_json::json!({
        "type":"organization.deleted","object":"event","timestamp":1,"instance_id":"ins_1",
        "data":{"object":"organization","id":"org_1","slug":"acme","deleted":true}}))
    .unwrap();
    assert!(matches!(&event.data, EventData::OrganizationDeleted(d) if d.slug.as_deref() == Some("acme")));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_input_never_panics(
        secret in proptest::collection::vec(any::<u8>(), 0..64),
        secret_text in ".{0,64}",
        id in ".{0,40}",
        ts in ".{0,24}",
        sig in ".{0,200}",
        body in proptest::collection::vec(any::<u8>(), 0..512),
        now in any::<i64>(),
        tolerance in any::<u64>(),
    ) {
        let _ = WebhookSecret::new(&secret_text);
        let _ = WebhookVerifier::from_env_value(&secret_text);
        if let Ok(secret) = WebhookSecret::from_bytes(secret) {
            let _ = sign(&secret, &id, now, &body);
            let verifier = WebhookVerifier::new(secret)
                .with_tolerance(Duration::from_secs(tolerance));
            let headers = headers(&id, &ts, &sig);
            let now = at(now / 2); // SystemTime cannot hold every i64 second count
            let _ = verifier.verify(&headers, &body, now);
            let _ = verifier.verify_event(&headers, &body, now);
        }
        let _ = ClerkEvent::from_slice(&body);
    }

    #[test]
    fn signed_bodies_always_verify(
        key in proptest::collection::vec(any::<u8>(), 1..64),
        id in "[a-zA-Z0-9_]{1,30}",
        ts in 0i64..4_000_000_000,
        body in ".{0,256}",
    ) {
        let secret = WebhookSecret::from_bytes(key).unwrap();
        let sig = sign(&secret, &id, ts, body.as_bytes());
        let ts_text = ts.to_string();
        let verifier = WebhookVerifier::new(secret);
        prop_assert_eq!(
            verifier.verify(&headers(&id, &ts_text, &sig), body.as_bytes(), at(ts)),
            Ok(())
        );
    }
}
