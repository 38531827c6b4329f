//! `/v1/users…` handlers.

use std::cmp::Ordering;

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::json;

use crate::api::{json_response, origin, parse_body, version, ApiError, AppState};
use crate::store::user::{MetadataPatch, NewUser, User, UserUpdate};

const ORDER_FIELDS: [&str; 10] = [
    "created_at",
    "updated_at",
    "email_address",
    "web3wallet",
    "first_name",
    "last_name",
    "phone_number",
    "username",
    "last_active_at",
    "last_sign_in_at",
];

pub(crate) async fn get(state: Data<AppState>, path: Path<String>) -> Result<HttpResponse, ApiError> {
    let user = state
        .store
        .get(&path.into_inner())
        .ok_or_else(ApiError::not_found)?;
    Ok(json_response(StatusCode::OK, &state.store.render(&user)))
}

pub(crate) async fn create(
    state: Data<AppState>,
    req: HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let new: NewUser = parse_body(&body)?;
    let user = state.store.create_from(new, &origin(&req))?;
    Ok(json_response(StatusCode::OK, &state.store.render(&user)))
}

pub(crate) async fn update(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let update: UserUpdate = parse_body(&body)?;
    if update.touches_metadata() && version(&req).metadata_via_patch_removed() {
        let param = ["public_metadata", "private_metadata", "unsafe_metadata"]
            .into_iter()
            .find(|p| match *p {
                "public_metadata" => update.public_metadata.is_some(),
                "private_metadata" => update.private_metadata.is_some(),
                _ => update.unsafe_metadata.is_some(),
            })
            .unwrap_or("public_metadata");
        return Err(ApiError::param_unknown(param));
    }
    let user = state
        .store
        .update_from(&path.into_inner(), update, &origin(&req))?;
    Ok(json_response(StatusCode::OK, &state.store.render(&user)))
}

/// A change of the `banned`/`locked` flags: `POST /v1/users/{id}/ban`, `unban`, `lock`,
/// `unlock`.
#[derive(Debug, Clone, Copy)]
enum FlagChange {
    Ban,
    Unban,
    Lock,
    Unlock,
}

impl FlagChange {
    fn update(self) -> UserUpdate {
        let (banned, locked) = match self {
            Self::Ban => (Some(true), None),
            Self::Unban => (Some(false), None),
            Self::Lock => (None, Some(true)),
            Self::Unlock => (None, Some(false)),
        };
        UserUpdate {
            banned,
            locked,
            ..UserUpdate::default()
        }
    }
}

/// Sets the flag of `change`: the user as served, 404 for an unknown user.
async fn set_flag(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<String>,
    change: FlagChange,
) -> Result<HttpResponse, ApiError> {
    let user = state
        .store
        .update_from(&path.into_inner(), change.update(), &origin(&req))?;
    Ok(json_response(StatusCode::OK, &state.store.render(&user)))
}

/// `POST /v1/users/{id}/ban`.
pub(crate) async fn ban(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<String>,
) -> Result<HttpResponse, ApiError> {
    set_flag(state, req, path, FlagChange::Ban).await
}

/// `POST /v1/users/{id}/unban`.
pub(crate) async fn unban(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<String>,
) -> Result<HttpResponse, ApiError> {
    set_flag(state, req, path, FlagChange::Unban).await
}

/// `POST /v1/users/{id}/lock`.
pub(crate) async fn lock(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<String>,
) -> Result<HttpResponse, ApiError> {
    set_flag(state, req, path, FlagChange::Lock).await
}

/// `POST /v1/users/{id}/unlock`.
pub(crate) async fn unlock(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<String>,
) -> Result<HttpResponse, ApiError> {
    set_flag(state, req, path, FlagChange::Unlock).await
}

pub(crate) async fn update_metadata(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let patch: MetadataPatch = parse_body(&body)?;
    let user = state
        .store
        .update_metadata_from(&path.into_inner(), patch, &origin(&req))?;
    Ok(json_response(StatusCode::OK, &state.store.render(&user)))
}

