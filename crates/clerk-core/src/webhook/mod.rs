//! Svix webhook verification and typed Clerk events.
//!
//! Clerk delivers webhooks through Svix. A delivery carries three headers (`svix-id`,
//! `svix-timestamp`, `svix-signature`, or their unbranded `webhook-*` twins) and is signed with
//! `v1,base64(HMAC-SHA256(secret, "{id}.{timestamp}.{raw body}"))`. [`WebhookVerifier`] checks
//! exactly what `@clerk/backend`'s `verifyWebhook` checks, on the **raw** body bytes, with the
//! clock passed in; [`WebhookVerifier::verify_event`] then parses a typed [`ClerkEvent`].
//!
//! Error messages are Clerk's, byte for byte ([`WebhookError`]).
//!
//! Every event type of Clerk's webhook spec (`spec/webhooks_2025-04-15.yml`) has its variant
//! of [`EventData`], generated with its payload types by `cargo xtask codegen` (a test fails
//! when the checked-in files differ from what it writes):
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | verification ([`WebhookVerifier`], [`WebhookSecret`], [`WebhookHeaders`]), the envelope ([`ClerkEvent`]) |
//! | `events.rs` (generated) | [`EventData`]: one variant per event type, the type-string → variant parse |
//! | `payloads.rs` (generated) | the payloads clerk-core does not model by hand ([`Role`], [`Permission`], [`OrganizationDomain`], [`OrganizationInvitation`], [`WaitlistEntry`], [`EmailEventPayload`], [`SmsEventPayload`], [`PaymentAttemptEventPayload`], [`SubscriptionEventPayload`], [`BillingSubscriptionItemEventPayload`], …); users, organizations, memberships, sessions and deleted objects are [`crate::user`]'s and [`crate::api`]'s types |
//!
//! # Examples
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use clerk_core::webhook::{sign, EventData, WebhookHeaders, WebhookSecret, WebhookVerifier};
//!
//! let secret: WebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".parse()?;
//! let body = br#"{"type":"user.deleted","object":"event","timestamp":1,"instance_id":"ins_1",
//!   "data":{"object":"user","id":"user_1","deleted":true}}"#;
//! let signature = sign(&secret, "msg_1", 1_700_000_000, body);
//!
//! // Any framework: give a header lookup (lower-case names).
//! let headers = WebhookHeaders::from_lookup(|name| match name {
//!     "svix-id" => Some("msg_1"),
//!     "svix-timestamp" => Some("1700000000"),
//!     "svix-signature" => Some(signature.as_str()),
//!     _ => None,
//! });
//! let now = UNIX_EPOCH + Duration::from_secs(1_700_000_010);
//! let event = WebhookVerifier::new(secret).verify_event(&headers, body, now)?;
//! assert!(matches!(event.data, EventData::UserDeleted(_)));
//! # Ok::<(), clerk_core::webhook::WebhookError>(())
//! ```

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::api::Session;
use crate::user::User;

mod events;
mod payloads;

pub use events::EventData;
pub use payloads::*;

/// The default timestamp tolerance: 300 s in both directions, as Svix and Clerk use.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// The prefix of Clerk (Svix) signing secrets.
pub const SECRET_PREFIX: &str = "whsec_";

