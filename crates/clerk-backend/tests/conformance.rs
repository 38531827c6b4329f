//! Spec conformance of the generated calls (issue 26): for every operation with a generated
//! call, the request the call sends (method, path, query, body) fits the operation in
//! `spec/bapi_2026-05-12.yml`, and an answer made from the spec's schema for that operation
//! (its examples where the spec has them) decodes.
//!
//! Every generated call (and every `…_stream`) runs once, from the exercise the generator writes
//! (`conformance/calls.rs`); the groups below have tests of their own too. The offline Clerk
//! serves only some groups, so a local server stands in for Clerk: it records each request and
//! answers with the spec-made body.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use clerk_backend::operations::{Budget, Location, Operation, Retry, OPERATIONS};
use clerk_backend::redirect_urls::CreateRedirectUrl;
use clerk_backend::{ApiError, ClerkClient, ClientConfig, RateLimit, Share, Upload};
use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};

/// Every generated call once (written by `cargo xtask codegen`).
#[path = "conformance/calls.rs"]
mod calls;

const SECRET: &str = "sk_test_conformance_secret_value";

/// The operations each test below calls, in order.
const REDIRECT_URLS: &[&str] = &[
    "ListRedirectURLs",
    "CreateRedirectURL",
    "GetRedirectURL",
    "DeleteRedirectURL",
];
const TESTING_TOKENS: &[&str] = &["CreateTestingToken"];
const OTHERS: &[&str] = &[
    "VerifyDomainProxy",
    "CreateAgentTask",
    "RevokeAgentTask",
    "CreateSvixApp",
    "DeleteSvixApp",
    "GenerateSvixAuthURL",
];
const EMAIL_AND_PHONE: &[&str] = &[
    "CreateEmailAddress",
    "GetEmailAddress",
    "DeleteEmailAddress",
    "UpdateEmailAddress",
    "PrepareEmailAddressVerification",
    "AttemptEmailAddressVerification",
    "ReplaceUserEmailAddress",
    "CreatePhoneNumber",
    "GetPhoneNumber",
    "DeletePhoneNumber",
    "UpdatePhoneNumber",
    "PreparePhoneNumberVerification",
    "AttemptPhoneNumberVerification",
    "ReplaceUserPhoneNumber",
];
/// The hand-written calls on group handles (`hand_written: "<why>"` in the override file), each
/// called once by `hand_written_calls_run_with_their_table_row_and_fit_the_spec`.
const HAND_WRITTEN: &[&str] = &[
    "VerifyPassword",
    "GetOAuthAccessToken",
    "CreateSessionToken",
    "CreateSessionTokenFromTemplate",
    "verifyApiKey",
    "createM2MToken",
    "revokeM2MToken",
    "verifyM2MToken",
    "verifyOAuthAccessToken",
];
/// Hand-written calls whose request the spec does not fully say (`suffixed_cookies`, the
/// `cookie` format): checked by their own test, not by `conforms`.
const HAND_WRITTEN_BEYOND_THE_SPEC: &[&str] = &["RefreshSession", "getApiKeys", "getM2MTokens", "GetJWKS"];
const ROLES_AND_PERMISSIONS: &[&str] = &[
    "ListOrganizationRoles",
    "CreateOrganizationRole",
    "GetOrganizationRole",
    "UpdateOrganizationRole",
    "DeleteOrganizationRole",
    "AssignPermissionToOrganizationRole",
    "RemovePermissionFromOrganizationRole",
    "ListOrganizationPermissions",
    "CreateOrganizationPermission",
    "GetOrganizationPermission",
    "UpdateOrganizationPermission",
    "DeleteOrganizationPermission",
];

fn spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spec/bapi_2026-05-12.yml");
    let text = std::fs::read_to_string(path).expect("spec readable");
    serde_yaml::from_str(&text).expect("spec parses")
}

/// The spec, parsed once for the stand-in's answers.
fn cached_spec() -> &'static Value {
    static SPEC: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    SPEC.get_or_init(spec)
}

/// `#/components/…/Name` resolved.
fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str() {
        Some(reference) => reference
            .trim_start_matches("#/")
            .split('/')
            .fold(spec, |node, key| &node[key]),
        None => value,
    }
}

