//! `/v1/organizations…`, `/v1/organization_memberships` and
//! `/v1/users/{id}/organization_memberships` handlers.

use std::cmp::Ordering;

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::{json_response, origin, parse_body, version, ApiError, AppState};
use crate::store::organizations::{
    Membership, NewInvitation, NewOrganization, Organization, OrganizationInvitation, OrganizationUpdate,
};
use crate::store::user::JsonObject;

/// Paging and ordering of a list call.
struct Paging {
    limit: usize,
    offset: usize,
    /// The field and whether descending.
    order: (String, bool),
}

impl Paging {
    /// Reads `limit`, `offset` and `order_by` (one of `fields`, default `-created_at`).
    fn parse(raw: &str, fields: &[&str]) -> Result<Self, ApiError> {
        let mut paging = Paging {
            limit: 10,
            offset: 0,
            order: ("created_at".to_owned(), true),
        };
        let mut order_seen = false;
        for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
            match key.as_ref() {
                "limit" => {
                    let limit = parse_int("limit", &value)?;
                    if !(1..=500).contains(&limit) {
                        return Err(ApiError::param_invalid(
                            "limit",
                            "limit must be between 1 and 500",
                        ));
                    }
                    paging.limit = usize::try_from(limit).unwrap_or(10);
                }
                "offset" => {
                    paging.offset = usize::try_from(parse_int("offset", &value)?)
                        .map_err(|_| ApiError::param_invalid("offset", "offset must be 0 or greater"))?;
                }
                "order_by" if !order_seen => {
                    order_seen = true;
                    let value = value.as_ref();
                    let (descending, field) = match value.as_bytes().first() {
                        Some(b'-') => (true, &value[1..]),
                        Some(b'+') => (false, &value[1..]),
                        // A raw `+` decodes to a space.
                        Some(b' ') => (false, value.trim_start()),
                        _ => (false, value),
                    };
                    if !fields.contains(&field) {
                        return Err(ApiError::param_invalid(
                            "order_by",
                            format!(
                                "{value} does not match one of the allowed values for parameter order_by"
                            ),
                        ));
                    }
                    paging.order = (field.to_owned(), descending);
                }
                _ => {}
            }
        }
        Ok(paging)
    }

    /// Sorts (ties in creation order, same direction) and cuts the page.
    fn page<T>(&self, mut items: Vec<(usize, T)>, compare: impl Fn(&str, &T, &T) -> Ordering) -> Vec<T> {
        let (field, descending) = (&self.order.0, self.order.1);
        items.sort_by(|(ia, a), (ib, b)| {
            let ordering = compare(field, a, b).then(ia.cmp(ib));
            if descending {
                ordering.reverse()
            } else {
                ordering
            }
        });
        items
            .into_iter()
            .skip(self.offset)
            .take(self.limit)
            .map(|(_, item)| item)
            .collect()
    }
}

fn parse_int(param: &str, value: &str) -> Result<i64, ApiError> {
    value
        .trim()
        .parse::<i64>()
        .map_err(|_| ApiError::param_format_invalid(param, format!("{param} must be an integer")))
}

fn parse_bool(param: &str, value: &str) -> Result<bool, ApiError> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ApiError::param_format_invalid(
            param,
            format!("{param} must be true or false"),
        )),
    }
}

/// An id filter with Clerk's `+`/`-` prefixes.
#[derive(Default)]
struct IdFilter {
    include: Vec<String>,
    exclude: Vec<String>,
}

impl IdFilter {
    fn push(&mut self, value: &str) {
        if let Some(id) = value.strip_prefix('-') {
            self.exclude.push(id.to_owned());
        } else {
            // A raw `+` in a query string decodes to a space.
            let id = value.strip_prefix('+').unwrap_or(value).trim_start();
            self.include.push(id.to_owned());
        }
    }