/// Lenient standard base64: padding optional, as the JS decoder Clerk uses accepts both.
const STANDARD_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why a webhook delivery (or a signing secret) was refused.
///
/// `Display` is Clerk's (standardwebhooks') message, byte for byte;
/// [`WebhookError::clerk_message`] adds `@clerk/backend`'s wrapping.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// No signing secret was configured (`CLERK_WEBHOOK_SIGNING_SECRET` unset or blank).
    #[error("Missing webhook signing secret. Set the CLERK_WEBHOOK_SIGNING_SECRET environment variable with the webhook secret from the Clerk Dashboard.")]
    MissingSecret,
    /// The signing secret decodes to no bytes.
    #[error("Secret can't be empty.")]
    EmptySecret,
    /// The signing secret is not `whsec_` followed by standard base64.
    #[error("Invalid webhook signing secret: expected whsec_ followed by base64")]
    InvalidSecret,
    /// One or more of `svix-id`, `svix-timestamp`, `svix-signature` is missing or blank.
    #[error("Missing required webhook headers: {}", .missing.join(", "))]
    MissingHeaders {
        /// The missing header names, in the order `svix-id`, `svix-timestamp`, `svix-signature`.
        missing: Vec<&'static str>,
    },
    /// The timestamp header is not a decimal integer.
    #[error("Invalid Signature Headers")]
    InvalidHeaders,
    /// The timestamp is more than the tolerance in the past (or negative).
    #[error("Message timestamp too old")]
    TimestampTooOld,
    /// The timestamp is more than the tolerance in the future.
    #[error("Message timestamp too new")]
    TimestampTooNew,
    /// The body is not UTF-8, so it cannot be a Clerk (JSON) delivery.
    #[error("Webhook body is not valid UTF-8")]
    InvalidBody,
    /// No `v1` signature in the header matches any configured secret.
    #[error("No matching signature found")]
    NoMatchingSignature,
    /// The delivery is authentic but its body is not a Clerk event (not JSON, or no `type` or
    /// `data`). A known event type whose data does not parse is no error: it is
    /// [`EventData::Unparsed`].
    #[error("Invalid webhook payload: {0}")]
    InvalidPayload(String),
}

impl WebhookError {
    /// The message `@clerk/backend`'s `verifyWebhook` throws (without its `@clerk/backend: ` tag).
    ///
    /// Verification failures read `Unable to verify incoming webhook: <message>`; missing
    /// headers and a missing secret stand alone, as in Clerk.
    ///
    /// # Examples
    ///
    /// ```
    /// use clerk_core::webhook::WebhookError;
    ///
    /// assert_eq!(
    ///     WebhookError::TimestampTooOld.clerk_message(),
    ///     "Unable to verify incoming webhook: Message timestamp too old"
    /// );
    /// ```
    pub fn clerk_message(&self) -> String {
        match self {
            Self::MissingHeaders { .. } | Self::MissingSecret => self.to_string(),
            other => format!("Unable to verify incoming webhook: {other}"),
        }
    }
}

/// A webhook signing secret: the HMAC key decoded from `whsec_<base64>`.
///
/// `Debug` and `Display` never show it.
///
/// # Examples
///
/// ```
/// use clerk_core::webhook::WebhookSecret;
///
/// let secret = WebhookSecret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
/// assert_eq!(format!("{secret:?}"), "WebhookSecret([redacted])");
/// assert!(WebhookSecret::new("whsec_").is_err());
/// # Ok::<(), clerk_core::webhook::WebhookError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret {
    key: Vec<u8>,
}

impl WebhookSecret {
    /// Parses `whsec_<standard base64>`, or a bare base64 secret. Surrounding whitespace is
    /// ignored, and so is missing `=` padding.
    ///
    /// # Errors
    ///
    /// [`WebhookError::EmptySecret`] when there is nothing after the prefix;
    /// [`WebhookError::InvalidSecret`] when the rest is not base64.
    pub fn new(secret: &str) -> Result<Self, WebhookError> {
        let secret = secret.trim();
        let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
        let key = STANDARD_LENIENT
            .decode(encoded)
            .map_err(|_| WebhookError::InvalidSecret)?;
        Self::from_bytes(key)
    }

    /// Uses raw bytes as the HMAC key (Svix's `format: "raw"`).
    ///
    /// # Errors
    ///
    /// [`WebhookError::EmptySecret`] for an empty key.
    pub fn from_bytes(key: impl Into<Vec<u8>>) -> Result<Self, WebhookError> {
        let key = key.into();
        if key.is_empty() {
            return Err(WebhookError::EmptySecret);
        }
        Ok(Self { key })
    }

