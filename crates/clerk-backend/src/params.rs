//! Query parameters and safe path segments.

use super::error::ApiError;
use crate::operations::{Location, Operation};

/// Filters, paging and ordering of `GET /v1/users` and `GET /v1/users/count` (contract §2.2).
///
/// Every value the caller sets is sent, including `false`, `0` and empty strings (the JS SDK
/// drops those). Arrays are sent as repeated keys (`user_id=a&user_id=b`). `limit`, `offset`,
/// `order_by` and `starting_after` are not sent by [`users().count`](crate::users::Users::count),
/// which does not take them.
///
/// # Examples
///
/// ```
/// use clerk_backend::UserListParams;
///
/// let params = UserListParams::new()
///     .email_address(["a@example.com", "b@example.com"])
///     .banned(false)
///     .limit(100)
///     .offset(0)
///     .order_by("-created_at");
/// assert_eq!(params.limit, Some(100));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct UserListParams {
    /// `email_address`: exact email addresses (≤ 100).
    pub email_address: Vec<String>,
    /// `phone_number`: exact phone numbers (≤ 100).
    pub phone_number: Vec<String>,
    /// `external_id`: external ids, each optionally prefixed `+` (include) or `-` (exclude).
    pub external_id: Vec<String>,
    /// `username`: exact usernames (≤ 100).
    pub username: Vec<String>,
    /// `web3_wallet`: exact wallet addresses (≤ 100).
    pub web3_wallet: Vec<String>,
    /// `user_id`: user ids, each optionally prefixed `+` or `-`.
    pub user_id: Vec<String>,
    /// `organization_id`: organization ids, each optionally prefixed `+` or `-`.
    pub organization_id: Vec<String>,
    /// `query`: partial match over emails, phones, usernames, wallets, ids and names.
    pub query: Option<String>,
    /// `email_address_query`: case-insensitive substring of an email address.
    pub email_address_query: Option<String>,
    /// `phone_number_query`: case-insensitive substring of a phone number.
    pub phone_number_query: Option<String>,
    /// `username_query`: case-insensitive substring of a username.
    pub username_query: Option<String>,
    /// `name_query`: case-insensitive substring of the first or last name.
    pub name_query: Option<String>,
    /// `banned`: only banned (`true`) or only not banned (`false`) users.
    pub banned: Option<bool>,
    /// `last_active_at_before`, Unix ms.
    pub last_active_at_before: Option<i64>,
    /// `last_active_at_after`, Unix ms.
    pub last_active_at_after: Option<i64>,
    /// `last_active_at_since`, Unix ms. Deprecated by Clerk: prefer `last_active_at_after`.
    pub last_active_at_since: Option<i64>,
    /// `created_at_before`, Unix ms.
    pub created_at_before: Option<i64>,
    /// `created_at_after`, Unix ms.
    pub created_at_after: Option<i64>,
    /// `last_sign_in_at_before`, Unix ms.
    pub last_sign_in_at_before: Option<i64>,
    /// `last_sign_in_at_after`, Unix ms.
    pub last_sign_in_at_after: Option<i64>,
    /// `provider`, e.g. `oauth_google`; use with `provider_user_id`.
    pub provider: Option<String>,
    /// `provider_user_id`: the users' ids at `provider`.
    pub provider_user_id: Vec<String>,
    /// `limit`: page size, 1..=500; Clerk's default is 10.
    pub limit: Option<u32>,
    /// `offset`: items to skip; Clerk's default is 0.
    pub offset: Option<u32>,
    /// `order_by`: `[+|-]field`, e.g. `-created_at` (Clerk's default).
    pub order_by: Option<String>,
    /// `starting_after`: cursor (a user id), only with a `created_at` ordering and no offset.
    pub starting_after: Option<String>,
}

macro_rules! setters {
    (lists: $($list:ident),*; strings: $($string:ident),*; ints: $($int:ident),*) => {
        $(
            #[doc = concat!("Sets `", stringify!($list), "` (repeated key).")]
            pub fn $list<I, S>(mut self, values: I) -> Self
            where
                I: IntoIterator<Item = S>,
                S: Into<String>,
            {
                self.$list = values.into_iter().map(Into::into).collect();
                self
            }
        )*
        $(
            #[doc = concat!("Sets `", stringify!($string), "`.")]
            pub fn $string(mut self, value: impl Into<String>) -> Self {
                self.$string = Some(value.into());
                self
            }
        )*
        $(
            #[doc = concat!("Sets `", stringify!($int), "` (Unix ms).")]
            pub fn $int(mut self, value: i64) -> Self {
                self.$int = Some(value);
                self
            }
        )*
    };
}

