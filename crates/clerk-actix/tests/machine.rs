//! Machine tokens on routes that accept them (issue 14): each type opaque and JWT through the
//! extractors, `Protect::accepts` and the guards, Clerk's reasons, the per-token cache and its
//! single flight, the machine-token share of the rate budget, and the client's API key and M2M
//! token calls, all against the offline Clerk on loopback.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::{test, web, App, HttpResponse};
use clerk_actix::client::api_keys::RevokeApiKey;
use clerk_actix::client::{ClerkClient, CreateApiKey, CreateM2mToken, M2mTokenFormat, RateLimit};
use clerk_actix::{
    guards, AnyAuth, Authenticated, Clerk, ClerkMiddleware, MachineAuth, Protect, ProtectMode,
};
use clerk_core::machine::{AcceptsToken, TokenType};
use clerk_testkit::{store::InactiveTokens, TestClerk};
use common::{body_json, header, Fixture};
use serde_json::{json, Value};

async fn any(auth: AnyAuth) -> HttpResponse {
    HttpResponse::Ok().json(describe(&auth))
}

fn describe(auth: &AnyAuth) -> Value {
    match auth {
        AnyAuth::Session(session) => json!({
            "tokenType": "session_token",
            "userId": session.user_id(),
            "sessionId": session.session_id(),
        }),
        AnyAuth::Machine(machine) => json!({
            "tokenType": machine.token_type().as_str(),
            "id": machine.id(),
            "subject": machine.subject(),
            "scopes": machine.scopes(),
            "name": machine.name(),
            "userId": machine.user_id(),
            "orgId": machine.org_id(),
            "machineId": machine.machine_id(),
            "clientId": machine.client_id(),
            "claims": machine.claims(),
        }),
    }
}

fn app(
    clerk: Clerk,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(web::Data::new(clerk.clone()))
        .route("/any", web::get().to(any))
        .route(
            "/machine",
            web::get().to(|machine: MachineAuth| async move {
                HttpResponse::Ok().body(machine.subject().to_owned())
            }),
        )
        .route(
            "/data",
            web::get()
                .to(|auth: Authenticated| async move { HttpResponse::Ok().body(auth.user_id().to_owned()) }),
        )
        .service(
            web::resource("/keys-only")
                .app_data(AcceptsToken::from(TokenType::ApiKey))
                .route(web::get().to(|machine: MachineAuth| async move {
                    HttpResponse::Ok().body(machine.id().to_owned())
                })),
        )
        .service(
            web::scope("/reports")
                .wrap(Protect::accepts([TokenType::ApiKey, TokenType::M2mToken]).scope("reports:read"))
                .route(
                    "",
                    web::get().to(|machine: MachineAuth, again: AnyAuth| async move {
                        HttpResponse::Ok().body(format!("{} {}", machine.subject(), again.token_type()))
                    }),
                ),
        )
        .service(
            web::scope("/parity-reports")
                .wrap(
                    Protect::accepts(TokenType::ApiKey)
                        .scope("reports:read")
                        .mode(ProtectMode::NextJsParity),
                )
                .route("", web::get().to(|| async { HttpResponse::Ok().body("report") })),
        )
        .service(
            web::scope("/ingest")
                .wrap(Protect::accepts(AcceptsToken::Any))
                .service(
                    web::resource("")
                        .route(
                            web::get()
                                .guard(guards::token_type(TokenType::ApiKey))
                                .to(|| async { HttpResponse::Ok().body("key") }),
                        )
                        .route(
                            web::get()
                                .guard(guards::scope("admin"))
                                .to(|| async { HttpResponse::Ok().body("admin") }),
                        )
                        .route(web::get().to(|| async { HttpResponse::Ok().body("other") })),
                ),
        )
        .wrap(ClerkMiddleware::new(clerk))
}

fn get(path: &str, token: Option<&str>) -> actix_http::Request {
    let mut req = test::TestRequest::get().uri(path);
    if let Some(token) = token {
        req = req.insert_header(("authorization", format!("Bearer {token}")));
    }
    req.to_request()
}

fn verify_calls(clerk: &TestClerk, route: &str) -> u64 {
    clerk.calls().count("POST", route)
}