    /// Whether any of `values` is included and none excluded.
    fn matches<'a>(&self, mut values: impl Iterator<Item = &'a str> + Clone) -> bool {
        let included = self.include.is_empty() || values.clone().any(|v| self.include.iter().any(|i| i == v));
        let excluded = values.any(|v| self.exclude.iter().any(|e| e == v));
        included && !excluded
    }
}

fn list_response(data: Vec<Value>, total: usize) -> HttpResponse {
    json_response(StatusCode::OK, &json!({ "data": data, "total_count": total }))
}

// ---- organizations ----

#[derive(Deserialize, Default)]
#[serde(default)]
struct CreateBody {
    name: Option<String>,
    slug: Option<String>,
    created_by: Option<String>,
    max_allowed_memberships: Option<i64>,
    public_metadata: Option<JsonObject>,
    private_metadata: Option<JsonObject>,
    created_at: Option<String>,
    role_set_key: Option<String>,
}

pub(crate) async fn create(
    state: Data<AppState>,
    req: HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: CreateBody = parse_body(&body)?;
    let _ = body.created_at;
    if body.max_allowed_memberships.is_some_and(|max| max < 0) {
        return Err(ApiError::param_invalid(
            "max_allowed_memberships",
            "max_allowed_memberships must be 0 or greater",
        ));
    }
    let org = state.orgs.create_from(
        NewOrganization {
            name: body.name.unwrap_or_default(),
            slug: body.slug,
            created_by: body.created_by,
            max_allowed_memberships: body.max_allowed_memberships,
            public_metadata: body.public_metadata,
            private_metadata: body.private_metadata,
            role_set_key: body.role_set_key,
            created_at: None,
        },
        &origin(&req),
    )?;
    Ok(json_response(StatusCode::OK, &state.orgs.render_org(&org, false)))
}

pub(crate) async fn get(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let mut counts = false;
    for (key, value) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        if key == "include_members_count" {
            counts = parse_bool("include_members_count", &value)?;
        }
    }
    let org = state
        .orgs
        .get(&path.into_inner())
        .ok_or_else(|| ApiError::from(crate::Error::OrganizationNotFound(String::new())))?;
    Ok(json_response(
        StatusCode::OK,
        &state.orgs.render_org(&org, counts),
    ))
}

pub(crate) async fn list(state: Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let raw = req.query_string();
    let paging = Paging::parse(raw, &["created_at", "name", "members_count"])?;
    let mut query: Option<String> = None;
    let mut counts = false;
    let mut user_ids = IdFilter::default();
    let mut org_ids = IdFilter::default();
    for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
        match key.as_ref() {
            "query" => query = Some(value.trim().to_lowercase()).filter(|q| !q.is_empty()),
            "include_members_count" => counts = parse_bool("include_members_count", &value)?,
            "include_missing_member_with_elevated_permissions" => {
                parse_bool("include_missing_member_with_elevated_permissions", &value)?;
            }
            "user_id" => user_ids.push(&value),
            "organization_id" => org_ids.push(&value),
            _ => {}
        }
    }
    let memberships = state.orgs.all_memberships();
    let members_of = |org: &Organization| {
        memberships
            .iter()
            .filter(|m| m.organization_id == org.id)
            .map(|m| m.user_id.as_str())
            .collect::<Vec<_>>()
    };
    let matching: Vec<(usize, (Organization, usize))> = state
        .orgs
        .all()
        .into_iter()
        .filter(|org| {
            let query_ok = query.as_ref().is_none_or(|q| {
                org.id == *q || org.name.to_lowercase().contains(q.as_str()) || org.slug.contains(q.as_str())
            });
            let members = members_of(org);
            let users_ok = (user_ids.include.is_empty() && user_ids.exclude.is_empty())
                || user_ids.matches(members.iter().copied());
            query_ok && users_ok && org_ids.matches(std::iter::once(org.id.as_str()))
        })
        .map(|org| {
            let count = members_of(&org).len();
            (org, count)
        })
        .enumerate()
        .collect();
    let total = matching.len();
    let page = paging.page(matching, |field, (a, ca), (b, cb)| match field {
        "name" => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
        "members_count" => ca.cmp(cb),
        _ => a.created_at.cmp(&b.created_at),
    });
    let data = page
        .iter()
        .map(|(org, _)| state.orgs.render_org(org, counts))
        .collect();
    Ok(list_response(data, total))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct UpdateBody {
    name: Option<String>,
    slug: Option<String>,
    max_allowed_memberships: Option<i64>,
    admin_delete_enabled: Option<bool>,
    created_at: Option<String>,
    role_set_key: Option<String>,
    public_metadata: Option<Value>,
    private_metadata: Option<Value>,
}

