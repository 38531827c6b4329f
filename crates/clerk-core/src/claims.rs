//! The claims Clerk's rules read, picked out of a token's JSON in one pass that validates the
//! whole text as `serde_json::Value` parsing would, without building a tree of the rest.
//!
//! A picked claim is the exact `Value` a full parse would have given (the last of duplicate keys
//! wins, as in a `serde_json` map); every other claim stays in the JSON text, parsed on demand.
//!
//! One deliberate difference from `Value`: an object key spelled as `serde_json`'s private
//! raw-value marker ([`RAW_VALUE_MARKER`]) is refused at any depth. With the workspace's
//! `raw_value` feature, `Value` re-parses such an object's string as JSON (or refuses it), so a
//! token carrying one would read differently in the rules, in `raw()` and in Clerk's
//! `JSON.parse`; no Clerk token has such a key, and refusing it keeps all three the same.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// The payload claims a session token's verification, `Auth` and `has()` read.
pub(crate) const SESSION_CLAIMS: [&str; 17] = [
    "sub",
    "sid",
    "sts",
    "iss",
    "azp",
    "aud",
    "exp",
    "nbf",
    "iat",
    "v",
    "fea",
    "pla",
    "fva",
    "org_id",
    "org_role",
    "org_slug",
    "org_permissions",
];
/// The nested object holding a v2 token's active organization.
pub(crate) const ORG_OBJECT: &str = "o";
/// The fields of [`ORG_OBJECT`] the rules read.
pub(crate) const ORG_CLAIMS: [&str; 5] = ["id", "rol", "slg", "per", "fpm"];
/// The protected-header fields Clerk's verifier reads.
pub(crate) const HEADER_FIELDS: [&str; 4] = ["alg", "typ", "kid", "cat"];

/// The key `serde_json` treats as a raw-value marker when its `raw_value` feature is on.
pub(crate) const RAW_VALUE_MARKER: &str = "$serde_json::private::RawValue";

/// What the JSON text was at its top level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// An object (its named fields are picked).
    Object,
    /// `null`.
    Null,
    /// Any other value.
    Other,
}

/// Named fields of a JSON object, each the `Value` a full parse would hold under that name.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fields<const N: usize> {
    names: &'static [&'static str; N],
    shape: Shape,
    values: [Option<Value>; N],
}

impl<const N: usize> Fields<N> {
    fn empty(names: &'static [&'static str; N], shape: Shape) -> Self {
        Self {
            names,
            shape,
            values: std::array::from_fn(|_| None),
        }
    }

    /// The text's top-level shape.
    pub(crate) fn shape(&self) -> Shape {
        self.shape
    }

    /// `Some(answer)` when `name` is one of the picked names (the answer is then exactly what a
    /// full parse gives), `None` when it is not picked.
    pub(crate) fn lookup(&self, name: &str) -> Option<Option<&Value>> {
        let at = self.names.iter().position(|picked| *picked == name)?;
        Some(self.values[at].as_ref())
    }

    /// A picked field (`None` when absent or not picked).
    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        self.lookup(name).flatten()
    }
}

/// A token payload's picked claims and, when it is an object, its `o` object's picked fields.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PickedClaims {
    pub(crate) claims: Fields<{ SESSION_CLAIMS.len() }>,
    /// `Some` when `o` is present and (its last occurrence) an object.
    pub(crate) org: Option<Fields<{ ORG_CLAIMS.len() }>>,
}