/// A value of `schema`: its example, else one made from its type (every property, required or
/// not, so that decoding sees them all).
fn instance(spec: &Value, schema: &Value) -> Value {
    let schema = resolve(spec, schema);
    if let Some(example) = schema.get("example") {
        return example.clone();
    }
    if let Some(first) = schema["enum"].as_array().and_then(|values| values.first()) {
        return first.clone();
    }
    if let Some(parts) = schema["allOf"].as_array() {
        // Every part's properties, merged.
        let mut merged = Map::new();
        for part in parts {
            if let Value::Object(fields) = instance(spec, part) {
                merged.extend(fields);
            }
        }
        return Value::Object(merged);
    }
    // Alternatives; beside `properties` they only constrain them (`anyOf: [{required: [domain]},
    // {required: [domains]}]`), and the properties make the value.
    if let Some(first) = ["oneOf", "anyOf"]
        .iter()
        .find_map(|key| schema[*key].as_array().and_then(|options| options.first()))
        .filter(|_| !schema["properties"].is_object())
    {
        return instance(spec, first);
    }
    match schema["type"].as_str() {
        Some("object") => Value::Object(
            schema["properties"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(key, property)| {
                    // A made-up string says which field it is (`spec_url`).
                    let value = match instance(spec, property) {
                        Value::String(text) if text == "spec_value" => json!(format!("spec_{key}")),
                        other => other,
                    };
                    (key.clone(), value)
                })
                .collect::<Map<_, _>>(),
        ),
        Some("array") => json!([instance(spec, &schema["items"])]),
        Some("integer") => json!(1_712_000_000),
        Some("number") => json!(1.5),
        Some("boolean") => json!(true),
        _ => json!("spec_value"),
    }
}

fn operation_of(spec: &Value, op: &Operation) -> Value {
    spec["paths"][op.path][op.method.as_str().to_ascii_lowercase()].clone()
}

/// A request body made from the spec's request schema of `operation_id` (every property).
fn body<T: DeserializeOwned>(spec: &Value, operation_id: &str) -> T {
    let op = Operation::find(operation_id).expect("in the table");
    let schema = &operation_of(spec, op)["requestBody"]["content"]["application/json"]["schema"];
    serde_json::from_value(instance(spec, schema)).expect("the spec-made body fits the request struct")
}

/// The operations the stand-in saw, each checked against the spec.
fn seen_operations(spec: &Value, seen: &Mutex<Vec<Seen>>) -> Vec<&'static str> {
    let seen = seen.lock().expect("lock").clone();
    seen.iter()
        .map(|seen| conforms(spec, seen).operation_id)
        .collect()
}

/// The spec-made answer of `op`; `None` for a `204 No Content`.
fn answer(spec: &Value, op: &Operation) -> Option<Value> {
    let responses = &operation_of(spec, op)["responses"];
    let ok = responses.get("200").or_else(|| responses.get("201"))?;
    let response = resolve(spec, ok);
    Some(instance(spec, &response["content"]["application/json"]["schema"]))
}

/// The operation of the table `method path` is (path parameters matched by position; a
/// literal segment wins over a parameter: `/waitlist_entries/bulk` is not an entry's id).
fn find(method: &str, path: &str) -> Option<(&'static Operation, Vec<String>)> {
    let path = path.strip_prefix("/v1").unwrap_or(path);
    OPERATIONS
        .iter()
        .filter(|op| op.method.as_str() == method)
        .filter_map(|op| {
            let template: Vec<&str> = op.path.split('/').collect();
            let actual: Vec<&str> = path.split('/').collect();
            if template.len() != actual.len() {
                return None;
            }
            let mut args = Vec::new();
            for (expected, got) in template.iter().zip(&actual) {
                if expected.starts_with('{') {
                    args.push((*got).to_owned());
                } else if expected != got {
                    return None;
                }
            }
            Some((op, args))
        })
        .min_by_key(|(_, args)| args.len())
}

#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    query: String,
    content_type: String,
    body: String,
}