impl UserListParams {
    /// No filter: Clerk's first page of 10 users, newest first.
    pub fn new() -> Self {
        Self::default()
    }

    setters! {
        lists: email_address, phone_number, external_id, username, web3_wallet, user_id,
            organization_id, provider_user_id;
        strings: query, email_address_query, phone_number_query, username_query, name_query,
            provider, order_by, starting_after;
        ints: last_active_at_before, last_active_at_after, last_active_at_since, created_at_before,
            created_at_after, last_sign_in_at_before, last_sign_in_at_after
    }

    /// Sets `banned`.
    pub fn banned(mut self, banned: bool) -> Self {
        self.banned = Some(banned);
        self
    }

    /// Sets `limit` (1..=500).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Sets `offset`.
    pub fn offset(mut self, offset: u32) -> Self {
        self.offset = Some(offset);
        self
    }

    /// The query string of `op` (without `?`): the keys set here that the operation lists
    /// (`GET /v1/users/count` takes no `limit`, `offset`, `order_by` or `starting_after`).
    pub(crate) fn query_for(&self, op: &Operation) -> String {
        keys_of(op, &self.to_query())
    }

    /// The query string (without `?`) of every field that is set.
    fn to_query(&self) -> String {
        let mut query = Query::default();
        for (key, values) in [
            ("email_address", &self.email_address),
            ("phone_number", &self.phone_number),
            ("external_id", &self.external_id),
            ("username", &self.username),
            ("web3_wallet", &self.web3_wallet),
            ("user_id", &self.user_id),
            ("organization_id", &self.organization_id),
        ] {
            for value in values {
                query.push(key, value);
            }
        }
        for (key, value) in [
            ("query", &self.query),
            ("email_address_query", &self.email_address_query),
            ("phone_number_query", &self.phone_number_query),
            ("username_query", &self.username_query),
            ("name_query", &self.name_query),
        ] {
            if let Some(value) = value {
                query.push(key, value);
            }
        }
        if let Some(banned) = self.banned {
            query.push("banned", if banned { "true" } else { "false" });
        }
        for (key, value) in [
            ("last_active_at_before", self.last_active_at_before),
            ("last_active_at_after", self.last_active_at_after),
            ("last_active_at_since", self.last_active_at_since),
            ("created_at_before", self.created_at_before),
            ("created_at_after", self.created_at_after),
            ("last_sign_in_at_before", self.last_sign_in_at_before),
            ("last_sign_in_at_after", self.last_sign_in_at_after),
        ] {
            if let Some(value) = value {
                query.push(key, &value.to_string());
            }
        }
        if let Some(provider) = &self.provider {
            query.push("provider", provider);
        }
        for value in &self.provider_user_id {
            query.push("provider_user_id", value);
        }
        if let Some(limit) = self.limit {
            query.push("limit", &limit.to_string());
        }
        if let Some(offset) = self.offset {
            query.push("offset", &offset.to_string());
        }
        if let Some(order_by) = &self.order_by {
            query.push("order_by", order_by);
        }
        if let Some(starting_after) = &self.starting_after {
            query.push("starting_after", starting_after);
        }
        query.0
    }
}

impl Query {
    /// Appends every set paging field: `limit`, `offset`.
    pub(super) fn paging(&mut self, limit: Option<u32>, offset: Option<u32>) {
        if let Some(limit) = limit {
            self.push("limit", &limit.to_string());
        }
        if let Some(offset) = offset {
            self.push("offset", &offset.to_string());
        }
    }

    /// Appends `key=value` when `value` is set.
    pub(super) fn opt(&mut self, key: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.push(key, value);
        }
    }

    /// Appends `key=true|false` when `value` is set.
    pub(super) fn flag(&mut self, key: &str, value: Option<bool>) {
        if let Some(value) = value {
            self.push(key, if value { "true" } else { "false" });
        }
    }

    /// Appends one `key=value` per value (repeated key).
    pub(super) fn list(&mut self, key: &str, values: &[String]) {
        for value in values {
            self.push(key, value);
        }
    }
}