    /// The secret as Clerk shows it, `whsec_<base64>`. Keep it out of logs.
    pub fn expose(&self) -> String {
        format!("{SECRET_PREFIX}{}", STANDARD.encode(&self.key))
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
        <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC takes keys of any length")
    }

    /// `v1,<base64>` for this secret, without allocating the signed content.
    fn signature(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
        let mut mac = self.mac();
        mac.update(msg_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        let tag = mac.finalize().into_bytes();
        let mut out = String::with_capacity(48);
        out.push_str("v1,");
        STANDARD.encode_string(tag, &mut out);
        out
    }
}

impl FromStr for WebhookSecret {
    type Err = WebhookError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret([redacted])")
    }
}

impl fmt::Display for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("whsec_[redacted]")
    }
}

/// Signs a delivery: `v1,` + base64(HMAC-SHA256(secret, `"{msg_id}.{timestamp_secs}.{body}"`)).
///
/// This is what Svix sends in `svix-signature` (the offline Clerk uses it to sign deliveries).
pub fn sign(secret: &WebhookSecret, msg_id: &str, timestamp_secs: i64, body: &[u8]) -> String {
    secret.signature(msg_id, timestamp_secs, body)
}

/// The three Svix headers of a delivery, trimmed; blank counts as missing.
///
/// Build it from any framework with [`WebhookHeaders::from_lookup`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WebhookHeaders<'a> {
    id: Option<&'a str>,
    timestamp: Option<&'a str>,
    signature: Option<&'a str>,
}

impl<'a> WebhookHeaders<'a> {
    /// Reads the headers through `lookup`, called with lower-case names.
    ///
    /// Each of `svix-id`, `svix-timestamp` and `svix-signature` falls back to its unbranded
    /// twin (`webhook-id`, …) when missing or blank. The lookup should be case-insensitive, as
    /// HTTP header maps are.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use clerk_core::webhook::WebhookHeaders;
    ///
    /// let map = HashMap::from([("webhook-id", " msg_1 "), ("svix-timestamp", "1")]);
    /// let headers = WebhookHeaders::from_lookup(|name| map.get(name).copied());
    /// assert_eq!(headers.id(), Some("msg_1"));
    /// assert_eq!(headers.signature(), None);
    /// ```
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<&'a str>) -> Self {
        let get = |branded: &str, unbranded: &str| {
            non_blank(lookup(branded)).or_else(|| non_blank(lookup(unbranded)))
        };
        Self {
            id: get("svix-id", "webhook-id"),
            timestamp: get("svix-timestamp", "webhook-timestamp"),
            signature: get("svix-signature", "webhook-signature"),
        }
    }

    /// Builds the headers from their values (trimmed; blank counts as missing).
    pub fn new(id: Option<&'a str>, timestamp: Option<&'a str>, signature: Option<&'a str>) -> Self {
        Self {
            id: non_blank(id),
            timestamp: non_blank(timestamp),
            signature: non_blank(signature),
        }
    }

    /// The message id (`svix-id`), stable across retries: use it for idempotency.
    pub fn id(&self) -> Option<&'a str> {
        self.id
    }

    /// The raw timestamp header, Unix seconds.
    pub fn timestamp(&self) -> Option<&'a str> {
        self.timestamp
    }

    /// The raw signature header.
    pub fn signature(&self) -> Option<&'a str> {
        self.signature
    }
}

fn non_blank(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|value| !value.is_empty())
}

/// Verifies Svix-signed Clerk webhook deliveries.
///
/// Holds one or more secrets (any may match, for rotation) and a timestamp tolerance
/// (defaults to 300 s). The clock is a parameter of every check, never read inside.
#[derive(Debug, Clone)]
pub struct WebhookVerifier {
    secrets: Vec<WebhookSecret>,
    tolerance: Duration,
}