#[actix_web::test]
async fn each_machine_type_is_accepted_opaque_and_jwt() {
    let fixture = Fixture::dev();
    let clerk = &fixture.clerk;
    let machines = clerk.machine_tokens();
    let key = machines
        .api_key("org_2abc")
        .name("ci")
        .scopes(["read"])
        .claims(json!({"team": "a"}))
        .issue();
    let m2m = machines.m2m("mch_2sender").scopes(["mch_2receiver"]).issue();
    let oauth = machines
        .oauth_token("user_2abc")
        .client_id("client_1")
        .scopes(["email"])
        .issue();
    let m2m_jwt = machines
        .m2m("mch_2jwt")
        .scopes(["mch_2a", "mch_2b"])
        .claims(json!({"tier": 1}))
        .jwt();
    let oauth_jwt = machines
        .oauth_token("user_2jwt")
        .client_id("client_2")
        .scopes(["profile"])
        .jwt();
    let app = test::init_service(app(fixture.sdk())).await;

    let cases = [
        (
            key.secret.as_str(),
            json!({"tokenType": "api_key", "id": key.id, "subject": "org_2abc", "scopes": ["read"], "name": "ci", "userId": null, "orgId": "org_2abc", "machineId": null, "clientId": null, "claims": {"team": "a"}}),
        ),
        (
            m2m.secret.as_str(),
            json!({"tokenType": "m2m_token", "id": m2m.id, "subject": "mch_2sender", "scopes": ["mch_2receiver"], "name": null, "userId": null, "orgId": null, "machineId": "mch_2sender", "clientId": null, "claims": null}),
        ),
        (
            oauth.secret.as_str(),
            json!({"tokenType": "oauth_token", "id": oauth.id, "subject": "user_2abc", "scopes": ["email"], "name": null, "userId": "user_2abc", "orgId": null, "machineId": null, "clientId": "client_1", "claims": null}),
        ),
    ];
    for (token, expected) in cases {
        let resp = test::call_service(&app, get("/any", Some(token))).await;
        assert_eq!(resp.status(), 200, "{expected}");
        assert_eq!(
            header(&resp, "x-clerk-auth-status"),
            None,
            "a route that accepted the token says nothing"
        );
        assert_eq!(body_json(resp).await, expected);
    }
    let resp = test::call_service(&app, get("/any", Some(&m2m_jwt))).await;
    assert_eq!(resp.status(), 200);
    let body = body_json(resp).await;
    assert_eq!(
        (body["tokenType"].as_str(), body["machineId"].as_str()),
        (Some("m2m_token"), Some("mch_2jwt"))
    );
    assert_eq!(body["scopes"], json!(["mch_2a", "mch_2b"]));
    assert_eq!(body["claims"]["tier"], 1);
    assert!(body["id"].as_str().unwrap().starts_with("mt_"));
    let resp = test::call_service(&app, get("/any", Some(&oauth_jwt))).await;
    assert_eq!(resp.status(), 200);
    let body = body_json(resp).await;
    assert_eq!(
        (body["tokenType"].as_str(), body["clientId"].as_str()),
        (Some("oauth_token"), Some("client_2"))
    );
    assert_eq!(body["scopes"], json!(["profile"]));
    // JWTs never reach the Backend API.
    assert_eq!(verify_calls(clerk, "/m2m_tokens/verify"), 1);
    assert_eq!(verify_calls(clerk, "/oauth_applications/access_tokens/verify"), 1);

    // A session on the same route, from the header.
    let resp = test::call_service(&app, get("/any", Some(&fixture.token()))).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(body_json(resp).await["userId"], fixture.user_id.as_str());

    // Session-only routes keep today's answers: opaque tokens are invalid session tokens,
    // machine JWTs a type mismatch; the middleware never calls the Backend API for them.
    let before = clerk.calls().total();
    let resp = test::call_service(&app, get("/data", Some(&key.secret))).await;
    assert_eq!(
        (
            resp.status().as_u16(),
            header(&resp, "x-clerk-auth-reason").as_deref()
        ),
        (401, Some("token-invalid"))
    );
    let resp = test::call_service(&app, get("/data", Some(&m2m_jwt))).await;
    assert_eq!(
        (
            resp.status().as_u16(),
            header(&resp, "x-clerk-auth-reason").as_deref()
        ),
        (401, Some("token-type-mismatch"))
    );
    assert_eq!(clerk.calls().total(), before);
}