pub(crate) async fn delete(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = state.store.delete_from(&path.into_inner(), &origin(&req))?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "object": "user", "id": user.id, "deleted": true }),
    ))
}

pub(crate) async fn list(state: Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let query = ListQuery::parse(req.query_string(), true)?;
    let cursor = match &query.starting_after {
        Some(after) => Some(state.store.created_at_of(after).ok_or_else(|| {
            ApiError::param_invalid("starting_after", format!("{after} is not a valid cursor"))
        })?),
        None => None,
    };
    // Filtered, ordered and cut under the store's lock by reference: only the page is copied
    // (a listing of 100,000 users must not copy them all for each page).
    let page: Vec<User> = state.store.read_all(|all| {
        let mut users: Vec<(usize, &User)> = all
            .iter()
            .enumerate()
            .filter(|(_, user)| query.matches(user))
            .collect();
        let (field, descending) = (query.order_field.as_str(), query.descending);
        users.sort_by(|(ia, a), (ib, b)| {
            // Ties fall back to creation order, in the same direction.
            let ordering = compare(field, a, b).then(ia.cmp(ib));
            if descending {
                ordering.reverse()
            } else {
                ordering
            }
        });
        // A keyset: what comes after the cursor's creation time in the list's direction.
        let after_cursor = |user: &User| match cursor {
            Some(cursor) if descending => user.created_at < cursor,
            Some(cursor) => user.created_at > cursor,
            None => true,
        };
        users
            .into_iter()
            .filter(|(_, user)| after_cursor(user))
            .skip(query.offset)
            .take(query.limit)
            // `render` copies the user; it does not take the store's lock.
            .map(|(_, user)| state.store.render(user))
            .collect()
    });
    Ok(json_response(StatusCode::OK, &page))
}

pub(crate) async fn count(state: Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let query = ListQuery::parse(req.query_string(), false)?;
    let total = state
        .store
        .read_all(|all| all.iter().filter(|user| query.matches(user)).count());
    Ok(json_response(
        StatusCode::OK,
        &json!({ "object": "total_count", "total_count": total }),
    ))
}

fn compare(field: &str, a: &User, b: &User) -> Ordering {
    fn text(value: Option<&str>) -> Option<String> {
        value.map(str::to_lowercase)
    }
    match field {
        "updated_at" => a.updated_at.cmp(&b.updated_at),
        "email_address" => text(a.primary_email()).cmp(&text(b.primary_email())),
        "first_name" => text(a.first_name.as_deref()).cmp(&text(b.first_name.as_deref())),
        "last_name" => text(a.last_name.as_deref()).cmp(&text(b.last_name.as_deref())),
        "username" => text(a.username.as_deref()).cmp(&text(b.username.as_deref())),
        "phone_number" => first_phone(a).cmp(&first_phone(b)),
        "last_active_at" => a.last_active_at.cmp(&b.last_active_at),
        "last_sign_in_at" => a.last_sign_in_at.cmp(&b.last_sign_in_at),
        "web3wallet" => Ordering::Equal,
        _ => a.created_at.cmp(&b.created_at),
    }
}

fn first_phone(user: &User) -> Option<&str> {
    user.phone_numbers.first().map(|p| p.phone_number.as_str())
}

/// An id filter with Clerk's `+`/`-` prefixes.
#[derive(Debug, Default)]
struct IdFilter {
    include: Vec<String>,
    exclude: Vec<String>,
}

impl IdFilter {
    fn push(&mut self, value: &str) {
        // A raw `+` in a query string decodes to a space.
        if let Some(id) = value.strip_prefix('-') {
            self.exclude.push(id.to_owned());
        } else {
            let id = value.strip_prefix('+').unwrap_or(value).trim_start();
            self.include.push(id.to_owned());
        }
    }

    fn matches(&self, value: Option<&str>) -> bool {
        let included = self.include.is_empty() || value.is_some_and(|v| self.include.iter().any(|i| i == v));
        let excluded = value.is_some_and(|v| self.exclude.iter().any(|e| e == v));
        included && !excluded
    }
}

