//! Machine tokens in the emulator (issue 14): the create, list and revoke endpoints of API keys
//! and M2M tokens answer the OpenAPI file's shapes; machine secret keys; JWT issuance.

mod common;

use clerk_testkit::{decode_unverified, store::M2M_JWT_CATEGORY, TestClerk};
use common::Api;
use serde_json::{json, Map, Value};

/// OpenAPI 3.0 → JSON Schema (`nullable`), as in users_api.rs.
fn to_json_schema(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                if k == "$ref" {
                    let target = v.as_str().unwrap_or_default();
                    out.insert(
                        k.clone(),
                        json!(target.replace("#/components/schemas/", "#/definitions/")),
                    );
                } else if k != "nullable" && k != "example" {
                    out.insert(k.clone(), to_json_schema(v));
                }
            }
            if map.get("nullable") == Some(&Value::Bool(true)) {
                if let Some(Value::String(t)) = out.get("type").cloned() {
                    out.insert("type".into(), json!([t, "null"]));
                } else {
                    return json!({ "anyOf": [Value::Object(out), { "type": "null" }] });
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(to_json_schema).collect()),
        other => other.clone(),
    }
}

/// The 2xx response schema of `method path` in the OpenAPI file.
fn violations(path: &str, method: &str, status: &str, instance: &Value) -> Vec<String> {
    let file = format!("{}/../../spec/bapi_2026-05-12.yml", env!("CARGO_MANIFEST_DIR"));
    let spec: Value = serde_yaml::from_str(&std::fs::read_to_string(file).expect("spec")).expect("yaml");
    let mut response = &spec["paths"][path][method]["responses"][status];
    if let Some(name) = response["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/responses/"))
    {
        response = &spec["components"]["responses"][name];
    }
    let schema = &response["content"]["application/json"]["schema"];
    assert!(schema.is_object(), "no schema for {method} {path} {status}");
    let mut schema = to_json_schema(schema);
    schema["definitions"] = to_json_schema(&spec["components"]["schemas"]);
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(&schema)
        .expect("schema compiles");
    validator
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

const USER: &str = "user_2abcdefghijklmnopqrstuvwxyz";