#[actix_web::test]
async fn refusals_carry_clerks_reasons_and_messages() {
    let fixture = Fixture::dev();
    let clerk = &fixture.clerk;
    let machines = clerk.machine_tokens();
    let revoked = machines.api_key("user_2abc").issue();
    machines.revoke(&revoked.id, "leaked");
    let m2m = machines.m2m("mch_2x").issue();
    let app = test::init_service(app(fixture.sdk())).await;

    let refused = |path: &'static str, token: Option<String>| {
        let app = &app;
        async move {
            let resp = test::call_service(app, get(path, token.as_deref())).await;
            (
                resp.status().as_u16(),
                header(&resp, "x-clerk-auth-reason"),
                header(&resp, "x-clerk-auth-message"),
                header(&resp, "www-authenticate").is_some(),
            )
        }
    };
    let not_found = Some("API key not found (code=token-invalid, status=404)".to_owned());
    assert_eq!(
        refused("/any", Some("ak_unknown".into())).await,
        (401, Some("token-invalid".into()), not_found.clone(), true)
    );
    assert_eq!(
        refused("/any", Some(revoked.secret.clone())).await,
        (401, Some("token-invalid".into()), not_found.clone(), true)
    );
    // Malformed secrets get the same answer without a Backend API call.
    let calls_before = verify_calls(clerk, "/api_keys/verify") + verify_calls(clerk, "/m2m_tokens/verify");
    assert_eq!(
        refused("/any", Some("ak_not/a%secret".into())).await,
        (401, Some("token-invalid".into()), not_found, true)
    );
    assert_eq!(
        refused("/any", Some(format!("mt_{}", "a".repeat(600)))).await,
        (
            401,
            Some("token-invalid".into()),
            Some("Machine token not found (code=token-invalid, status=404)".into()),
            true
        )
    );
    assert_eq!(
        verify_calls(clerk, "/api_keys/verify") + verify_calls(clerk, "/m2m_tokens/verify"),
        calls_before,
        "malformed secrets are refused locally"
    );
    // Machines only: a session is a mismatch.
    assert_eq!(
        refused("/machine", Some(fixture.token())).await,
        (401, Some("token-type-mismatch".into()), None, true)
    );
    // One machine type: no header, another machine type.
    assert_eq!(
        refused("/keys-only", None).await,
        (401, Some("No token in header".into()), None, true)
    );
    assert_eq!(
        refused("/keys-only", Some(m2m.secret.clone())).await,
        (401, Some("token-type-mismatch".into()), None, true)
    );
    // `any` without a header falls back to the cookie session (a development instance: no
    // dev browser), signed out as a session.
    assert_eq!(
        refused("/any", None).await.1.as_deref(),
        Some("dev-browser-missing")
    );
}

#[actix_web::test]
async fn protect_accepts_scopes_and_guards() {
    let fixture = Fixture::dev();
    let machines = fixture.clerk.machine_tokens();
    let reader = machines.api_key("user_2abc").scopes(["reports:read"]).issue();
    let stranger = machines.api_key("user_2abc").scopes(["other"]).issue();
    let admin = machines.m2m("mch_2admin").scopes(["admin"]).issue();
    let app = test::init_service(app(fixture.sdk())).await;

    let resp = test::call_service(&app, get("/reports", Some(&reader.secret))).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(test::read_body(resp).await, "user_2abc api_key");
    let resp = test::call_service(&app, get("/reports", Some(&stranger.secret))).await;
    assert_eq!(resp.status(), 403);
    let resp = test::call_service(&app, get("/reports", Some(&fixture.token()))).await;
    assert_eq!(resp.status(), 401);
    assert_eq!(
        header(&resp, "x-clerk-auth-reason").as_deref(),
        Some("token-type-mismatch")
    );
    // The scope's Protect verified once; the two extractors reused it.
    assert_eq!(fixture.clerk.calls().count("POST", "/api_keys/verify"), 2);
    // A valid machine that fails the policy is 403 in Next.js-parity mode too (no Clerk answer
    // to copy: Next.js lets machines through); a session there is still refused 401.
    let resp = test::call_service(&app, get("/parity-reports", Some(&stranger.secret))).await;
    assert_eq!(resp.status(), 403);
    assert_eq!(header(&resp, "x-clerk-auth-reason"), None);
    let resp = test::call_service(&app, get("/parity-reports", Some(&reader.secret))).await;
    assert_eq!(resp.status(), 200);
    let resp = test::call_service(&app, get("/parity-reports", Some(&fixture.token()))).await;
    assert_eq!(resp.status(), 401);

    let route = |token: String| {
        let app = &app;
        async move { test::read_body(test::call_service(app, get("/ingest", Some(&token))).await).await }
    };
    assert_eq!(route(reader.secret.clone()).await, "key");
    assert_eq!(route(admin.secret.clone()).await, "admin");
    assert_eq!(route(fixture.token()).await, "other");
}

