//! `Auth`, organization permissions (fpm) and `has()` with Clerk's fail-closed rules.

mod common;

use clerk_core::{
    auth::decode_org_permissions, auth::AuthOptions, auth::VerificationLevel, verify::StaticKey, Auth, Check,
    JwtVerifier, Reverification,
};
use common::*;
use serde_json::{json, Value};

fn auth_with(extra: Value) -> Auth {
    let mut payload = session_payload(IAT);
    for (k, v) in extra.as_object().unwrap() {
        if v.is_null() {
            payload.as_object_mut().unwrap().remove(k);
        } else {
            payload[k] = v.clone();
        }
    }
    let token = Signer::contract().sign(&session_header(), &payload);
    let claims = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(JwtVerifier::new().verify(&token, &StaticKey(pem_key()), at(IAT + 1)))
        .unwrap();
    Auth::from_claims(claims, AuthOptions::default())
}

#[test]
fn all_fpm_vectors_decode_like_clerk() {
    let vectors = fixture("fpm_test_vectors.json");
    let cases = vectors["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 18);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let input = &case["input"];
        let got = decode_org_permissions(
            input["fea"].as_str(),
            input["o"]["per"].as_str(),
            input["o"]["fpm"].as_str(),
        );
        let want: Vec<String> = serde_json::from_value(case["expected_org_permissions"].clone()).unwrap();
        assert_eq!(got, want, "{name}");
        // The same through a signed token and Auth.
        let auth = auth_with(json!({"fea": input["fea"], "o": input["o"]}));
        assert_eq!(auth.org_permissions().unwrap(), want.as_slice(), "{name}");
        assert_eq!(auth.org_role(), case["expected_org_role"].as_str(), "{name}");
    }
}

#[test]
fn v1_organization_claims_are_read() {
    let auth = auth_with(json!({
        "v": null, "org_id": "org_1", "org_role": "org:admin", "org_slug": "acme",
        "org_permissions": ["org:posts:read"]
    }));
    assert_eq!(auth.org_id(), Some("org_1"));
    assert_eq!(auth.org_role(), Some("org:admin"));
    assert!(auth.has(&Check::new().permission("posts:read")));
    assert!(auth.has(&Check::new().role("admin")));
}

fn org_auth() -> Auth {
    auth_with(json!({
        "o": {"id": "org_1", "rol": "admin", "slg": "acme", "per": "read,manage", "fpm": "3,1"},
        "fea": "o:posts,o:billing,u:ai,ou:shared",
        "pla": "o:pro",
        "fva": [5, 30]
    }))
}

#[test]
fn roles_and_permissions_normalise_the_org_prefix() {
    let auth = org_auth();
    assert_eq!(
        auth.org_permissions().unwrap(),
        ["org:posts:read", "org:posts:manage", "org:billing:read"]
    );
    for role in ["admin", "org:admin", "org:org:admin"] {
        assert!(auth.has(&Check::new().role(role)), "{role}");
    }
    assert!(!auth.has(&Check::new().role("member")));
    assert!(auth.has(&Check::new().permission("posts:manage")));
    assert!(auth.has(&Check::new().permission("org:billing:read")));
    assert!(!auth.has(&Check::new().permission("billing:manage")));
    assert!(auth.has(&Check::new().role("admin").permission("posts:read")));
    assert!(!auth.has(&Check::new().role("admin").permission("billing:manage")));
    assert!(!auth.has(&Check::new().role("")));
}

/// An owned check (kept by a guard or protect policy, issue 11 item 9) answers as the
/// borrowed one built from the same names.
#[test]
fn owned_checks_answer_as_borrowed_ones() {
    let auth = org_auth();
    // (role, permission, feature, plan, expected answer); "" leaves the part out.
    let cases = [
        ("admin", "posts:read", "", "", true),
        ("org:admin", "billing:manage", "", "", false),
        ("", "", "posts", "pro", true),
        ("", "", "u:posts", "enterprise", false),
    ];
    for (role, permission, feature, plan, expected) in cases {
        let mut borrowed = Check::new();
        let mut owned: Check<'static> = Check::new();
        if !role.is_empty() {
            borrowed = borrowed.role(role);
            owned = owned.role(role.to_owned());
        }
        if !permission.is_empty() {
            borrowed = borrowed.permission(permission);
            owned = owned.permission(permission.to_owned());
        }
        if !feature.is_empty() {
            borrowed = borrowed.feature(feature);
            owned = owned.feature(feature.to_owned());
        }
        if !plan.is_empty() {
            borrowed = borrowed.plan(plan);
            owned = owned.plan(plan.to_owned());
        }
        assert_eq!(owned, borrowed);
        assert_eq!(
            auth.has(&borrowed),
            expected,
            "{role} {permission} {feature} {plan}"
        );
        assert_eq!(auth.has(&owned), expected, "{role} {permission} {feature} {plan}");
    }
    assert!(Check::new().is_empty());
    assert!(!Check::new().reverification(Reverification::Lax).is_empty());
}

#[test]
fn empty_checks_and_signed_out_are_false() {
    assert!(!org_auth().has(&Check::new()));
    let out = Auth::signed_out(clerk_core::Reason::TokenExpired, None);
    assert!(!out.has(&Check::new().role("admin")));
    // No organization: org checks fail, they are not skipped.
    let no_org = auth_with(json!({}));
    assert!(!no_org.has(&Check::new().role("admin")));
    assert!(!no_org.has(
        &Check::new()
            .permission("posts:read")
            .reverification(Reverification::Lax)
    ));
}