async fn clerk(seen: web::Data<Arc<Mutex<Vec<Seen>>>>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    seen.lock().expect("lock").push(Seen {
        method: req.method().to_string(),
        path: req.path().to_owned(),
        query: req.query_string().to_owned(),
        content_type: req
            .headers()
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    match find(req.method().as_str(), req.path()) {
        Some((op, _)) => match answer(cached_spec(), op) {
            Some(body) => HttpResponse::Ok().json(body),
            None => HttpResponse::NoContent().finish(),
        },
        None => HttpResponse::NotFound().finish(),
    }
}

async fn stand_in() -> (ClerkClient, Arc<Mutex<Vec<Seen>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let data = web::Data::new(Arc::clone(&seen));
    let server = HttpServer::new(move || App::new().app_data(data.clone()).default_service(web::to(clerk)))
        .workers(1)
        .bind(("127.0.0.1", 0))
        .expect("bind");
    let address = server.addrs()[0];
    actix_web::rt::spawn(server.run());
    let config = ClientConfig::new()
        .secret_key(SECRET)
        .api_url(format!("http://{address}"))
        // Every generated call runs here at once: far more than a development instance's budget.
        .rate_limit(RateLimit::new(100_000, std::time::Duration::from_secs(10)))
        .max_retries(0);
    (ClerkClient::new(config).expect("client"), seen)
}

/// The request fits its operation: a spec operation with a generated call, every query
/// parameter one the spec lists, the body (if any) a JSON object with the spec's required
/// properties and no others the schema closes out, each of the declared type.
fn conforms(spec: &Value, seen: &Seen) -> &'static Operation {
    let (op, args) = find(&seen.method, &seen.path)
        .unwrap_or_else(|| panic!("{} {} is no operation of the spec", seen.method, seen.path));
    assert!(op.call.is_some(), "{} has no generated call", op.operation_id);
    assert!(args.iter().all(|arg| !arg.is_empty()), "an empty path parameter");
    for pair in seen.query.split('&').filter(|pair| !pair.is_empty()) {
        let key = pair.split('=').next().unwrap_or_default();
        assert!(
            op.params
                .iter()
                .any(|param| param.location == Location::Query && param.name == key),
            "{}: query parameter {key} is not in the spec",
            op.operation_id
        );
    }
    let content = &operation_of(spec, op)["requestBody"]["content"];
    if let Some(form) = content.get("multipart/form-data") {
        assert!(
            seen.content_type.starts_with("multipart/form-data; boundary="),
            "{}: a multipart upload sent as {:?}",
            op.operation_id,
            seen.content_type
        );
        for required in form["schema"]["required"].as_array().into_iter().flatten() {
            let field = format!("name=\"{}\"", required.as_str().unwrap_or_default());
            assert!(
                seen.body.contains(&field),
                "{}: required form field {field} missing",
                op.operation_id
            );
        }
        return op;
    }
    let request = &content["application/json"]["schema"];
    if request.is_null() {
        assert!(
            seen.body.is_empty(),
            "{}: a body the spec does not take",
            op.operation_id
        );
        return op;
    }
    assert!(
        seen.content_type.split(';').next() == Some("application/json"),
        "{}: JSON sent as {:?}",
        op.operation_id,
        seen.content_type
    );
    let schema = resolve(spec, request);
    let body: Value = serde_json::from_str(&seen.body).expect("a JSON body");
    match body {
        // A bulk operation: every item fits the item schema.
        Value::Array(items) if schema["type"] == "array" => {
            assert!(!items.is_empty(), "{}: an empty bulk body", op.operation_id);
            for item in &items {
                object_fits(spec, op, resolve(spec, &schema["items"]), item);
            }
        }
        other => object_fits(spec, op, schema, &other),
    }
    op
}

/// `body` is a JSON object with the `schema`'s required properties (`allOf` parts merged)
/// and no others, each of the declared type.
fn object_fits(spec: &Value, op: &Operation, schema: &Value, body: &Value) {
    let body = body.as_object().expect("a JSON object");
    let mut schema = schema.clone();
    for part in schema["allOf"].as_array().cloned().into_iter().flatten() {
        let part = resolve(spec, &part);
        for (key, property) in part["properties"].as_object().into_iter().flatten() {
            schema["properties"][key] = property.clone();
        }
        for required in part["required"].as_array().into_iter().flatten() {
            match schema["required"].as_array_mut() {
                Some(list) => list.push(required.clone()),
                None => schema["required"] = json!([required]),
            }
        }
    }
    for required in schema["required"].as_array().into_iter().flatten() {
        let key = required.as_str().unwrap_or_default();
        assert!(
            body.contains_key(key),
            "{}: required {key} missing",
            op.operation_id
        );
    }
    for (key, value) in body {
        let property = &schema["properties"][key];
        assert!(
            !property.is_null(),
            "{}: {key} is not in the request schema",
            op.operation_id
        );
        let fits = match property["type"].as_str() {
            Some("string") => value.is_string(),
            Some("integer") => value.is_i64(),
            Some("boolean") => value.is_boolean(),
            _ => true,
        };
        assert!(
            fits || value.is_null(),
            "{}: {key} is not a {}",
            op.operation_id,
            property["type"]
        );
    }
}

/// A small PNG-named upload.
fn upload() -> Upload {
    Upload::new("logo.png", "image/png", &b"\x89PNG"[..])
}

#[actix_web::test]
async fn redirect_urls_calls_fit_the_spec_and_decode_its_answers() {
    let spec = spec();
    let (client, seen) = stand_in().await;
    let calls = client.redirect_urls();

    let list = calls.list(&Default::default()).await.expect("list decodes");
    assert_eq!(list.len(), 1);
    let created = calls
        .create(&CreateRedirectUrl {
            url: "https://example.com/callback".to_owned(),
        })
        .await
        .expect("create decodes");
    assert_eq!(created.object, "redirect_url");
    assert_eq!(created.url, "spec_url");
    let got = calls.get("redir_123").await.expect("get decodes");
    assert_eq!(got.created_at, 1_712_000_000);
    let deleted = calls.delete("redir_123").await.expect("delete decodes");
    assert!(deleted.deleted);

    let seen = seen.lock().expect("lock").clone();
    let ids: Vec<&str> = seen
        .iter()
        .map(|seen| conforms(&spec, seen).operation_id)
        .collect();
    assert_eq!(
        ids,
        [
            "ListRedirectURLs",
            "CreateRedirectURL",
            "GetRedirectURL",
            "DeleteRedirectURL"
        ]
    );
    assert_eq!(seen[2].path, "/v1/redirect_urls/redir_123");
}

#[actix_web::test]
async fn testing_tokens_create_fits_the_spec_and_its_token_stays_out_of_debug() {
    let spec = spec();
    let (client, seen) = stand_in().await;
    let token = client.testing_tokens().create().await.expect("create decodes");
    // The spec's example token.
    assert!(token.token.starts_with("1713877200-"), "{token:?}");
    assert_eq!(token.expires_at, 1_713_880_800);
    assert!(
        !format!("{token:?}").contains("1713877200-"),
        "the token is redacted in Debug"
    );
    let seen = seen.lock().expect("lock").clone();
    assert_eq!([conforms(&spec, &seen[0]).operation_id], TESTING_TOKENS);
}

#[actix_web::test]
async fn hand_written_calls_are_counted_under_their_table_row_and_fit_the_spec() {
    let spec = spec();
    let (client, seen) = stand_in().await;
    let users = client.users();
    users
        .verify_password("user_1", "correct horse")
        .await
        .expect("verify_password");
    users
        .list_oauth_access_tokens("user_1", "google")
        .await
        .expect("list_oauth_access_tokens");
    let sessions = client.sessions();
    let jwt = sessions.create_token("sess_1", None).await.expect("create_token");
    assert!(!jwt.is_empty());
    sessions
        .create_token_from_template("sess_1", "hasura", Some(60))
        .await
        .expect("create_token_from_template");
    client
        .api_keys()
        .verify("ak_secret")
        .await
        .expect("verify api key");
    let m2m = client.m2m();
    m2m.create_token(&clerk_backend::CreateM2mToken::default())
        .await
        .expect("create m2m token");
    m2m.revoke_token("mt_1", Some("rotated"))
        .await
        .expect("revoke m2m token");
    m2m.verify_token("mt_secret").await.expect("verify m2m token");
    client
        .oauth_access_tokens()
        .verify("oat_secret")
        .await
        .expect("verify oauth access token");
    assert_eq!(seen_operations(&spec, &seen), HAND_WRITTEN);
    // The provider's `oauth_` prefix is added, as @clerk/backend does.
    let paths: Vec<String> = seen
        .lock()
        .expect("lock")
        .iter()
        .map(|seen| seen.path.clone())
        .collect();
    assert_eq!(paths[1], "/v1/users/user_1/oauth_access_tokens/oauth_google");
    // Each endpoint label is its table row's.
    let metrics = client.metrics();
    for id in HAND_WRITTEN {
        let op = Operation::find(id).expect("in the table");
        assert!(
            metrics.attempts.iter().any(|count| count.endpoint == op.endpoint),
            "{id}: no call counted under {}",
            op.endpoint
        );
    }
}

#[actix_web::test]
async fn a_session_refresh_sends_the_cookie_format_under_its_table_row() {
    let (client, seen) = stand_in().await;
    let refresh = clerk_core::request::RefreshRequest {
        expired_token: "expired.jwt.value",
        refresh_token: "refresh-cookie",
        request_origin: "https://example.com".to_owned(),
        request_headers: vec![("user-agent".to_owned(), "test".to_owned())],
        suffixed_cookies: true,
    };
    // The spec-made answer is its first alternative (a token), not the cookies asked for.
    let answer = client.sessions().refresh("sess_1", &refresh).await;
    assert!(matches!(answer, Err(ApiError::Decode { .. })), "{answer:?}");
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, "/v1/sessions/sess_1/refresh");
    assert_eq!(seen[0].query, "suffixed_cookies=true");
    let body: Value = serde_json::from_str(&seen[0].body).expect("json");
    assert_eq!(body["format"], "cookie");
    assert_eq!(body["request_headers"]["user-agent"], json!(["test"]));
    // Counted under its row's endpoint: the call ran with the row, whose share is the sessions'
    // and whose retry rule is never (a refresh is not repeated).
    let op = Operation::find("RefreshSession").expect("in the table");
    assert!(client
        .metrics()
        .attempts
        .iter()
        .any(|count| count.endpoint == op.endpoint));
    assert_eq!(op.budget, Budget::Fixed(Share::Sessions));
    assert_eq!(op.retry, Retry::Never);
}