#[actix_web::test]
async fn one_backend_call_per_token_until_the_ttl_ends_then_revocation_applies() {
    // Issue 25, item 2: the cache reads the configured clock, so the TTL is checked to the
    // millisecond, with no real time passing.
    let fixture = Fixture::dev();
    let clerk = &fixture.clerk;
    let key = clerk.machine_tokens().api_key("user_2abc").issue();
    let ttl = Duration::from_secs(10);
    let start = SystemTime::now();
    let elapsed_ms = Arc::new(AtomicU64::new(0));
    let clock = {
        let elapsed_ms = Arc::clone(&elapsed_ms);
        move || start + Duration::from_millis(elapsed_ms.load(Ordering::SeqCst))
    };
    let sdk = fixture
        .config()
        .machine_token_cache_ttl(ttl)
        .clock(clock)
        .build()
        .unwrap();
    let app = test::init_service(app(sdk.clone())).await;
    let status_at = |ms: u64| {
        elapsed_ms.store(ms, Ordering::SeqCst);
        let app = &app;
        let secret = key.secret.clone();
        async move { test::call_service(app, get("/any", Some(&secret))).await.status() }
    };
    let calls = || clerk.calls().count("POST", "/api_keys/verify");

    // Concurrent first requests share one verification, cached from `start`.
    let requests = (0..20).map(|_| app.call(get("/any", Some(&key.secret))));
    for resp in futures_util::future::join_all(requests).await {
        assert_eq!(resp.unwrap().status(), 200);
    }
    for _ in 0..20 {
        assert_eq!(status_at(0).await, 200);
    }
    assert_eq!(calls(), 1);
    assert_eq!(sdk.stats().machine_tokens.verifications, 1);

    // Revoked: still served from the cache until the TTL ends, and refused at its end.
    clerk.machine_tokens().revoke(&key.id, "rotated");
    assert_eq!(status_at(ttl.as_millis() as u64 - 1).await, 200);
    assert_eq!(calls(), 1);
    assert_eq!(status_at(ttl.as_millis() as u64).await, 401);
    assert_eq!(calls(), 2);
    // The refusal is cached for a quarter of the TTL, from when it was reached.
    let refused_at = ttl.as_millis() as u64;
    assert_eq!(status_at(refused_at + 2_499).await, 401);
    assert_eq!(calls(), 2);
    assert_eq!(status_at(refused_at + 2_500).await, 401);
    assert_eq!(calls(), 3);
}