#[actix_rt::test]
async fn api_keys_are_created_listed_and_revoked_in_clerks_shapes() {
    let clerk = TestClerk::start().expect("emulator");
    let api = Api::new(&clerk);
    let created = api
        .send(
            "POST",
            "/api_keys",
            Some(json!({"name": "deploy-bot", "subject": USER, "scopes": ["deploy"], "claims": {"a": 1}, "seconds_until_expiration": 3600})),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(
        violations("/api_keys", "post", "200", &created.body),
        Vec::<String>::new()
    );
    let secret = created.body["secret"].as_str().unwrap().to_owned();
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert!(created.body["expiration"].as_i64().is_some());

    let verified = api
        .send("POST", "/api_keys/verify", Some(json!({"secret": secret})))
        .await;
    assert_eq!(
        (verified.status, verified.body["id"].as_str()),
        (200, Some(id.as_str()))
    );
    assert!(verified.body.get("secret").is_none(), "a secret is shown once");

    let listed = api.get(&format!("/api_keys?subject={USER}")).await;
    assert_eq!(listed.status, 200);
    assert_eq!(
        violations("/api_keys", "get", "200", &listed.body),
        Vec::<String>::new()
    );
    assert_eq!(listed.body["total_count"], 1);

    let revoked = api
        .send(
            "POST",
            &format!("/api_keys/{id}/revoke"),
            Some(json!({"revocation_reason": "rotated"})),
        )
        .await;
    assert_eq!(revoked.status, 200);
    assert_eq!(
        (
            revoked.body["revoked"].as_bool(),
            revoked.body["revocation_reason"].as_str()
        ),
        (Some(true), Some("rotated"))
    );
    assert_eq!(
        api.send("POST", "/api_keys/verify", Some(json!({"secret": secret})))
            .await
            .status,
        404
    );
    assert_eq!(
        api.get(&format!("/api_keys?subject={USER}")).await.body["total_count"],
        0
    );
    assert_eq!(
        api.get(&format!("/api_keys?subject={USER}&include_invalid=true"))
            .await
            .body["total_count"],
        1
    );

    // Refusals: missing fields, a bad subject, an unknown key, the wrong secret key.
    assert_eq!(
        api.send("POST", "/api_keys", Some(json!({"subject": USER})))
            .await
            .status,
        422
    );
    assert_eq!(
        api.send(
            "POST",
            "/api_keys",
            Some(json!({"name": "abc", "subject": "bob"}))
        )
        .await
        .status,
        422
    );
    assert_eq!(api.get("/api_keys").await.status, 422);
    assert_eq!(
        api.send(
            "POST",
            "/api_keys/ak_00000000000000000000000000000000/revoke",
            Some(json!({}))
        )
        .await
        .status,
        404
    );
    let stranger = Api::new(&clerk).with_key(Some("sk_test_not_this_instance"));
    assert_eq!(
        stranger.get(&format!("/api_keys?subject={USER}")).await.status,
        401
    );
}

#[actix_rt::test]
async fn machines_create_list_and_revoke_their_m2m_tokens() {
    let clerk = TestClerk::start().expect("emulator");
    let receiver = clerk.machine_tokens().machine(Vec::<String>::new());
    let sender = clerk.machine_tokens().machine([receiver.id.clone()]);
    let as_sender = Api::new(&clerk).with_key(Some(&sender.secret_key));
    let as_receiver = Api::new(&clerk).with_key(Some(&receiver.secret_key));
    let as_instance = Api::new(&clerk);

    let created = as_sender
        .send(
            "POST",
            "/m2m_tokens",
            Some(json!({"seconds_until_expiration": 60})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(
        violations("/m2m_tokens", "post", "201", &created.body),
        Vec::<String>::new()
    );
    assert_eq!(created.body["subject"], sender.id.as_str());
    assert_eq!(created.body["scopes"], json!([receiver.id]));
    let token = created.body["token"].as_str().unwrap().to_owned();
    let id = created.body["id"].as_str().unwrap().to_owned();
    // Only a machine secret key creates; a machine key authenticates nothing but M2M calls.
    assert_eq!(
        as_instance
            .send("POST", "/m2m_tokens", Some(json!({})))
            .await
            .status,
        401
    );
    assert_eq!(
        as_sender.get(&format!("/api_keys?subject={USER}")).await.status,
        401
    );

    // Verified by the machine it was granted to, and by the instance; not by another machine.
    for api in [&as_receiver, &as_instance] {
        let verified = api
            .send("POST", "/m2m_tokens/verify", Some(json!({"token": token})))
            .await;
        assert_eq!(
            (verified.status, verified.body["id"].as_str()),
            (200, Some(id.as_str()))
        );
    }
    let outsider = clerk.machine_tokens().machine(Vec::<String>::new());
    let as_outsider = Api::new(&clerk).with_key(Some(&outsider.secret_key));
    assert_eq!(
        as_outsider
            .send("POST", "/m2m_tokens/verify", Some(json!({"token": token})))
            .await
            .status,
        404
    );

    let listed = as_sender.get(&format!("/m2m_tokens?subject={}", sender.id)).await;
    assert_eq!(listed.status, 200);
    assert_eq!(
        violations("/m2m_tokens", "get", "200", &listed.body),
        Vec::<String>::new()
    );
    assert_eq!(listed.body["total_count"], 1);
    assert_eq!(
        as_outsider
            .get(&format!("/m2m_tokens?subject={}", sender.id))
            .await
            .status,
        403
    );

    let jwt = as_sender
        .send("POST", "/m2m_tokens", Some(json!({"token_format": "jwt"})))
        .await;
    assert_eq!(jwt.status, 201);
    let (header, payload) = decode_unverified(jwt.body["token"].as_str().unwrap()).expect("a JWT");
    assert_eq!(header["cat"], M2M_JWT_CATEGORY);
    assert_eq!(
        (payload["sub"].as_str(), payload["scopes"].as_str()),
        (Some(sender.id.as_str()), Some(receiver.id.as_str()))
    );
    assert!(payload["jti"].as_str().unwrap().starts_with("mt_"));
    assert_eq!(
        as_sender
            .get(&format!("/m2m_tokens?subject={}", sender.id))
            .await
            .body["total_count"],
        1,
        "JWTs are not stored"
    );

    assert_eq!(
        as_outsider
            .send("POST", &format!("/m2m_tokens/{id}/revoke"), Some(json!({})))
            .await
            .status,
        404
    );
    let revoked = as_sender
        .send(
            "POST",
            &format!("/m2m_tokens/{id}/revoke"),
            Some(json!({"revocation_reason": "done"})),
        )
        .await;
    assert_eq!(
        (revoked.status, revoked.body["revoked"].as_bool()),
        (200, Some(true))
    );
    assert_eq!(
        as_receiver
            .send("POST", "/m2m_tokens/verify", Some(json!({"token": token})))
            .await
            .status,
        404
    );
}

#[actix_rt::test]
async fn oauth_and_m2m_jwts_carry_clerks_claims() {
    let clerk = TestClerk::start().expect("emulator");
    let oauth = clerk
        .machine_tokens()
        .oauth_token("user_2abc")
        .client_id("client_1")
        .scopes(["email", "profile"])
        .audience("https://api.example.com")
        .jwt();
    let (header, payload) = decode_unverified(&oauth).expect("a JWT");
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(header["kid"], clerk.minter().active_key().kid());
    assert_eq!(payload["client_id"], "client_1");
    assert_eq!(payload["scp"], json!(["email", "profile"]));
    assert_eq!(payload["aud"], "https://api.example.com");
    assert!(payload["jti"].as_str().unwrap().starts_with("oat_"));
    assert!(payload.get("sid").is_none() && payload.get("v").is_none());
    let expired = clerk
        .machine_tokens()
        .m2m("mch_2x")
        .expires_in(std::time::Duration::ZERO)
        .jwt();
    let (_, payload) = decode_unverified(&expired).expect("a JWT");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(payload["exp"].as_i64().unwrap() < now, "already expired");
}

#[actix_rt::test]
async fn machines_are_created_with_their_secret_key() {
    let clerk = TestClerk::start().expect("emulator");
    let api = Api::new(&clerk);
    let target = api
        .send("POST", "/v1/machines", Some(json!({"name": "billing"})))
        .await;
    assert_eq!(target.status, 200, "{}", target.body);
    let target_id = target.body["id"].as_str().unwrap().to_owned();
    let created = api
        .send(
            "POST",
            "/v1/machines",
            Some(json!({"name": "reports", "scoped_machines": [target_id], "default_token_ttl": 60})),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(
        violations("/machines", "post", "200", &created.body),
        Vec::<String>::new()
    );
    assert_eq!(created.body["scoped_machines"][0]["id"], target_id.as_str());
    // Its secret key creates tokens granted to the scoped machine, with its default lifetime.
    let key = created.body["secret_key"].as_str().unwrap();
    let token = Api::new(&clerk)
        .with_key(Some(key))
        .send("POST", "/m2m_tokens", Some(json!({})))
        .await;
    assert_eq!(token.status, 201);
    assert_eq!(token.body["scopes"], json!([target_id]));
    let lifetime = token.body["expiration"].as_i64().unwrap() - token.body["created_at"].as_i64().unwrap();
    assert!((59_000..=61_000).contains(&lifetime), "{lifetime}");
    assert_eq!(
        api.send(
            "POST",
            "/v1/machines",
            Some(json!({"name": "x", "scoped_machines": ["mch_nope"]}))
        )
        .await
        .status,
        422
    );
    assert_eq!(
        api.send("POST", "/v1/machines", Some(json!({}))).await.status,
        422
    );
}