/// The requests of the hand-written calls whose spec-made answer does not decode (the spec's
/// `number` counts are `1.5` there; the JWKS schema is no key Clerk would send) fit the spec.
#[actix_web::test]
async fn hand_written_calls_beyond_the_spec_send_their_rows_request() {
    let spec = spec();
    let (client, seen) = stand_in().await;
    let _ = client.api_keys().list("user_1", true).await;
    let _ = client.m2m().list_tokens("mch_1", true).await;
    let _ = client.jwks().get().await;
    let seen = seen.lock().expect("lock").clone();
    let ops: Vec<&str> = seen
        .iter()
        .map(|seen| conforms(&spec, seen).operation_id)
        .collect();
    assert_eq!(ops, ["getApiKeys", "getM2MTokens", "GetJWKS"]);
    assert_eq!(seen[0].query, "subject=user_1&include_invalid=true&limit=100");
    assert_eq!(seen[1].query, "subject=mch_1&limit=100&revoked=true&expired=true");
}

#[test]
fn every_hand_written_call_is_exercised_and_says_why() {
    let hand_written: BTreeSet<&str> = OPERATIONS
        .iter()
        .filter(|op| op.hand_written.is_some())
        .map(|op| op.operation_id)
        .collect();
    let exercised: BTreeSet<&str> = [HAND_WRITTEN, HAND_WRITTEN_BEYOND_THE_SPEC]
        .concat()
        .into_iter()
        .collect();
    assert_eq!(hand_written, exercised);
    for op in OPERATIONS.iter().filter(|op| op.hand_written.is_some()) {
        assert!(
            op.call.is_some(),
            "{}: a hand-written call names its call",
            op.operation_id
        );
        assert!(
            op.hand_written.is_some_and(|why| !why.trim().is_empty()),
            "{}: no reason",
            op.operation_id
        );
    }
}