/// Picks the session claims out of a payload's JSON text.
///
/// # Errors
///
/// Whenever `serde_json::from_str::<Value>(text)` fails.
pub(crate) fn pick_claims(text: &str) -> serde_json::Result<PickedClaims> {
    let mut de = serde_json::Deserializer::from_str(text);
    let (claims, org) = Pick {
        names: &SESSION_CLAIMS,
        nested: Some((ORG_OBJECT, &ORG_CLAIMS)),
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok(PickedClaims { claims, org })
}

/// Picks the header fields out of a protected header's JSON text.
///
/// # Errors
///
/// Whenever `serde_json::from_str::<Value>(text)` fails.
pub(crate) fn pick_header(text: &str) -> serde_json::Result<Fields<{ HEADER_FIELDS.len() }>> {
    let mut de = serde_json::Deserializer::from_str(text);
    let (fields, _) = Pick::<{ HEADER_FIELDS.len() }, 0> {
        names: &HEADER_FIELDS,
        nested: None,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok(fields)
}

/// The seed and visitor of one JSON value: an object's `names` are kept as `Value`s, the object
/// under `nested` (when given) is picked in turn, everything else is only validated.
struct Pick<const N: usize, const M: usize> {
    names: &'static [&'static str; N],
    nested: Option<(&'static str, &'static [&'static str; M])>,
}

/// What a value of no interest validates into (nothing kept).
const SKIP: Pick<0, 0> = Pick {
    names: &[],
    nested: None,
};

type Picked<const N: usize, const M: usize> = (Fields<N>, Option<Fields<M>>);

impl<'de, const N: usize, const M: usize> DeserializeSeed<'de> for Pick<N, M> {
    type Value = Picked<N, M>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        // `deserialize_any`, as `Value`'s own `Deserialize`: the same numbers, strings, escapes
        // and nesting limit are accepted and refused.
        deserializer.deserialize_any(self)
    }
}

/// Which of the picked names a key is.
enum Key {
    Field(usize),
    Nested,
    Other,
}

struct KeySeed<'p> {
    names: &'p [&'static str],
    nested: Option<&'static str>,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<Key, E> {
        if key == RAW_VALUE_MARKER {
            return Err(E::custom("a serde_json raw-value marker as an object key"));
        }
        // Byte by byte, inlined: most claim names are three letters long, so a length check
        // alone leaves a dozen candidates, each a `memcmp` call otherwise.
        let is = |name: &&str| name.len() == key.len() && name.bytes().eq(key.bytes());
        Ok(match self.names.iter().position(is) {
            Some(at) => Key::Field(at),
            None if self.nested == Some(key) => Key::Nested,
            None => Key::Other,
        })
    }
}

impl<const N: usize, const M: usize> Pick<N, M> {
    fn other<E>(&self) -> Result<Picked<N, M>, E> {
        Ok((Fields::empty(self.names, Shape::Other), None))
    }
}

impl<'de, const N: usize, const M: usize> Visitor<'de> for Pick<N, M> {
    type Value = Picked<N, M>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        self.other()
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        self.other()
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        self.other()
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        self.other()
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        self.other()
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok((Fields::empty(self.names, Shape::Null), None))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element_seed(SKIP)?.is_some() {}
        self.other()
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = Fields::empty(self.names, Shape::Object);
        let mut nested = None;
        let key_seed = || KeySeed {
            names: self.names,
            nested: self.nested.map(|(name, _)| name),
        };
        while let Some(key) = map.next_key_seed(key_seed())? {
            match (key, self.nested) {
                (Key::Field(at), _) => fields.values[at] = Some(map.next_value_seed(PlainValue)?),
                (Key::Nested, Some((_, names))) => {
                    let (inner, _) = map.next_value_seed(Pick::<M, 0> { names, nested: None })?;
                    nested = Some(inner).filter(|inner| inner.shape == Shape::Object);
                }
                (Key::Nested | Key::Other, _) => {
                    map.next_value_seed(SKIP)?;
                }
            }
        }
        Ok((fields, nested))
    }
}

/// A whole JSON value as `Value`, built here rather than by `Value`'s own `Deserialize` so that
/// the raw-value marker key is refused inside picked claims too (see the module comment).
struct PlainValue;

impl<'de> DeserializeSeed<'de> for PlainValue {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PlainValue {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // Finite here: serde_json refuses a number it cannot hold as f64 before this.
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(PlainValue)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == RAW_VALUE_MARKER {
                return Err(serde::de::Error::custom(
                    "a serde_json raw-value marker as an object key",
                ));
            }
            let value = map.next_value_seed(PlainValue)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(text: &str) -> Option<Value> {
        serde_json::from_str(text).ok()
    }

    #[test]
    fn picks_exactly_what_a_full_parse_holds() {
        let text = r#"{"sub":"user_1","sub":"user_2","exp":1.5e9,"v":2,"x":{"deep":[1,{"a":null}]},
            "o":{"id":"org_1","rol":"admin","per":"read","extra":[true]},"aud":["a","b"],"nbf":null}"#;
        let picked = pick_claims(text).unwrap();
        let value = full(text).unwrap();
        for name in SESSION_CLAIMS {
            assert_eq!(picked.claims.get(name), value.get(name), "{name}");
        }
        let org = picked.org.unwrap();
        for name in ORG_CLAIMS {
            assert_eq!(org.get(name), value["o"].get(name), "o.{name}");
        }
        assert_eq!(picked.claims.lookup("x"), None, "not picked");
        assert_eq!(picked.claims.lookup("nbf"), Some(Some(&Value::Null)));
    }