#[actix_web::test]
async fn a_token_is_never_served_past_its_expiry() {
    // Issue 25, item 2: on the configured clock, without waiting for the key to expire.
    let fixture = Fixture::dev();
    let clerk = &fixture.clerk;
    clerk.machine_tokens().answer_inactive(InactiveTokens::Flagged);
    let start = SystemTime::now();
    // Expires 3 s after `start` (plus however long issuing takes), within the 10 s TTL.
    let key = clerk
        .machine_tokens()
        .api_key("user_2abc")
        .expires_in(Duration::from_secs(3))
        .issue();
    let elapsed_ms = Arc::new(AtomicU64::new(0));
    let clock = {
        let elapsed_ms = Arc::clone(&elapsed_ms);
        move || start + Duration::from_millis(elapsed_ms.load(Ordering::SeqCst))
    };
    let sdk = fixture
        .config()
        .machine_token_cache_ttl(Duration::from_secs(10))
        .clock(clock)
        .build()
        .unwrap();
    let app = test::init_service(app(sdk)).await;
    assert_eq!(
        test::call_service(&app, get("/any", Some(&key.secret)))
            .await
            .status(),
        200
    );
    assert_eq!(clerk.calls().count("POST", "/api_keys/verify"), 1);
    // Past the key's expiry, within the TTL: verified again, and refused although Clerk (whose
    // clock has not moved) still answers `expired: false`.
    elapsed_ms.store(6_000, Ordering::SeqCst);
    let resp = test::call_service(&app, get("/any", Some(&key.secret))).await;
    assert_eq!(resp.status(), 401);
    assert_eq!(
        header(&resp, "x-clerk-auth-reason").as_deref(),
        Some("token-invalid")
    );
    assert_eq!(clerk.calls().count("POST", "/api_keys/verify"), 2);
}

#[actix_web::test]
async fn a_spent_machine_share_answers_503_and_caches_nothing() {
    let fixture = Fixture::dev();
    let clerk = &fixture.clerk;
    let key = clerk.machine_tokens().api_key("user_2abc").issue();
    // The least budget: one slot per share per 10 s.
    let sdk = fixture
        .config()
        .client_config(|c| c.rate_limit(RateLimit::new(5, Duration::from_secs(10))))
        .build()
        .unwrap();
    let app = test::init_service(app(sdk.clone())).await;

    let resp = test::call_service(&app, get("/any", Some("ak_random_1"))).await;
    assert_eq!(resp.status(), 401);
    for token in ["ak_random_2", "ak_random_2", key.secret.as_str()] {
        let resp = test::call_service(&app, get("/any", Some(token))).await;
        assert_eq!(resp.status(), 503, "{token}");
        assert_eq!(header(&resp, "retry-after").as_deref(), Some("1"));
    }
    assert_eq!(clerk.calls().count("POST", "/api_keys/verify"), 1);
    assert_eq!(sdk.stats().machine_tokens.cached_successes, 0);
    // Other shares are untouched: a session still works, the user API still has its slot.
    assert_eq!(
        test::call_service(&app, get("/data", Some(&fixture.token())))
            .await
            .status(),
        200
    );
    assert!(sdk.client().unwrap().users().get(&fixture.user_id).await.is_ok());
}

#[actix_web::test]
async fn the_oauth_audience_applies_as_clerk_applies_it() {
    let fixture = Fixture::dev();
    let machines = fixture.clerk.machine_tokens();
    let good = machines
        .oauth_token("user_2abc")
        .audience("https://api.example.com")
        .jwt();
    let none = machines.oauth_token("user_2abc").jwt();
    let opaque_other = machines
        .oauth_token("user_2abc")
        .audience(json!(["https://other"]))
        .issue();
    let sdk = fixture
        .config()
        .audience(["https://api.example.com"])
        .build()
        .unwrap();
    let app = test::init_service(app(sdk)).await;
    assert_eq!(
        test::call_service(&app, get("/any", Some(&good))).await.status(),
        200
    );
    let resp = test::call_service(&app, get("/any", Some(&none))).await;
    assert_eq!(resp.status(), 401);
    assert_eq!(
        header(&resp, "x-clerk-auth-reason").as_deref(),
        Some("token-verification-failed")
    );
    assert!(header(&resp, "x-clerk-auth-message")
        .unwrap()
        .starts_with("Invalid OAuth audience claim (aud) undefined."));
    let resp = test::call_service(&app, get("/any", Some(&opaque_other.secret))).await;
    assert_eq!(resp.status(), 401);
    assert!(header(&resp, "x-clerk-auth-message")
        .unwrap()
        .starts_with("OAuth audience mismatch."));
}