impl WebhookVerifier {
    /// A verifier with one secret and the default tolerance.
    pub fn new(secret: WebhookSecret) -> Self {
        Self {
            secrets: vec![secret],
            tolerance: DEFAULT_TOLERANCE,
        }
    }

    /// A verifier accepting any of `secrets` (rotation).
    ///
    /// # Errors
    ///
    /// [`WebhookError::MissingSecret`] when `secrets` is empty.
    pub fn with_secrets(secrets: impl IntoIterator<Item = WebhookSecret>) -> Result<Self, WebhookError> {
        let secrets: Vec<_> = secrets.into_iter().collect();
        if secrets.is_empty() {
            return Err(WebhookError::MissingSecret);
        }
        Ok(Self {
            secrets,
            tolerance: DEFAULT_TOLERANCE,
        })
    }

    /// Parses the value of `CLERK_WEBHOOK_SIGNING_SECRET`: one or more secrets separated by
    /// whitespace or commas.
    ///
    /// # Errors
    ///
    /// [`WebhookError::MissingSecret`] for a blank value; the error of the first secret that
    /// does not parse otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// use clerk_core::webhook::WebhookVerifier;
    ///
    /// let verifier = WebhookVerifier::from_env_value(
    ///     "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, whsec_plJ3nmyCDGBKInavdOK15jsl",
    /// )?;
    /// assert_eq!(verifier.secrets().len(), 2);
    /// # Ok::<(), clerk_core::webhook::WebhookError>(())
    /// ```
    pub fn from_env_value(value: &str) -> Result<Self, WebhookError> {
        let secrets = value
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|part| !part.is_empty())
            .map(WebhookSecret::new)
            .collect::<Result<Vec<_>, _>>()?;
        Self::with_secrets(secrets)
    }

    /// Adds a secret that may also match (rotation).
    pub fn add_secret(mut self, secret: WebhookSecret) -> Self {
        self.secrets.push(secret);
        self
    }

    /// Sets the timestamp tolerance, in both directions. Defaults to 300 s.
    pub fn with_tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// The configured secrets.
    pub fn secrets(&self) -> &[WebhookSecret] {
        &self.secrets
    }

    /// The timestamp tolerance.
    pub fn tolerance(&self) -> Duration {
        self.tolerance
    }

    /// Verifies a delivery on its **raw** body, at time `now`.
    ///
    /// In order: all three headers present; the timestamp an integer (`Invalid Signature
    /// Headers`), not negative nor older than the tolerance (`Message timestamp too old`), not
    /// newer than the tolerance (`Message timestamp too new`) — exactly ±tolerance passes; the
    /// body UTF-8; then any `v1` entry of the space-separated signature header matching any
    /// secret, compared in constant time (`No matching signature found`).
    ///
    /// # Errors
    ///
    /// The [`WebhookError`] named above.
    pub fn verify(
        &self,
        headers: &WebhookHeaders<'_>,
        body: &[u8],
        now: SystemTime,
    ) -> Result<(), WebhookError> {
        let (id, timestamp, signature) = match (headers.id, headers.timestamp, headers.signature) {
            (Some(id), Some(timestamp), Some(signature)) => (id, timestamp, signature),
            (id, timestamp, signature) => {
                let missing = [
                    (id, "svix-id"),
                    (timestamp, "svix-timestamp"),
                    (signature, "svix-signature"),
                ]
                .into_iter()
                .filter_map(|(value, name)| value.is_none().then_some(name))
                .collect();
                return Err(WebhookError::MissingHeaders { missing });
            }
        };

        let timestamp: i64 = timestamp.parse().map_err(|_| WebhookError::InvalidHeaders)?;
        self.check_timestamp(timestamp, now)?;

        // Clerk signs JSON text; a non-UTF-8 body can never be one of its deliveries.
        if std::str::from_utf8(body).is_err() {
            return Err(WebhookError::InvalidBody);
        }

        let expected: Vec<String> = self
            .secrets
            .iter()
            .map(|secret| secret.signature(id, timestamp, body))
            .collect();
        // Evaluate every entry against every secret: no early exit that could time the match.
        let mut matched = subtle::Choice::from(0);
        for entry in signature.split_ascii_whitespace() {
            if !entry.starts_with("v1,") {
                continue;
            }
            for candidate in &expected {
                matched |= entry.as_bytes().ct_eq(candidate.as_bytes());
            }
        }
        if bool::from(matched) {
            Ok(())
        } else {
            Err(WebhookError::NoMatchingSignature)
        }
    }

    /// Verifies a delivery like [`WebhookVerifier::verify`], then parses it as a [`ClerkEvent`].
    ///
    /// # Errors
    ///
    /// Any error of [`WebhookVerifier::verify`]; [`WebhookError::InvalidPayload`] when the
    /// authentic body is not a Clerk event. A known event type whose data does not parse is an
    /// event all the same, its data [`EventData::Unparsed`]: acknowledge it (Svix would retry a
    /// refusal, then disable the endpoint), do not apply it.
    pub fn verify_event(
        &self,
        headers: &WebhookHeaders<'_>,
        body: &[u8],
        now: SystemTime,
    ) -> Result<ClerkEvent, WebhookError> {
        self.verify(headers, body, now)?;
        ClerkEvent::from_slice(body)
    }

    fn check_timestamp(&self, timestamp: i64, now: SystemTime) -> Result<(), WebhookError> {
        if timestamp < 0 {
            return Err(WebhookError::TimestampTooOld);
        }
        // i128 seconds: no overflow for any i64 timestamp or SystemTime.
        let now = match now.duration_since(UNIX_EPOCH) {
            Ok(since) => i128::from(since.as_secs()),
            Err(before) => -i128::from(before.duration().as_secs()) - 1,
        };
        let tolerance = i128::from(self.tolerance.as_secs());
        let timestamp = i128::from(timestamp);
        if timestamp + tolerance < now {
            Err(WebhookError::TimestampTooOld)
        } else if timestamp > now + tolerance {
            Err(WebhookError::TimestampTooNew)
        } else {
            Ok(())
        }
    }
}