#[test]
fn an_empty_user_id_is_signed_in_but_has_nothing() {
    // Clerk signs a `sub: ""` session in, and its `has()` then refuses every check.
    let auth = auth_with(json!({"sub": "", "fva": [0, 0], "o": {"id": "org_1", "rol": "admin"}}));
    assert!(auth.is_authenticated());
    assert_eq!(auth.org_role(), Some("org:admin"));
    assert!(!auth.has(&Check::new().role("org:admin")));
    assert!(!auth.has(&Check::new().reverification(Reverification::Lax)));
}

#[test]
fn an_unknown_session_status_is_reported_as_sent() {
    let auth = auth_with(json!({"sts": "revoked"}));
    assert!(auth.is_authenticated());
    assert_eq!(auth.session_status().map(|s| s.as_str()), Some("revoked"));
}

#[test]
fn features_and_plans_respect_scopes() {
    let auth = org_auth();
    assert!(auth.has(&Check::new().feature("posts")));
    assert!(auth.has(&Check::new().feature("o:posts")));
    assert!(auth.has(&Check::new().feature("org:posts")));
    assert!(auth.has(&Check::new().feature("organization:posts")));
    assert!(!auth.has(&Check::new().feature("u:posts")));
    assert!(auth.has(&Check::new().feature("u:ai")));
    assert!(auth.has(&Check::new().feature("user:ai")));
    assert!(!auth.has(&Check::new().feature("o:ai")));
    assert!(auth.has(&Check::new().feature("o:shared")) && auth.has(&Check::new().feature("u:shared")));
    assert!(
        !auth.has(&Check::new().feature("x:posts")),
        "an unknown scope fails"
    );
    assert!(auth.has(&Check::new().plan("pro")));
    assert!(auth.has(&Check::new().plan("o:pro")));
    assert!(!auth.has(&Check::new().plan("u:pro")));
    assert!(auth.has(&Check::new().feature("posts").plan("pro")));
    assert!(!auth.has(&Check::new().feature("posts").plan("enterprise")));
    // Missing claims fail; a malformed claim element fails.
    assert!(!auth_with(json!({})).has(&Check::new().feature("posts")));
    assert!(!auth_with(json!({"fea": "posts"})).has(&Check::new().feature("posts")));
    assert!(!auth_with(json!({"fea": ""})).has(&Check::new().feature("posts")));
}

#[test]
fn reverification_presets_match_clerks_verified_cases() {
    // fva = [5, 30]: strict false, moderate true, lax true, strict_mfa false, {first_factor,10} true.
    let auth = org_auth();
    assert!(!auth.has(&Check::new().reverification(Reverification::Strict)));
    assert!(auth.has(&Check::new().reverification(Reverification::Moderate)));
    assert!(auth.has(&Check::new().reverification(Reverification::Lax)));
    assert!(!auth.has(&Check::new().reverification(Reverification::StrictMfa)));
    let first10 = Reverification::Custom {
        level: VerificationLevel::FirstFactor,
        after_minutes: 10,
    };
    assert!(auth.has(&Check::new().reverification(first10)));
    let invalid = Reverification::Custom {
        level: VerificationLevel::FirstFactor,
        after_minutes: 0,
    };
    assert!(!auth.has(&Check::new().reverification(invalid)));
    // Combined dimensions are an AND.
    assert!(auth.has(
        &Check::new()
            .role("admin")
            .reverification(Reverification::Moderate)
    ));
    assert!(!auth.has(&Check::new().role("admin").reverification(Reverification::Strict)));
}

#[test]
fn reverification_edge_cases_fail_closed() {
    let check =
        |fva: Value, r: Reverification| auth_with(json!({"fva": fva})).has(&Check::new().reverification(r));
    // No second factor enrolled: the first factor decides.
    assert!(check(json!([5, -1]), Reverification::Strict));
    assert!(check(json!([5, -1]), Reverification::StrictMfa));
    // Strictly greater: age 10 with after 10 is stale.
    assert!(!check(json!([10, -1]), Reverification::Strict));
    // First factor never verified: multi-factor fails, second factor decides for second_factor.
    assert!(!check(json!([-1, 5]), Reverification::StrictMfa));
    assert!(check(json!([-1, 5]), Reverification::Strict));
    // Both -1, malformed or missing: fail.
    assert!(!check(json!([-1, -1]), Reverification::Lax));
    assert!(!check(json!([5]), Reverification::Lax));
    assert!(!check(json!([5, -2]), Reverification::Lax));
    assert!(!check(json!("5,5"), Reverification::Lax));
    assert!(!check(Value::Null, Reverification::Lax));
    assert_eq!(Reverification::StrictMfa.to_json(), json!("strict_mfa"));
    assert_eq!(
        Reverification::Custom {
            level: VerificationLevel::SecondFactor,
            after_minutes: 5
        }
        .to_json(),
        json!({"level": "second_factor", "afterMinutes": 5})
    );
}

#[test]
fn custom_claims_and_actor_are_kept() {
    let auth = auth_with(json!({"tenant": "acme", "act": {"sub": "user_admin"}}));
    assert_eq!(auth.claims().unwrap().get_str("tenant"), Some("acme"));
    assert_eq!(auth.actor().unwrap()["sub"], "user_admin");
    let cloned = auth.clone();
    assert_eq!(cloned, auth);
}

/// Issue 10, item 3: `Debug` of a signed-in session shows identifiers only, never the other
/// claims (a custom session template may put an email address or metadata there).
#[test]
fn signed_in_debug_shows_identifiers_only() {
    let auth = auth_with(json!({"email": "ada@example.com", "org_id": null}));
    let signed_in = auth.signed_in().expect("signed in");

    let printed = format!("{signed_in:?}");

    assert!(!printed.contains("ada@example.com"), "{printed}");
    assert!(printed.contains(auth.user_id().unwrap_or("?")), "{printed}");
    assert!(!format!("{auth:?}").contains("ada@example.com"));
}