#[actix_web::test]
async fn the_client_manages_api_keys_and_m2m_tokens() {
    let fixture = Fixture::dev();
    let clerk = &fixture.clerk;
    let client = fixture.sdk().client().unwrap().clone();

    let created = client
        .api_keys()
        .create(&CreateApiKey::new("deploy-bot", "user_2abcdefghijklmnopqrstuvwxyz").scopes(["deploy"]))
        .await
        .expect("created");
    assert!(created.secret.starts_with("ak_") && !format!("{created:?}").contains(&created.secret));
    assert_eq!(
        client.api_keys().verify(&created.secret).await.unwrap().id,
        created.key.id
    );
    let listed = client
        .api_keys()
        .list("user_2abcdefghijklmnopqrstuvwxyz", false)
        .await
        .unwrap();
    assert_eq!(
        (listed.total_count, listed.data[0].scopes.clone()),
        (1, vec!["deploy".to_owned()])
    );
    let revoked = client
        .api_keys()
        .revoke(
            &created.key.id,
            &RevokeApiKey {
                revocation_reason: Some("done".to_owned()),
            },
        )
        .await
        .unwrap();
    assert!(revoked.revoked);
    assert!(client
        .api_keys()
        .verify(&created.secret)
        .await
        .unwrap_err()
        .is_not_found());
    assert_eq!(
        client
            .api_keys()
            .list("user_2abcdefghijklmnopqrstuvwxyz", false)
            .await
            .unwrap()
            .total_count,
        0
    );

    // M2M: a sender machine creates tokens for a receiver, which verifies them with its own key.
    let receiver = clerk.machine_tokens().machine(Vec::<String>::new());
    let sender = clerk.machine_tokens().machine([receiver.id.clone()]);
    let outsider = clerk.machine_tokens().machine(Vec::<String>::new());
    let sender_client = ClerkClient::new(
        clerk_actix::client::ClientConfig::new()
            .secret_key(clerk.secret_key())
            .api_url(clerk.base_url())
            .machine_secret_key(&sender.secret_key),
    )
    .unwrap();
    let opaque = sender_client
        .m2m()
        .create_token(&CreateM2mToken::default())
        .await
        .unwrap();
    assert!(opaque.token.starts_with("mt_") && opaque.info.subject == sender.id);
    let jwt = sender_client
        .m2m()
        .create_token(&CreateM2mToken {
            token_format: M2mTokenFormat::Jwt,
            ..CreateM2mToken::default()
        })
        .await
        .unwrap();
    assert_eq!(jwt.token.split('.').count(), 3);
    let outsider_client = ClerkClient::new(
        clerk_actix::client::ClientConfig::new()
            .secret_key(clerk.secret_key())
            .api_url(clerk.base_url())
            .machine_secret_key(&outsider.secret_key),
    )
    .unwrap();
    let stray = outsider_client
        .m2m()
        .create_token(&CreateM2mToken::default())
        .await
        .unwrap();
    assert!(
        client
            .m2m()
            .create_token(&CreateM2mToken::default())
            .await
            .is_err(),
        "the instance key cannot create"
    );

    let receiving = fixture
        .config()
        .client_config(|c| c.machine_secret_key(&receiver.secret_key))
        .build()
        .unwrap();
    let app = test::init_service(app(receiving)).await;
    for token in [&opaque.token, &jwt.token] {
        let resp = test::call_service(&app, get("/machine", Some(token))).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(test::read_body(resp).await, sender.id.as_str());
    }
    // Not granted to the receiver: Clerk answers 404 to its machine key.
    let resp = test::call_service(&app, get("/machine", Some(&stray.token))).await;
    assert_eq!(resp.status(), 401);
    let verify = clerk
        .calls()
        .requests()
        .into_iter()
        .filter(|r| r.path == "/m2m_tokens/verify")
        .count();
    assert_eq!(verify, 2);

    let listed = sender_client.m2m().list_tokens(&sender.id, false).await.unwrap();
    assert_eq!(listed.total_count, 1, "JWT tokens are not stored");
    sender_client
        .m2m()
        .revoke_token(&opaque.info.id, None)
        .await
        .unwrap();
    assert_eq!(
        sender_client
            .m2m()
            .list_tokens(&sender.id, false)
            .await
            .unwrap()
            .total_count,
        0
    );
    assert_eq!(
        sender_client
            .m2m()
            .list_tokens(&sender.id, true)
            .await
            .unwrap()
            .total_count,
        1
    );
}