    #[test]
    fn the_last_o_decides_and_a_non_object_o_is_none() {
        assert!(pick_claims(r#"{"o":{"id":"a"},"o":"x"}"#).unwrap().org.is_none());
        let picked = pick_claims(r#"{"o":"x","o":{"id":"a"}}"#).unwrap();
        assert_eq!(picked.org.unwrap().get("id"), Some(&Value::from("a")));
    }

    #[test]
    fn refuses_and_accepts_what_value_does() {
        let deep_ok = format!("{}1{}", "[".repeat(127), "]".repeat(127));
        let too_deep = format!("{}1{}", "[".repeat(129), "]".repeat(129));
        for text in [
            "{}",
            "null",
            "[1,2]",
            "\"s\"",
            "1e400",
            "-0",
            "{\"a\":\"\\ud800\"}",
            "{\"a\":\"\\ud83d\\ude00\"}",
            "{\"\\ud800\":1}",
            "{\"a\":1,}",
            "{\"a\":1} x",
            "{\"a\" 1}",
            "{\"sub\":18446744073709551616}",
            "{\"o\":{\"id\":\"\\ud800\"}}",
            "{\"x\":[1,2,]}",
            deep_ok.as_str(),
            too_deep.as_str(),
            "",
            " {} ",
        ] {
            assert_eq!(
                pick_claims(text).is_ok(),
                full(text).is_some(),
                "payload {text:.40}"
            );
            assert_eq!(
                pick_header(text).is_ok(),
                full(text).is_some(),
                "header {text:.40}"
            );
        }
    }

    #[test]
    fn the_raw_value_marker_is_refused_at_any_depth() {
        for text in [
            r#"{"sub":"u","x":{"$serde_json::private::RawValue":0}}"#,
            r#"{"sub":"u","x":{"$serde_json::private::RawValue":"{}"}}"#,
            r#"{"o":{"$serde_json::private::RawValue":"{\"id\":\"org_1\"}"}}"#,
            r#"{"org_role":{"$serde_json::private::RawValue":"\"org:admin\""}}"#,
            r#"{"aud":[{"$serde_json::private::RawValue":"1"}]}"#,
            r#"{"$serde_json::private::RawValue":"{}"}"#,
            r#"{"s\u0075b":"u","x":{"$serde_json::priv\u0061te::RawValue":"{}"}}"#,
        ] {
            assert!(pick_claims(text).is_err(), "{text}");
        }
    }

    #[test]
    fn escaped_names_duplicates_and_numbers_pick_what_a_full_parse_holds() {
        for text in [
            r#"{"s\u0075b":"user_1","exp":1e3,"nbf":-0,"iat":18446744073709551615}"#,
            r#"{"sub":"a","o":{"id":"x","id":"y","r\u006fl":"admin"},"o":{"id":"z"}}"#,
            r#"{"o":{"id":"x"},"o":{"id":"y","per":"a,b","fpm":"1,2"}}"#,
            r#"{"exp":1.0,"nbf":2E2,"iat":-1,"v":2,"fea":"o:a","pla":"u:b","fva":[1,-1]}"#,
            r#"{"aud":["a",{"b":[null,true]}],"azp":"\u0068ttp://x","sts":"pending"}"#,
            r#"{"org_id":"org_1","org_role":"org:admin","org_slug":"s","org_permissions":["p"]}"#,
        ] {
            let picked = pick_claims(text).unwrap();
            let value = full(text).unwrap();
            for name in SESSION_CLAIMS {
                assert_eq!(picked.claims.get(name), value.get(name), "{name} in {text}");
            }
            match (&picked.org, value.get("o")) {
                (Some(org), Some(o)) => {
                    for name in ORG_CLAIMS {
                        assert_eq!(org.get(name), o.get(name), "o.{name} in {text}");
                    }
                }
                (None, o) => assert!(!o.is_some_and(Value::is_object), "{text}"),
                (Some(_), None) => panic!("an o picked that a full parse has not: {text}"),
            }
        }
    }

    #[test]
    fn shapes() {
        assert_eq!(pick_header("null").unwrap().shape(), Shape::Null);
        assert_eq!(pick_header("[]").unwrap().shape(), Shape::Other);
        let header = pick_header(r#"{"alg":"RS256","kid":7}"#).unwrap();
        assert_eq!(header.shape(), Shape::Object);
        assert_eq!(header.get("kid"), Some(&Value::from(7)));
    }
}