pub(crate) async fn update(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: UpdateBody = parse_body(&body)?;
    let _ = body.created_at;
    // Since 2026-05-12 organization metadata goes through `…/metadata` only.
    if version(&req).metadata_via_patch_removed() {
        if body.public_metadata.is_some() {
            return Err(ApiError::param_unknown("public_metadata"));
        }
        if body.private_metadata.is_some() {
            return Err(ApiError::param_unknown("private_metadata"));
        }
    }
    let org = state.orgs.update_from(
        &path.into_inner(),
        OrganizationUpdate {
            name: body.name,
            slug: body.slug,
            max_allowed_memberships: body.max_allowed_memberships,
            admin_delete_enabled: body.admin_delete_enabled,
            role_set_key: body.role_set_key,
        },
        &origin(&req),
    )?;
    Ok(json_response(StatusCode::OK, &state.orgs.render_org(&org, false)))
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct MetadataBody {
    public_metadata: Option<JsonObject>,
    private_metadata: Option<JsonObject>,
}

pub(crate) async fn update_metadata(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: MetadataBody = parse_body(&body)?;
    let org = state.orgs.update_metadata_from(
        &path.into_inner(),
        body.public_metadata,
        body.private_metadata,
        &origin(&req),
    )?;
    Ok(json_response(StatusCode::OK, &state.orgs.render_org(&org, false)))
}

pub(crate) async fn delete(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let org = state.orgs.delete_from(&path.into_inner(), &origin(&req))?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "object": "organization", "id": org.id, "slug": org.slug, "deleted": true }),
    ))
}

// ---- memberships ----

const MEMBERSHIP_ORDER: [&str; 6] = [
    "created_at",
    "first_name",
    "last_name",
    "email_address",
    "phone_number",
    "username",
];

/// Sorts and renders memberships: `created_at`, else by the member's public field.
fn membership_page(state: &AppState, memberships: Vec<Membership>, paging: &Paging) -> Vec<Value> {
    let rendered: Vec<(usize, (i64, Value))> = memberships
        .iter()
        .map(|m| (m.created_at, state.orgs.render_membership(m)))
        .enumerate()
        .collect();
    let page = paging.page(rendered, |field, (ca, a), (cb, b)| {
        let text = |v: &Value, key: &str| v["public_user_data"][key].as_str().map(str::to_lowercase);
        match field {
            "first_name" | "last_name" | "username" => text(a, field).cmp(&text(b, field)),
            "email_address" | "phone_number" => text(a, "identifier").cmp(&text(b, "identifier")),
            _ => ca.cmp(cb),
        }
    });
    page.into_iter().map(|(_, value)| value).collect()
}