#[actix_web::test]
async fn an_unsafe_path_parameter_is_refused_before_any_request() {
    let (client, seen) = stand_in().await;
    for id in ["", "..", "a/b"] {
        let err = client.redirect_urls().get(id).await.expect_err("refused");
        assert!(matches!(err, ApiError::InvalidArgument(_)), "{id:?}: {err:?}");
    }
    assert!(seen.lock().expect("lock").is_empty(), "nothing was sent");
}

#[actix_web::test]
async fn email_address_and_phone_number_calls_fit_the_spec_and_decode_its_answers() {
    let spec = spec();
    let (client, seen) = stand_in().await;
    let emails = client.email_addresses();
    let created = emails
        .create(&body(&spec, "CreateEmailAddress"))
        .await
        .expect("create");
    assert_eq!(created.object, "email_address");
    assert_eq!(created.linked_to.len(), 1, "nested models decode");
    emails.get("idn_1").await.expect("get");
    emails.delete("idn_1").await.expect("delete");
    emails
        .update("idn_1", &body(&spec, "UpdateEmailAddress"))
        .await
        .expect("update");
    let prepared = emails.prepare_verification("idn_1").await.expect("prepare");
    assert!(prepared.status.is_some(), "{prepared:?}");
    emails
        .attempt_verification("idn_1", &body(&spec, "AttemptEmailAddressVerification"))
        .await
        .expect("attempt");
    emails
        .replace_for_user("user_1", &body(&spec, "ReplaceUserEmailAddress"))
        .await
        .expect("replace");
    let phones = client.phone_numbers();
    let phone = phones
        .create(&body(&spec, "CreatePhoneNumber"))
        .await
        .expect("create");
    assert_eq!(phone.backup_codes.as_deref().map(<[String]>::len), Some(1));
    phones.get("idn_2").await.expect("get");
    phones.delete("idn_2").await.expect("delete");
    phones
        .update("idn_2", &body(&spec, "UpdatePhoneNumber"))
        .await
        .expect("update");
    phones.prepare_verification("idn_2").await.expect("prepare");
    phones
        .attempt_verification("idn_2", &body(&spec, "AttemptPhoneNumberVerification"))
        .await
        .expect("attempt");
    phones
        .replace_for_user("user_1", &body(&spec, "ReplaceUserPhoneNumber"))
        .await
        .expect("replace");
    assert_eq!(seen_operations(&spec, &seen), EMAIL_AND_PHONE);
}