/// A Clerk webhook event: `{type, object:"event", data, timestamp, instance_id,
/// event_attributes}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClerkEvent {
    /// The event type, e.g. `user.created`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// Always `event`.
    pub object: String,
    /// When the event happened, Unix **milliseconds**.
    pub timestamp: i64,
    /// The instance, `ins_…`.
    pub instance_id: String,
    /// What caused the event.
    pub event_attributes: EventAttributes,
    /// The typed payload.
    pub data: EventData,
}

impl ClerkEvent {
    /// Parses an event from JSON bytes (already verified).
    ///
    /// # Errors
    ///
    /// [`WebhookError::InvalidPayload`] when the JSON is not an event. The data of a known event
    /// type that does not parse is [`EventData::Unparsed`], not an error.
    pub fn from_slice(body: &[u8]) -> Result<Self, WebhookError> {
        serde_json::from_slice::<Envelope<&RawValue>>(body)
            .map_err(|err| WebhookError::InvalidPayload(err.to_string()))?
            .into_event()
    }

    /// The user of a `user.created` or `user.updated` event.
    pub fn user(&self) -> Option<&User> {
        match &self.data {
            EventData::UserCreated(user) | EventData::UserUpdated(user) => Some(user),
            _ => None,
        }
    }
}

/// The envelope, generic over how `data` is held (a `Value`, or borrowed raw JSON).
#[derive(Deserialize)]
struct Envelope<D> {
    #[serde(rename = "type")]
    event_type: String,
    #[serde(default)]
    object: String,
    #[serde(default)]
    timestamp: i64,
    #[serde(default)]
    instance_id: String,
    #[serde(default, deserialize_with = "lenient")]
    event_attributes: EventAttributes,
    data: D,
}