pub(crate) async fn list_memberships(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let org_id = path.into_inner();
    if state.orgs.get(&org_id).is_none_or(|org| org.id != org_id) {
        return Err(crate::Error::OrganizationNotFound(org_id).into());
    }
    let raw = req.query_string();
    let paging = Paging::parse(raw, &MEMBERSHIP_ORDER)?;
    let mut user_ids = IdFilter::default();
    let mut roles: Vec<String> = Vec::new();
    let mut emails: Vec<String> = Vec::new();
    let mut query: Option<String> = None;
    for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
        match key.as_ref() {
            "user_id" => user_ids.push(&value),
            "role" => roles.push(value.into_owned()),
            "email_address" => emails.push(value.to_lowercase()),
            "query" => query = Some(value.trim().to_lowercase()).filter(|q| !q.is_empty()),
            _ => {}
        }
    }
    let matching: Vec<Membership> = state
        .orgs
        .members(&org_id)
        .into_iter()
        .filter(|m| {
            let user = state.store.get(&m.user_id);
            let email = user
                .as_ref()
                .and_then(|u| u.primary_email().map(str::to_lowercase));
            let query_ok = query.as_ref().is_none_or(|q| {
                m.user_id.to_lowercase().contains(q.as_str())
                    || user.as_ref().is_some_and(|u| {
                        [
                            u.first_name.as_deref(),
                            u.last_name.as_deref(),
                            u.username.as_deref(),
                        ]
                        .into_iter()
                        .flatten()
                        .chain(email.as_deref())
                        .any(|text| text.to_lowercase().contains(q.as_str()))
                    })
            });
            user_ids.matches(std::iter::once(m.user_id.as_str()))
                && (roles.is_empty() || roles.contains(&m.role))
                && (emails.is_empty() || email.as_ref().is_some_and(|e| emails.contains(e)))
                && query_ok
        })
        .collect();
    let total = matching.len();
    Ok(list_response(membership_page(&state, matching, &paging), total))
}

pub(crate) async fn list_instance_memberships(
    state: Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let paging = Paging::parse(req.query_string(), &MEMBERSHIP_ORDER)?;
    let all = state.orgs.all_memberships();
    let total = all.len();
    Ok(list_response(membership_page(&state, all, &paging), total))
}