#[actix_web::test]
async fn organization_role_and_permission_calls_fit_the_spec_and_decode_its_answers() {
    let spec = spec();
    let (client, seen) = stand_in().await;
    let roles = client.organization_roles();
    let page = roles.list(&Default::default()).await.expect("list");
    assert_eq!(page.data.len(), 1, "a page of roles");
    assert_eq!(page.data[0].permissions.len(), 1, "nested permissions decode");
    roles
        .create(&body(&spec, "CreateOrganizationRole"))
        .await
        .expect("create");
    roles.get("role_1").await.expect("get");
    roles
        .update("role_1", &body(&spec, "UpdateOrganizationRole"))
        .await
        .expect("update");
    roles.delete("role_1").await.expect("delete");
    roles.assign_permission("role_1", "perm_1").await.expect("assign");
    roles.remove_permission("role_1", "perm_1").await.expect("remove");
    let permissions = client.organization_permissions();
    permissions.list(&Default::default()).await.expect("list");
    permissions
        .create(&body(&spec, "CreateOrganizationPermission"))
        .await
        .expect("create");
    permissions.get("perm_1").await.expect("get");
    permissions
        .update("perm_1", &body(&spec, "UpdateOrganizationPermission"))
        .await
        .expect("update");
    permissions.delete("perm_1").await.expect("delete");
    assert_eq!(seen_operations(&spec, &seen), ROLES_AND_PERMISSIONS);
}