#[actix_web::test]
async fn a_jwt_machine_token_is_verified_once_then_served_until_exp() {
    let fixture = Fixture::dev();
    let machines = fixture.clerk.machine_tokens();
    let jwt = machines.m2m("mch_2jwt").jwt();
    let short = machines
        .m2m("mch_2short")
        .expires_in(Duration::from_secs(60))
        .jwt();
    let (_, payload) = clerk_testkit::decode_unverified(&short).expect("a JWT");
    let exp = UNIX_EPOCH + Duration::from_secs(payload["exp"].as_u64().expect("exp"));
    // A clock the test sets: the caches are checked against the configured clock, never a sleep.
    let start = SystemTime::now();
    let now_ms = Arc::new(AtomicU64::new(0));
    let clock = |now_ms: &Arc<AtomicU64>| {
        let now_ms = Arc::clone(now_ms);
        move || UNIX_EPOCH + Duration::from_millis(now_ms.load(Ordering::SeqCst))
    };
    let set = |at: SystemTime| {
        now_ms.store(
            u64::try_from(at.duration_since(UNIX_EPOCH).unwrap().as_millis()).unwrap(),
            Ordering::SeqCst,
        );
    };
    set(start);
    let sdk = fixture.config().clock(clock(&now_ms)).build().unwrap();
    // The same instance without any token cache: the uncached path, for comparison.
    let uncached = fixture
        .config()
        .clock(clock(&now_ms))
        .token_cache_capacity(0)
        .build()
        .unwrap();
    let plain = test::init_service(app(uncached.clone())).await;
    let cached_app = test::init_service(app(sdk.clone())).await;
    let both = |path: &'static str, token: String| {
        let (cached_app, plain) = (&cached_app, &plain);
        async move {
            let cached = test::call_service(cached_app, get(path, Some(&token))).await;
            let fresh = test::call_service(plain, get(path, Some(&token))).await;
            let answer = |resp: &ServiceResponse<_>| {
                (
                    resp.status().as_u16(),
                    header(resp, "x-clerk-auth-reason"),
                    header(resp, "x-clerk-auth-message"),
                )
            };
            let (cached, fresh) = (answer(&cached), answer(&fresh));
            assert_eq!(cached, fresh, "{path}: the cache decided differently");
            cached.0
        }
    };
    for _ in 0..5 {
        assert_eq!(both("/machine", jwt.clone()).await, 200);
    }
    let stats = sdk.stats().machine_tokens;
    assert_eq!((stats.jwt_verifications, stats.cached_jwts), (1, 1));
    assert_eq!(stats.verifications, 0, "no Backend API verification for a JWT");
    assert_eq!(uncached.stats().machine_tokens.jwt_verifications, 5);
    // A cached token is routed as before: a route that takes API keys only, and a session-only
    // route, refuse it with Clerk's `token-type-mismatch`; nothing is verified again.
    for path in ["/keys-only", "/data", "/any", "/reports", "/ingest"] {
        both(path, jwt.clone()).await;
    }
    assert_eq!(sdk.stats().machine_tokens.jwt_verifications, 1);

    // Served from the cache up to `exp` plus the clock skew (5 s), exactly as a fresh check.
    let skew = Duration::from_secs(5);
    assert_eq!(both("/machine", short.clone()).await, 200);
    set(exp + skew - Duration::from_millis(1));
    assert_eq!(both("/machine", short.clone()).await, 200);
    assert_eq!(sdk.stats().machine_tokens.jwt_verifications, 2);
    set(exp + skew);
    assert_eq!(both("/machine", short.clone()).await, 401);
    let stats = sdk.stats().machine_tokens;
    assert_eq!(stats.jwt_verifications, 3, "an expired entry is verified again");
    assert_eq!(stats.cached_jwts, 1, "and forgotten");

    // However long a token lives, a remembered one is checked again once the JWKS TTL (5 min)
    // has passed since it was verified, as the uncached path would refetch the keys by then.
    set(start + Duration::from_secs(299));
    assert_eq!(both("/machine", jwt.clone()).await, 200);
    assert_eq!(sdk.stats().machine_tokens.jwt_verifications, 3);
    set(start + Duration::from_secs(301));
    assert_eq!(both("/machine", jwt.clone()).await, 200);
    assert_eq!(sdk.stats().machine_tokens.jwt_verifications, 4);
}
