//! Every event type of Clerk's webhook spec (`spec/webhooks_2025-04-15.yml`, its `x-webhooks`)
//! parses into its own [`EventData`] variant: the spec's example of the event, and a minimal
//! event made by this test from the schema's required fields. A type the spec does not list
//! stays [`EventData::Unknown`] with its JSON; no `Serialize` of an event carries
//! `private_metadata`, and `Debug` hides contact details and message contents.

use std::collections::BTreeSet;

use clerk_core::webhook::{ClerkEvent, EventData};
use serde_json::{json, Map, Value};

/// The event types of the spec this version types (the spec's count, so a new spec that adds
/// types fails here until the generator has run on it).
const EVENT_TYPES: usize = 45;

fn spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spec/webhooks_2025-04-15.yml");
    let text = std::fs::read_to_string(path).expect("webhook spec readable");
    serde_yaml::from_str(&text).expect("webhook spec parses")
}

/// `#/components/schemas/Name` resolved.
fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str() {
        Some(reference) => reference
            .trim_start_matches("#/")
            .split('/')
            .fold(spec, |node, key| &node[key]),
        None => value,
    }
}

/// A minimal value of `schema`: an object has only its required properties (`allOf` parts
/// merged), a nullable one is `null`, an enum its first value.
fn minimal(spec: &Value, schema: &Value) -> Value {
    let schema = resolve(spec, schema);
    if schema["nullable"] == json!(true) {
        return Value::Null;
    }
    if let Some(first) = schema["enum"].as_array().and_then(|values| values.first()) {
        return first.clone();
    }
    if let Some(first) = ["oneOf", "anyOf"]
        .iter()
        .find_map(|key| schema[*key].as_array().and_then(|options| options.first()))
    {
        return minimal(spec, first);
    }
    let mut required = BTreeSet::new();
    let mut properties = Map::new();
    collect(spec, schema, &mut required, &mut properties);
    if !properties.is_empty() || schema["type"] == "object" || schema.get("allOf").is_some() {
        return Value::Object(
            required
                .iter()
                .filter_map(|key| Some((key.clone(), minimal(spec, properties.get(key)?))))
                .collect(),
        );
    }
    match schema["type"].as_str() {
        Some("array") => json!([]),
        Some("integer") => json!(1_716_883_200_000_i64),
        Some("number") => json!(1.5),
        Some("boolean") => json!(false),
        _ => json!("spec_value"),
    }
}

/// The properties and required keys of an object schema, its `allOf` parts merged.
fn collect(
    spec: &Value,
    schema: &Value,
    required: &mut BTreeSet<String>,
    properties: &mut Map<String, Value>,
) {
    let schema = resolve(spec, schema);
    for part in schema["allOf"].as_array().into_iter().flatten() {
        collect(spec, part, required, properties);
    }
    for (key, property) in schema["properties"].as_object().into_iter().flatten() {
        properties.insert(key.clone(), property.clone());
    }
    for key in schema["required"].as_array().into_iter().flatten() {
        required.extend(key.as_str().map(str::to_owned));
    }
}