#[derive(Debug)]
struct ListQuery {
    limit: usize,
    offset: usize,
    order_field: String,
    descending: bool,
    user_id: IdFilter,
    external_id: IdFilter,
    organization_id: Vec<String>,
    email_address: Vec<String>,
    phone_number: Vec<String>,
    username: Vec<String>,
    web3_wallet: Vec<String>,
    query: Option<String>,
    email_address_query: Option<String>,
    phone_number_query: Option<String>,
    username_query: Option<String>,
    name_query: Option<String>,
    banned: Option<bool>,
    ranges: Vec<(&'static str, bool, i64)>,
    starting_after: Option<String>,
}

impl ListQuery {
    fn parse(raw: &str, paginated: bool) -> Result<Self, ApiError> {
        let mut q = ListQuery {
            limit: 10,
            offset: 0,
            order_field: "created_at".to_owned(),
            descending: true,
            user_id: IdFilter::default(),
            external_id: IdFilter::default(),
            organization_id: Vec::new(),
            email_address: Vec::new(),
            phone_number: Vec::new(),
            username: Vec::new(),
            web3_wallet: Vec::new(),
            query: None,
            email_address_query: None,
            phone_number_query: None,
            username_query: None,
            name_query: None,
            banned: None,
            ranges: Vec::new(),
            starting_after: None,
        };
        let mut order_seen = false;
        for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
            let value = value.as_ref();
            match key.as_ref() {
                "limit" if paginated => {
                    let limit = parse_int("limit", value)?;
                    if !(1..=500).contains(&limit) {
                        return Err(ApiError::param_invalid(
                            "limit",
                            "limit must be between 1 and 500",
                        ));
                    }
                    q.limit = usize::try_from(limit).unwrap_or(10);
                }
                "offset" if paginated => {
                    let offset = parse_int("offset", value)?;
                    q.offset = usize::try_from(offset)
                        .map_err(|_| ApiError::param_invalid("offset", "offset must be 0 or greater"))?;
                }
                // Only the first `order_by` counts.
                "order_by" if paginated && !order_seen => {
                    order_seen = true;
                    let (descending, field) = match value.as_bytes().first() {
                        Some(b'-') => (true, &value[1..]),
                        Some(b'+') => (false, &value[1..]),
                        // A raw `+` decodes to a space.
                        Some(b' ') => (false, value.trim_start()),
                        _ => (false, value),
                    };
                    if !ORDER_FIELDS.contains(&field) {
                        return Err(ApiError::param_invalid(
                            "order_by",
                            format!(
                                "{value} does not match one of the allowed values for parameter order_by"
                            ),
                        ));
                    }
                    q.order_field = field.to_owned();
                    q.descending = descending;
                }
                "starting_after" if paginated => q.starting_after = non_empty(value),
                "user_id" => q.user_id.push(value),
                "external_id" => q.external_id.push(value),
                "organization_id" => q.organization_id.push(value.to_owned()),
                "email_address" => q.email_address.push(value.to_lowercase()),
                "phone_number" => q.phone_number.push(value.to_owned()),
                "username" => q.username.push(value.to_lowercase()),
                "web3_wallet" => q.web3_wallet.push(value.to_lowercase()),
                "query" => q.query = non_empty(value),
                "email_address_query" => q.email_address_query = non_empty(value),
                "phone_number_query" => q.phone_number_query = non_empty(value),
                "username_query" => q.username_query = non_empty(value),
                "name_query" => q.name_query = non_empty(value),
                "banned" => {
                    q.banned = Some(match value {
                        "true" => true,
                        "false" => false,
                        _ => {
                            return Err(ApiError::param_format_invalid(
                                "banned",
                                "banned must be true or false",
                            ))
                        }
                    })
                }
                key => {
                    const RANGES: [(&str, &str, bool); 7] = [
                        ("created_at_before", "created_at", true),
                        ("created_at_after", "created_at", false),
                        ("last_active_at_before", "last_active_at", true),
                        ("last_active_at_after", "last_active_at", false),
                        ("last_active_at_since", "last_active_at", false),
                        ("last_sign_in_at_before", "last_sign_in_at", true),
                        ("last_sign_in_at_after", "last_sign_in_at", false),
                    ];
                    if let Some((name, field, before)) = RANGES.iter().find(|(name, _, _)| *name == key) {
                        q.ranges.push((field, *before, parse_int(name, value)?));
                    }
                    // Other parameters are ignored, as a lenient server would.
                }
            }
        }
        if q.starting_after.is_some() {
            // Clerk's cursor: only in a `created_at` order and without an offset.
            if q.order_field != "created_at" {
                return Err(ApiError::param_invalid(
                    "starting_after",
                    "starting_after can only be used when ordering by created_at",
                ));
            }
            if q.offset != 0 {
                return Err(ApiError::param_invalid(
                    "starting_after",
                    "starting_after cannot be combined with a non-zero offset",
                ));
            }
        }
        Ok(q)
    }