#[actix_web::test]
async fn proxy_check_agent_task_and_webhook_calls_fit_the_spec_and_decode_its_answers() {
    let spec = spec();
    let (client, seen) = stand_in().await;
    let check = client
        .proxy_checks()
        .verify(&body(&spec, "VerifyDomainProxy"))
        .await
        .expect("verify");
    assert_eq!(check.object, "proxy_check");
    let tasks = client.agent_tasks();
    let task = tasks
        .create(&body(&spec, "CreateAgentTask"))
        .await
        .expect("create");
    let url = task.url.clone().expect("a create answers the session URL");
    assert!(
        !format!("{task:?}").contains(&url),
        "the session URL stays out of Debug"
    );
    tasks.revoke("task_1").await.expect("revoke");
    let webhooks = client.webhooks();
    let svix = webhooks.create_svix_app().await.expect("create");
    assert!(
        !format!("{svix:?}").contains(&svix.svix_url),
        "the dashboard URL stays out of Debug"
    );
    webhooks.delete_svix_app().await.expect("a 204 decodes as ()");
    webhooks.generate_svix_auth_url().await.expect("url");
    assert_eq!(seen_operations(&spec, &seen), OTHERS);
}

#[actix_web::test]
async fn every_generated_call_fits_the_spec_and_decodes_its_answer() {
    let spec = spec();
    let (client, seen) = stand_in().await;
    calls::call_every_generated(&client, &spec).await;
    assert_eq!(seen_operations(&spec, &seen), calls::CALLED);
}

#[actix_web::test]
async fn a_generated_stream_pages_by_offset_with_the_callers_limit_and_stops_when_dropped() {
    use futures_util::StreamExt as _;
    let spec = spec();
    let (client, seen) = stand_in().await;
    let params = clerk_backend::redirect_urls::ListRedirectUrlsParams {
        limit: Some(1),
        offset: Some(5),
    };
    // Each spec-made page holds one item of a total far larger: only `take` ends the pass.
    let items: Vec<_> = client
        .redirect_urls()
        .list_stream(&params)
        .take(3)
        .collect()
        .await;
    assert_eq!(items.len(), 3);
    assert!(items.iter().all(Result::is_ok));
    let queries: Vec<String> = seen
        .lock()
        .expect("lock")
        .iter()
        .map(|seen| seen.query.clone())
        .collect();
    assert_eq!(
        queries,
        [
            "paginated=true&limit=1&offset=5",
            "paginated=true&limit=1&offset=6",
            "paginated=true&limit=1&offset=7"
        ]
    );
    assert_eq!(seen_operations(&spec, &seen), ["ListRedirectURLs"; 3]);
}

#[test]
fn every_generated_call_is_exercised_here() {
    // A hand-written call (on its group's handle, with a reason) is exercised by its own tests.
    let generated: BTreeSet<&str> = OPERATIONS
        .iter()
        .filter(|op| op.call.is_some() && op.hand_written.is_none())
        .map(|op| op.operation_id)
        .collect();
    let exercised: BTreeSet<&str> = calls::CALLED.iter().copied().collect();
    assert_eq!(generated, exercised);
    // The groups with tests of their own above are among them.
    let own: BTreeSet<&str> = [
        REDIRECT_URLS,
        TESTING_TOKENS,
        EMAIL_AND_PHONE,
        ROLES_AND_PERMISSIONS,
        OTHERS,
    ]
    .concat()
    .into_iter()
    .collect();
    assert!(own.is_subset(&exercised));
}

#[test]
fn an_enum_value_clerk_adds_later_decodes_as_unknown_and_encodes_back() {
    use clerk_backend::email_addresses::ReplaceUserEmailAddressIdentificationStatus as Status;
    let known: Status = serde_json::from_value(json!("reserved")).expect("decodes");
    assert_eq!(known, Status::Reserved);
    let later: Status = serde_json::from_value(json!("pending_review")).expect("decodes");
    assert_eq!(later, Status::Unknown("pending_review".to_owned()));
    assert_eq!(
        serde_json::to_value(&later).expect("encodes"),
        json!("pending_review")
    );
    assert_eq!(
        serde_json::to_value(Status::Verified).expect("encodes"),
        json!("verified")
    );
}