/// `organizationMembership.created` → `OrganizationMembershipCreated`.
fn variant_of(event_type: &str) -> String {
    event_type
        .split('.')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Every event of the spec: `(type, its example, a minimal event from its schema, the data
/// schema's properties)`.
fn events(spec: &Value) -> Vec<(String, Value, Value, Map<String, Value>)> {
    spec["x-webhooks"]
        .as_object()
        .expect("x-webhooks")
        .iter()
        .map(|(event_type, item)| {
            let content = &item["post"]["requestBody"]["content"]["application/json"];
            // `example`, or the first of `examples` (`{default: {value: …}}`, or a `$ref` to
            // `#/components/examples/…`).
            let example = match content.get("example") {
                Some(example) => example.clone(),
                None => content["examples"]
                    .as_object()
                    .and_then(|examples| examples.values().next())
                    .map(|example| resolve(spec, example)["value"].clone())
                    .unwrap_or_default(),
            };
            assert!(example.is_object(), "{event_type}: the spec has an example");
            let data = content["schema"]["allOf"]
                .as_array()
                .into_iter()
                .flatten()
                .find_map(|part| part["properties"].get("data"))
                .expect("a data schema");
            let mut properties = Map::new();
            collect(spec, data, &mut BTreeSet::new(), &mut properties);
            let event = json!({
                "type": event_type,
                "object": "event",
                "timestamp": 1_716_883_200,
                "instance_id": "ins_1",
                "data": minimal(spec, data),
            });
            (event_type.clone(), example, event, properties)
        })
        .collect()
}

fn parse(event: &Value) -> ClerkEvent {
    ClerkEvent::from_slice(event.to_string().as_bytes())
        .unwrap_or_else(|err| panic!("{}: {err}", event["type"]))
}

/// The variant's name, as `Debug` starts with it.
fn variant(data: &EventData) -> String {
    format!("{data:?}")
        .split(' ')
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn every_event_type_of_the_spec_parses_into_its_own_variant() {
    let spec = spec();
    let events = events(&spec);
    assert_eq!(events.len(), EVENT_TYPES, "the spec's event types");
    let mut variants = BTreeSet::new();
    for (event_type, example, made, _) in &events {
        for (what, event) in [("example", example), ("minimal event", made)] {
            let parsed = parse(event);
            assert_eq!(&parsed.event_type, event_type);
            let name = variant(&parsed.data);
            assert_eq!(name, variant_of(event_type), "{event_type} ({what})");
            assert!(
                !matches!(parsed.data, EventData::Unknown { .. }),
                "{event_type} ({what}) is typed"
            );
            variants.insert(name);
        }
    }
    assert_eq!(variants.len(), EVENT_TYPES, "one variant per event type");
}

#[test]
fn the_examples_keep_their_data_through_the_typed_payload() {
    let spec = spec();
    for (event_type, example, _, properties) in events(&spec) {
        let parsed = parse(&example);
        let written = serde_json::to_value(&parsed.data).expect("serializes");
        // Every field of the schema the example sends comes back (private metadata excepted).
        // (An example may send a field its schema lacks: `sms.created`'s `created_at`.)
        let Value::Object(sent) = &example["data"] else {
            panic!("{event_type}: data is an object");
        };
        for (key, value) in sent {
            if key == "private_metadata" || !properties.contains_key(key) {
                continue;
            }
            if value.is_null() && written.get(key).is_none_or(Value::is_null) {
                continue;
            }
            assert!(
                written.get(key).is_some(),
                "{event_type}: {key} is lost by the typed payload"
            );
        }
    }
}

#[test]
fn no_event_serializes_private_metadata_and_debug_hides_contacts_and_contents() {
    let spec = spec();
    for (event_type, mut example, _, _) in events(&spec) {
        // Private metadata at the top and in nested Clerk objects, as Clerk may send it.
        if let Value::Object(data) = &mut example["data"] {
            data.insert("private_metadata".to_owned(), json!({"secret": "pm-top"}));
            for value in data.values_mut() {
                let target = match value {
                    Value::Array(items) => items.first_mut(),
                    other => Some(other),
                };
                if let Some(Value::Object(nested)) = target {
                    if !nested.contains_key("id") && !nested.contains_key("object") {
                        continue;
                    }
                    nested.insert("private_metadata".to_owned(), json!({"secret": "pm-nested"}));
                }
            }
        }
        let parsed = parse(&example);
        let written = serde_json::to_string(&parsed).expect("serializes");
        assert!(!written.contains("private_metadata"), "{event_type}: {written}");
        assert!(
            !written.contains("pm-top") && !written.contains("pm-nested"),
            "{event_type}"
        );
        let debug = format!("{:?}", parsed.data);
        assert!(
            !debug.contains("pm-top") && !debug.contains("pm-nested"),
            "{event_type}"
        );
        for key in [
            "email_address",
            "to_email_address",
            "to_phone_number",
            "phone_number",
        ] {
            if let Some(Value::String(contact)) = example["data"].get(key) {
                assert!(
                    !debug.contains(contact.as_str()),
                    "{event_type}: {key} in {debug}"
                );
            }
        }
    }
    let sms = parse(&json!({"type": "sms.created", "object": "event", "timestamp": 1,
        "instance_id": "ins_1", "data": {"id": "sms_1", "message": "Your code is 424242",
        "to_phone_number": "+15555550100", "data": {"otp_code": "424242"}}}));
    let debug = format!("{:?}", sms.data);
    assert!(debug.starts_with("SmsCreated "), "{debug}");
    assert!(
        !debug.contains("424242") && !debug.contains("+15555550100"),
        "{debug}"
    );
    let email = parse(
        &json!({"type": "email.created", "object": "event", "timestamp": 1,
        "instance_id": "ins_1", "data": {"id": "ema_1", "subject": "424242 is your code",
        "body": "<p>424242</p>", "body_plain": "424242", "to_email_address": "a@example.com",
        "data": {"otp_code": "424242"}}}),
    );
    let debug = format!("{:?}", email.data);
    assert!(debug.starts_with("EmailCreated "), "{debug}");
    assert!(
        !debug.contains("424242") && !debug.contains("a@example.com"),
        "{debug}"
    );
}

#[test]
fn a_type_the_spec_does_not_list_stays_unknown_with_its_json() {
    let data = json!({"id": "x_1", "nested": {"a": [1, 2]}, "private_metadata": {"k": "v"}});
    let event = parse(
        &json!({"type": "brandNew.created", "object": "event", "timestamp": 1,
        "instance_id": "ins_1", "data": data}),
    );
    match &event.data {
        EventData::Unknown {
            event_type,
            data: kept,
        } => {
            assert_eq!(event_type, "brandNew.created");
            assert_eq!(kept, &data, "the JSON as sent, for the server");
        }
        other => panic!("not Unknown: {other:?}"),
    }
    let written = serde_json::to_value(&event.data).expect("serializes");
    assert_eq!(written, json!({"id": "x_1", "nested": {"a": [1, 2]}}));
}

#[test]
fn new_payloads_are_typed_and_tolerant() {
    // An unknown field is ignored; an unknown enum value is kept as sent.
    let event = parse(
        &json!({"type": "waitlistEntry.created", "object": "event", "timestamp": 1,
        "instance_id": "ins_1", "data": {"object": "waitlist_entry", "id": "wle_1",
        "email_address": "w@example.com", "status": "brand_new_status", "created_at": 1,
        "updated_at": 2, "added_later": true}}),
    );
    let EventData::WaitlistEntryCreated(entry) = &event.data else {
        panic!("{:?}", event.data);
    };
    assert_eq!(entry.id, "wle_1");
    let status = serde_json::to_value(&entry.status).expect("serializes");
    assert_eq!(status, json!("brand_new_status"));
    let event = parse(&json!({"type": "role.created", "object": "event", "timestamp": 1,
        "instance_id": "ins_1", "data": {"object": "role", "id": "role_1", "key": "org:editor",
        "permissions": [{"object": "permission", "id": "perm_1", "key": "org:posts:edit"}]}}));
    let EventData::RoleCreated(role) = &event.data else {
        panic!("{:?}", event.data);
    };
    assert_eq!(role.permissions[0].key, "org:posts:edit");
}

/// Review finding: a waitlist entry's nested invitation carries a sign-up ticket in its URL, and
/// the nested object's own `Debug` is not the one called when the event is shown.
#[test]
fn debug_hides_a_waitlist_entrys_invitation_url() {
    let url = "https://accounts.example.com/sign-up?__clerk_ticket=tkt_SECRET";
    for event_type in ["waitlistEntry.created", "waitlistEntry.updated"] {
        let event = json!({
            "type": event_type, "object": "event", "timestamp": 1, "instance_id": "ins_1",
            "data": {
                "object": "waitlist_entry", "id": "wle_1", "email_address": "a@example.com",
                "status": "invited", "created_at": 1, "updated_at": 1,
                "invitation": {"object": "invitation", "id": "inv_1", "url": url, "status": "pending"}
            }
        });
        let parsed = parse(&event);
        let debug = format!("{:?} {:?}", parsed.data, parsed);
        assert!(!debug.contains("tkt_SECRET"), "{event_type}: {debug}");
    }
}
