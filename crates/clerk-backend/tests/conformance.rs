//! Spec conformance of the generated calls (issue 26): for every operation with a generated
//! call, the request the call sends (method, path, query, body) fits the operation in
//! `spec/bapi_2026-05-12.yml`, and an answer made from the spec's schema for that operation
//! (its examples where the spec has them) decodes.
//!
//! The offline Clerk does not serve these groups yet; a local server stands in for Clerk: it
//! records each request and answers with the spec-made body.

use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use clerk_backend::operations::{Location, Operation, OPERATIONS};
use clerk_backend::redirect_urls::CreateRedirectUrl;
use clerk_backend::{ApiError, ClerkClient, ClientConfig};
use serde_json::{json, Map, Value};

const SECRET: &str = "sk_test_conformance_secret_value";

fn spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spec/bapi_2026-05-12.yml");
    let text = std::fs::read_to_string(path).expect("spec readable");
    serde_yaml::from_str(&text).expect("spec parses")
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
    match schema["type"].as_str() {
        Some("object") => Value::Object(
            schema["properties"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(key, property)| (key.clone(), instance(spec, property)))
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

/// The spec-made answer of `op`.
fn answer(spec: &Value, op: &Operation) -> Value {
    let responses = &operation_of(spec, op)["responses"];
    let ok = responses
        .get("200")
        .or_else(|| responses.get("201"))
        .expect("a 2xx answer");
    let response = resolve(spec, ok);
    instance(spec, &response["content"]["application/json"]["schema"])
}

/// The operation of the table `method path` is (path parameters matched by position).
fn find(method: &str, path: &str) -> Option<(&'static Operation, Vec<String>)> {
    let path = path.strip_prefix("/v1").unwrap_or(path);
    OPERATIONS
        .iter()
        .filter(|op| op.method.as_str() == method)
        .find_map(|op| {
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
}

#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    query: String,
    body: String,
}

async fn clerk(seen: web::Data<Arc<Mutex<Vec<Seen>>>>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    seen.lock().expect("lock").push(Seen {
        method: req.method().to_string(),
        path: req.path().to_owned(),
        query: req.query_string().to_owned(),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    match find(req.method().as_str(), req.path()) {
        Some((op, _)) => HttpResponse::Ok().json(answer(&spec(), op)),
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
    let request = &operation_of(spec, op)["requestBody"]["content"]["application/json"]["schema"];
    if request.is_null() {
        assert!(
            seen.body.is_empty(),
            "{}: a body the spec does not take",
            op.operation_id
        );
        return op;
    }
    let schema = resolve(spec, request);
    let body: Value = serde_json::from_str(&seen.body).expect("a JSON body");
    let body = body.as_object().expect("a JSON object");
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
    op
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
    assert_eq!(created.url, "spec_value");
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
    assert_eq!(conforms(&spec, &seen[0]).operation_id, "CreateTestingToken");
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

#[test]
fn every_generated_call_is_exercised_here() {
    let generated: Vec<&str> = OPERATIONS
        .iter()
        .filter(|op| op.call.is_some())
        .map(|op| op.operation_id)
        .collect();
    // When a group is added to `generate:` in codegen/overrides.yml, add its test above.
    assert_eq!(
        generated,
        [
            "ListRedirectURLs",
            "CreateRedirectURL",
            "GetRedirectURL",
            "DeleteRedirectURL",
            "CreateTestingToken"
        ]
    );
}