impl<D: DataSource> Envelope<D> {
    fn into_event(self) -> Result<ClerkEvent, WebhookError> {
        let data = EventData::from_source(&self.event_type, self.data)?;
        Ok(ClerkEvent {
            event_type: self.event_type,
            object: self.object,
            timestamp: self.timestamp,
            instance_id: self.instance_id,
            event_attributes: self.event_attributes,
            data,
        })
    }
}

impl<'de> Deserialize<'de> for ClerkEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Envelope::<Value>::deserialize(deserializer)?
            .into_event()
            .map_err(serde::de::Error::custom)
    }
}

/// Event data not yet typed: parsed JSON, or raw JSON text borrowed from the body.
trait DataSource {
    fn parse<T: DeserializeOwned>(&self) -> serde_json::Result<T>;
    fn into_value(self) -> serde_json::Result<Value>;
}

impl DataSource for Value {
    fn parse<T: DeserializeOwned>(&self) -> serde_json::Result<T> {
        T::deserialize(self)
    }

    fn into_value(self) -> serde_json::Result<Value> {
        Ok(self)
    }
}

// Borrowed raw JSON lets known types deserialize straight from the body, with no `Value` tree.
impl DataSource for &RawValue {
    fn parse<T: DeserializeOwned>(&self) -> serde_json::Result<T> {
        serde_json::from_str(self.get())
    }

    fn into_value(self) -> serde_json::Result<Value> {
        serde_json::from_str(self.get())
    }
}

/// Deserializes `T`, falling back to its default when the JSON has another shape.
fn lenient<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + Default,
{
    let value = Value::deserialize(deserializer)?;
    Ok(T::deserialize(value).unwrap_or_default())
}

/// `event_attributes` of a [`ClerkEvent`]. Tolerant: a shape it does not know reads as empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventAttributes {
    /// The request that caused the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_request: Option<HttpRequestAttributes>,
}

/// The request that caused an event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpRequestAttributes {
    /// The client's IP address.
    #[serde(default)]
    pub client_ip: Option<String>,
    /// The client's user agent (the SDK's, for Backend API changes).
    #[serde(default)]
    pub user_agent: Option<String>,
}

/// The data of a `session.*` event: a [`Session`] plus the embedded user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionEvent {
    /// The session.
    #[serde(flatten)]
    pub session: Session,
    /// The session's user, when Clerk embeds it.
    #[serde(default)]
    pub user: Option<Box<User>>,
}

impl EventData {
    /// Types `data` by `event_type`: a type the spec does not list is [`EventData::Unknown`],
    /// a listed type whose data does not have its shape [`EventData::Unparsed`].
    ///
    /// # Errors
    ///
    /// None for a `Value` today: both fallbacks above are values, not errors. The `Result`
    /// stays so that callers need not change if a check is added.
    ///
    /// # Examples
    ///
    /// ```
    /// use clerk_core::webhook::EventData;
    /// use serde_json::json;
    ///
    /// let data = EventData::from_parts("user.created", json!({"id": "user_1", "created_at": "Ada"}))?;
    /// let EventData::Unparsed { event_type, error } = &data else { panic!("{data:?}") };
    /// assert_eq!(event_type, "user.created");
    /// assert!(!error.contains("Ada"), "{error}");
    /// # Ok::<(), clerk_core::webhook::WebhookError>(())
    /// ```
    pub fn from_parts(event_type: &str, data: Value) -> Result<Self, WebhookError> {
        Self::from_source(event_type, data)
    }

    /// Types `data` by `event_type` (see [`EventData::from_parts`]).
    fn from_source(event_type: &str, data: impl DataSource) -> Result<Self, WebhookError> {
        match Self::typed(event_type, &data) {
            Some(Ok(typed)) => Ok(typed),
            Some(Err(err)) => Ok(Self::Unparsed {
                event_type: event_type.to_owned(),
                error: describe(&err),
            }),
            None => Ok(Self::Unknown {
                event_type: event_type.to_owned(),
                data: data.into_value().map_err(|err| {
                    WebhookError::InvalidPayload(format!("{event_type} data: {}", describe(&err)))
                })?,
            }),
        }
    }
}