/// The pairs of `query` whose key `op` lists as a query parameter, but `paginated` (a call
/// that wants pages asks for them by its table row, [`paginated`]): how a hand-written query
/// type writes the query of each operation that takes it.
pub(crate) fn keys_of(op: &Operation, query: &str) -> String {
    let takes = |key: &str| {
        key != "paginated"
            && op
                .params
                .iter()
                .any(|param| param.location == Location::Query && param.name == key)
    };
    query
        .split('&')
        .filter(|pair| !pair.is_empty() && takes(pair.split('=').next().unwrap_or_default()))
        .collect::<Vec<_>>()
        .join("&")
}

/// `query` asking for Clerk's page shape (`{data, total_count}`): `paginated=true` first.
pub(crate) fn paginated(query: String) -> String {
    if query.is_empty() {
        "paginated=true".to_owned()
    } else {
        format!("paginated=true&{query}")
    }
}

/// An `application/x-www-form-urlencoded`-compatible query string with repeated keys.
#[derive(Default)]
pub(super) struct Query(String);

impl Query {
    /// Appends `key=value`, both percent-encoded.
    pub(super) fn push(&mut self, key: &str, value: &str) {
        if !self.0.is_empty() {
            self.0.push('&');
        }
        percent_encode_into(&mut self.0, key);
        self.0.push('=');
        percent_encode_into(&mut self.0, value);
    }

    /// Appends `key=value` when `value` is set (numbers and booleans as text).
    pub(super) fn push_opt(&mut self, key: &str, value: Option<impl ToString>) {
        if let Some(value) = value {
            self.push(key, &value.to_string());
        }
    }

    /// The query string, without `?`.
    pub(super) fn finish(self) -> String {
        self.0
    }
}

/// Percent-encodes every byte except RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`).
pub(crate) fn percent_encode_into(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
}

/// Longest id accepted in a path (Clerk ids are about 32 characters).
const MAX_ID_LEN: usize = 256;

/// Checks and percent-encodes one path segment (a resource id).
///
/// Refuses what could change the path: empty or blank ids (with Clerk's own message),
/// `.`/`..`, `/`, `\`, control characters and overlong ids.
pub(crate) fn path_segment(id: &str) -> Result<String, ApiError> {
    if id.trim().is_empty() {
        return Err(ApiError::InvalidArgument(
            "A valid resource ID is required.".to_owned(),
        ));
    }
    if id == "." || id == ".." {
        return Err(ApiError::InvalidArgument(
            "a resource ID cannot be `.` or `..`".to_owned(),
        ));
    }
    if id.len() > MAX_ID_LEN {
        return Err(ApiError::InvalidArgument(format!(
            "a resource ID cannot be longer than {MAX_ID_LEN} bytes"
        )));
    }
    if id.chars().any(|c| c == '/' || c == '\\' || c.is_control()) {
        return Err(ApiError::InvalidArgument(
            "a resource ID cannot contain `/`, `\\` or control characters".to_owned(),
        ));
    }
    let mut out = String::with_capacity(id.len());
    percent_encode_into(&mut out, id);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::operations as ops;

    #[test]
    fn query_keeps_false_and_zero_and_repeats_arrays() {
        let params = UserListParams::new()
            .user_id(["+user_a", "-user b"])
            .banned(false)
            .offset(0)
            .limit(500)
            .created_at_after(0)
            .query("");
        assert_eq!(
            params.query_for(&ops::GET_USER_LIST),
            "user_id=%2Buser_a&user_id=-user%20b&query=&banned=false&created_at_after=0&limit=500&offset=0"
        );
        // The count takes the filters only.
        assert_eq!(
            params.query_for(&ops::GET_USERS_COUNT),
            "user_id=%2Buser_a&user_id=-user%20b&query=&banned=false&created_at_after=0"
        );
    }

    #[test]
    fn empty_params_give_an_empty_query() {
        assert_eq!(UserListParams::new().query_for(&ops::GET_USER_LIST), "");
    }

    #[test]
    fn segments_are_encoded_or_refused() {
        assert_eq!(path_segment("user_2abc").ok().as_deref(), Some("user_2abc"));
        assert_eq!(path_segment("a b?c#d%").ok().as_deref(), Some("a%20b%3Fc%23d%25"));
        assert_eq!(path_segment("ünï").ok().as_deref(), Some("%C3%BCn%C3%AF"));
        for bad in ["", "  ", ".", "..", "../jwks", "a/b", "a\\b", "a\nb"] {
            assert!(
                matches!(path_segment(bad), Err(ApiError::InvalidArgument(_))),
                "{bad:?}"
            );
        }
        match path_segment("") {
            Err(err) => assert_eq!(err.to_string(), "A valid resource ID is required."),
            Ok(_) => panic!("empty id accepted"),
        }
    }
}