    fn matches(&self, user: &User) -> bool {
        // Lowercased only when a filter asks: most listings have none.
        let emails = || {
            user.email_addresses
                .iter()
                .map(|e| e.email_address.to_lowercase())
        };
        let phones = || user.phone_numbers.iter().map(|p| p.phone_number.as_str());
        let names = [user.first_name.as_deref(), user.last_name.as_deref()];
        let contains = |hay: Option<&str>, needle: &str| {
            hay.is_some_and(|h| h.to_lowercase().contains(&needle.to_lowercase()))
        };
        if !self.user_id.matches(Some(&user.id))
            || !self.external_id.matches(user.external_id.as_deref())
            // Users here belong to no organization.
            || !self.organization_id.is_empty()
            || !self.web3_wallet.is_empty()
        {
            return false;
        }
        if !self.email_address.is_empty() && !emails().any(|e| self.email_address.contains(&e)) {
            return false;
        }
        if !self.phone_number.is_empty() && !phones().any(|p| self.phone_number.iter().any(|q| q == p)) {
            return false;
        }
        if !self.username.is_empty()
            && !user
                .username
                .as_deref()
                .map(str::to_lowercase)
                .is_some_and(|u| self.username.contains(&u))
        {
            return false;
        }
        if let Some(banned) = self.banned {
            if user.banned != banned {
                return false;
            }
        }
        if let Some(q) = &self.email_address_query {
            if !emails().any(|e| contains(Some(&e), q)) {
                return false;
            }
        }
        if let Some(q) = &self.phone_number_query {
            if !phones().any(|p| contains(Some(p), q)) {
                return false;
            }
        }
        if let Some(q) = &self.username_query {
            if !contains(user.username.as_deref(), q) {
                return false;
            }
        }
        if let Some(q) = &self.name_query {
            let full = format!(
                "{} {}",
                names[0].unwrap_or_default(),
                names[1].unwrap_or_default()
            );
            if !contains(Some(&full), q) {
                return false;
            }
        }
        if let Some(q) = &self.query {
            let hit = emails().any(|e| contains(Some(&e), q))
                || phones().any(|p| contains(Some(p), q))
                || contains(user.username.as_deref(), q)
                || contains(Some(&user.id), q)
                || names.iter().any(|n| contains(*n, q));
            if !hit {
                return false;
            }
        }
        self.ranges.iter().all(|(field, before, at)| {
            let value = match *field {
                "created_at" => Some(user.created_at),
                "last_active_at" => user.last_active_at,
                _ => user.last_sign_in_at,
            };
            value.is_some_and(|v| if *before { v < *at } else { v > *at })
        })
    }
}

fn parse_int(param: &str, value: &str) -> Result<i64, ApiError> {
    value
        .trim()
        .parse::<i64>()
        .map_err(|_| ApiError::param_format_invalid(param, format!("{param} must be an integer")))
}

fn non_empty(value: &str) -> Option<String> {
    Some(value.trim().to_owned()).filter(|v| !v.is_empty())
}