/// `deserialize_with` of the generated payloads' fields that are no `Option`: `null` reads as
/// the default, as a missing field does.
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// serde's messages that quote the value they were given (`invalid type: string "…"`,
/// `invalid value: …`, `unknown variant `…``).
const QUOTING: [&str; 3] = ["invalid type", "invalid value", "unknown variant"];

/// serde's message, unless it quotes a value from the payload (see [`QUOTING`]): the message is
/// logged (and, for a body that is no event, answered), and the payload may hold personal data.
/// Then only where the value was.
fn describe(err: &serde_json::Error) -> String {
    let message = err.to_string();
    if QUOTING.iter().any(|prefix| message.starts_with(prefix)) {
        format!(
            "a value of the wrong type or out of range at line {} column {}",
            err.line(),
            err.column()
        )
    } else {
        message
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn secret_parsing() {
        assert_eq!(WebhookSecret::new("whsec_"), Err(WebhookError::EmptySecret));
        assert_eq!(WebhookSecret::new(""), Err(WebhookError::EmptySecret));
        assert_eq!(WebhookSecret::new("whsec_!!!"), Err(WebhookError::InvalidSecret));
        let prefixed = WebhookSecret::new("whsec_AQID").unwrap();
        let bare = WebhookSecret::new("AQID").unwrap();
        assert_eq!(prefixed, bare);
        assert_eq!(prefixed.expose(), "whsec_AQID");
        assert_eq!(prefixed.to_string(), "whsec_[redacted]");
        assert_eq!(
            WebhookSecret::from_bytes(Vec::new()),
            Err(WebhookError::EmptySecret)
        );
    }

    #[test]
    fn timestamp_before_epoch_clock() {
        let verifier = WebhookVerifier::new(WebhookSecret::new("AQID").unwrap());
        let before_epoch = UNIX_EPOCH - Duration::from_secs(10);
        assert_eq!(verifier.check_timestamp(0, before_epoch), Ok(()));
        assert_eq!(
            verifier.check_timestamp(i64::MAX, at(0)),
            Err(WebhookError::TimestampTooNew)
        );
        assert_eq!(
            verifier.check_timestamp(-1, at(0)),
            Err(WebhookError::TimestampTooOld)
        );
    }

    #[test]
    fn describe_never_quotes_a_value_of_the_payload() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        enum Kind {
            Known,
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Payload {
            kind: Kind,
            count: u8,
        }
        for (json, kept) in [
            (r#"{"kind":"Grace Hopper","count":1}"#, "unknown variant"),
            (r#"{"kind":"Known","count":"Grace Hopper"}"#, "invalid type"),
            (r#"{"kind":"Known","count":99999}"#, "invalid value"),
        ] {
            let err = serde_json::from_str::<Payload>(json).unwrap_err();
            assert!(
                err.to_string().starts_with(kept),
                "serde's message changed: {err}"
            );
            let described = describe(&err);
            assert!(!described.contains("Grace"), "{described}");
            assert!(!described.contains("99999"), "{described}");
            assert!(described.contains("at line 1 column"), "{described}");
        }
        let missing = serde_json::from_str::<Payload>(r#"{"kind":"Known"}"#).unwrap_err();
        assert_eq!(
            describe(&missing),
            missing.to_string(),
            "a message without a value stays"
        );
    }

    #[test]
    fn clerk_message_wraps_verification_failures_only() {
        let missing = WebhookError::MissingHeaders {
            missing: vec!["svix-timestamp", "svix-signature"],
        };
        assert_eq!(
            missing.clerk_message(),
            "Missing required webhook headers: svix-timestamp, svix-signature"
        );
        assert_eq!(
            WebhookError::NoMatchingSignature.clerk_message(),
            "Unable to verify incoming webhook: No matching signature found"
        );
    }
}