pub(crate) async fn list_user_memberships(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user_id = path.into_inner();
    if state.store.get(&user_id).is_none() {
        return Err(ApiError::not_found());
    }
    let paging = Paging::parse(req.query_string(), &["created_at"])?;
    let mine: Vec<Membership> = state
        .orgs
        .all_memberships()
        .into_iter()
        .filter(|m| m.user_id == user_id)
        .collect();
    let total = mine.len();
    Ok(list_response(membership_page(&state, mine, &paging), total))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CreateMembershipBody {
    user_id: Option<String>,
    role: Option<String>,
    public_metadata: Option<JsonObject>,
    private_metadata: Option<JsonObject>,
}

pub(crate) async fn create_membership(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: CreateMembershipBody = parse_body(&body)?;
    let user_id = body
        .user_id
        .filter(|id| !id.is_empty())
        .ok_or_else(|| ApiError::param_missing("user_id"))?;
    let role = body
        .role
        .filter(|role| !role.is_empty())
        .ok_or_else(|| ApiError::param_missing("role"))?;
    let membership = state.orgs.add_member_from(
        &path.into_inner(),
        &user_id,
        &role,
        body.public_metadata,
        body.private_metadata,
        &origin(&req),
    )?;
    Ok(json_response(
        StatusCode::OK,
        &state.orgs.render_membership(&membership),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RoleBody {
    role: Option<String>,
}

pub(crate) async fn update_membership(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<(String, String)>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: RoleBody = parse_body(&body)?;
    let role = body
        .role
        .filter(|role| !role.is_empty())
        .ok_or_else(|| ApiError::param_missing("role"))?;
    let (org_id, user_id) = path.into_inner();
    let membership = state
        .orgs
        .set_role_from(&org_id, &user_id, &role, &origin(&req))?;
    Ok(json_response(
        StatusCode::OK,
        &state.orgs.render_membership(&membership),
    ))
}

pub(crate) async fn update_membership_metadata(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<(String, String)>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: MetadataBody = parse_body(&body)?;
    let (org_id, user_id) = path.into_inner();
    let membership = state.orgs.update_membership_metadata_from(
        &org_id,
        &user_id,
        body.public_metadata,
        body.private_metadata,
        &origin(&req),
    )?;
    Ok(json_response(
        StatusCode::OK,
        &state.orgs.render_membership(&membership),
    ))
}

pub(crate) async fn delete_membership(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (org_id, user_id) = path.into_inner();
    // Rendered before removal would lose nothing: the organization still exists.
    let membership = state.orgs.remove_member_from(&org_id, &user_id, &origin(&req))?;
    Ok(json_response(
        StatusCode::OK,
        &state.orgs.render_membership(&membership),
    ))
}

// ---- invitations ----

#[derive(Deserialize, Default)]
#[serde(default)]
struct CreateInvitationBody {
    email_address: Option<String>,
    role: Option<String>,
    inviter_user_id: Option<String>,
    public_metadata: Option<JsonObject>,
    private_metadata: Option<JsonObject>,
    redirect_url: Option<String>,
    expires_in_days: Option<i64>,
    notify: Option<bool>,
}

pub(crate) async fn create_invitation(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: CreateInvitationBody = parse_body(&body)?;
    let _ = (body.redirect_url, body.notify);
    let invitation = state.orgs.invite_from(
        &path.into_inner(),
        NewInvitation {
            email_address: body.email_address.unwrap_or_default(),
            role: body.role.unwrap_or_default(),
            inviter_user_id: body.inviter_user_id,
            public_metadata: body.public_metadata,
            private_metadata: body.private_metadata,
            expires_in_days: body.expires_in_days,
        },
        &origin(&req),
    )?;
    Ok(json_response(
        StatusCode::OK,
        &state.orgs.render_invitation(&invitation),
    ))
}

pub(crate) async fn list_invitations(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let org_id = path.into_inner();
    if state.orgs.get(&org_id).is_none_or(|org| org.id != org_id) {
        return Err(crate::Error::OrganizationNotFound(org_id).into());
    }
    let raw = req.query_string();
    let paging = Paging::parse(raw, &["created_at", "email_address"])?;
    let mut statuses: Vec<String> = Vec::new();
    let mut email: Option<String> = None;
    for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
        match key.as_ref() {
            "status" => {
                if !["pending", "accepted", "revoked", "expired"].contains(&value.as_ref()) {
                    return Err(ApiError::param_invalid(
                        "status",
                        format!("{value} does not match one of the allowed values for parameter status"),
                    ));
                }
                statuses.push(value.into_owned());
            }
            "email_address" => email = Some(value.to_lowercase()),
            _ => {}
        }
    }
    let matching: Vec<(usize, OrganizationInvitation)> = state
        .orgs
        .invitations(&org_id)
        .into_iter()
        .filter(|i| {
            (statuses.is_empty() || statuses.contains(&i.status))
                && email
                    .as_ref()
                    .is_none_or(|e| i.email_address.to_lowercase() == *e)
        })
        .enumerate()
        .collect();
    let total = matching.len();
    let page = paging.page(matching, |field, a, b| match field {
        "email_address" => a
            .email_address
            .to_lowercase()
            .cmp(&b.email_address.to_lowercase()),
        _ => a.created_at.cmp(&b.created_at),
    });
    let data = page.iter().map(|i| state.orgs.render_invitation(i)).collect();
    Ok(list_response(data, total))
}

pub(crate) async fn get_invitation(
    state: Data<AppState>,
    path: Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (org_id, invitation_id) = path.into_inner();
    let invitation = state
        .orgs
        .invitation(&org_id, &invitation_id)
        .ok_or_else(|| ApiError::from(crate::Error::InvitationNotFound(invitation_id)))?;
    Ok(json_response(
        StatusCode::OK,
        &state.orgs.render_invitation(&invitation),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RevokeBody {
    requesting_user_id: Option<String>,
}

pub(crate) async fn revoke_invitation(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<(String, String)>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: RevokeBody = parse_body(&body)?;
    let (org_id, invitation_id) = path.into_inner();
    let invitation = state.orgs.revoke_from(
        &org_id,
        &invitation_id,
        body.requesting_user_id.as_deref().filter(|id| !id.is_empty()),
        &origin(&req),
    )?;
    Ok(json_response(
        StatusCode::OK,
        &state.orgs.render_invitation(&invitation),
    ))
}
