//! Keeping user data on the server: what the models' `Serialize` leaves out and what their
//! `Debug` hides.
//!
//! - `private_metadata` never leaves through `Serialize`: the models skip their own field, and
//!   JSON kept as [`Value`] (an embedded organization, an unknown event) is serialized without
//!   any `private_metadata` key, at any depth, as Clerk's `stripPrivateDataFromObject` does.
//! - `Debug` of a model holding user data prints its (public) JSON with email addresses, phone
//!   numbers, identifiers and backup codes replaced by `"[redacted]"`, so `tracing`'s `?user`
//!   cannot put them in a log.

use std::fmt;

use serde::{Serialize, Serializer};
use serde_json::Value;

/// Keys whose values `Debug` never shows (`null` stays `null`, to show absence).
const REDACTED_KEYS: &[&str] = &[
    "private_metadata",
    "email_address",
    "primary_email_address",
    "phone_number",
    "identifier",
    "backup_codes",
    "to_email_address",
    "to_phone_number",
    "ip_address",
];

const PRIVATE_METADATA: &str = "private_metadata";

/// Implements `Debug` as `Name {redacted JSON}` (pretty with `{:#?}`) for models that hold user
/// data. The JSON is the type's own `Serialize` output, so it never has private metadata.
macro_rules! debug_as_redacted_json {
    ($($name:ident),+ $(,)?) => {$(
        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                $crate::redact::debug_json(stringify!($name), self, f)
            }
        }
    )+};
}
pub(crate) use debug_as_redacted_json;

/// Writes `name` and the JSON of `value` with the [`REDACTED_KEYS`] hidden.
pub(crate) fn debug_json<T: Serialize + ?Sized>(
    name: &str,
    value: &T,
    f: &mut fmt::Formatter<'_>,
) -> fmt::Result {
    let Ok(mut json) = serde_json::to_value(value) else {
        return write!(f, "{name} {{ .. }}");
    };
    redact(&mut json);
    if f.alternate() {
        write!(f, "{name} {json:#}")
    } else {
        write!(f, "{name} {json}")
    }
}

/// As [`debug_json`], with the top-level keys `hidden` hidden too (a generated webhook payload's
/// secrets and message contents: one-time codes, sign-in links).
pub(crate) fn debug_json_hiding<T: Serialize + ?Sized>(
    name: &str,
    value: &T,
    hidden: &[&str],
    f: &mut fmt::Formatter<'_>,
) -> fmt::Result {
    let Ok(mut json) = serde_json::to_value(value) else {
        return write!(f, "{name} {{ .. }}");
    };
    if let Value::Object(map) = &mut json {
        for key in hidden {
            if let Some(field) = map.get_mut(*key) {
                if !field.is_null() {
                    *field = Value::String("[redacted]".to_owned());
                }
            }
        }
    }
    redact(&mut json);
    if f.alternate() {
        write!(f, "{name} {json:#}")
    } else {
        write!(f, "{name} {json}")
    }
}

fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if REDACTED_KEYS.contains(&key.as_str()) {
                    if !value.is_null() {
                        *value = Value::String("[redacted]".to_owned());
                    }
                } else {
                    redact(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// `value` without any `private_metadata` key, at any depth.
pub(crate) fn without_private_metadata(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(key, _)| key.as_str() != PRIVATE_METADATA)
                .map(|(key, value)| (key.clone(), without_private_metadata(value)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_private_metadata).collect()),
        other => other.clone(),
    }
}

/// `serialize_with` for JSON fields that may embed private metadata.
pub(crate) fn serialize_without_private_metadata<S: Serializer>(
    value: &Value,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    without_private_metadata(value).serialize(serializer)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn private_metadata_is_removed_at_any_depth() {
        let value = json!({"private_metadata": {"a": 1}, "list": [{"private_metadata": 2, "b": 3}],
            "public_metadata": {"c": {"private_metadata": 4}}});
        assert_eq!(
            without_private_metadata(&value),
            json!({"list": [{"b": 3}], "public_metadata": {"c": {}}})
        );
    }

    #[test]
    fn redaction_keeps_null_and_other_keys() {
        let mut value = json!({"email_address": "a@b.c", "phone_number": null,
            "email_addresses": [{"id": "idn_1", "email_address": "d@e.f"}]});
        redact(&mut value);
        assert_eq!(
            value,
            json!({"email_address": "[redacted]", "phone_number": null,
                "email_addresses": [{"id": "idn_1", "email_address": "[redacted]"}]})
        );
    }
}
