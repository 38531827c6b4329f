//! The protect decision per mode, page flag, policy URL and pending setting.

use super::{ProtectMode, ProtectPolicy, ProtectVerdict};
use crate::api::ApiKey;
use crate::auth::AuthOptions;
use crate::error::TokenCarrier;
use crate::machine::MachineIdentity;
use crate::request::{RequestOutcome, RequestReason, Token};
use crate::{Auth, Reverification, VerifiedClaims};

const SIGN_IN: &str = "https://accounts.example.com/sign-in";

fn session(payload: serde_json::Value) -> RequestOutcome {
    let claims = VerifiedClaims::unverified_for_test(&payload.to_string());
    let auth = Auth::from_claims(claims, AuthOptions::default());
    RequestOutcome::signed_in(auth, Token::new("t"), TokenCarrier::Header)
}

fn member(status: &str) -> RequestOutcome {
    session(serde_json::json!({
        "sub": "user_1", "sid": "sess_1", "sts": status, "v": 2,
        "o": {"id": "org_1", "rol": "member", "per": "read", "fpm": "1"},
        "fva": [30, 30],
    }))
}

fn signed_out() -> RequestOutcome {
    RequestOutcome::signed_out(RequestReason::SessionTokenAndUatMissing, None, None, false)
}

/// The verdict's name, and the URL it carries.
fn answer(policy: &ProtectPolicy, outcome: &RequestOutcome, page: bool) -> (&'static str, String) {
    let sign_in = |pending: bool| Some(format!("{SIGN_IN}?pending={pending}"));
    match policy.evaluate(outcome, ProtectMode::Api, page, sign_in) {
        ProtectVerdict::Allow => ("allow", String::new()),
        ProtectVerdict::Unauthenticated(seen) => ("401", format!("{:?}", seen.auth().is_authenticated())),
        ProtectVerdict::RedirectToSignIn(url) => ("sign-in", url),
        ProtectVerdict::Redirect(url) => ("redirect", url),
        ProtectVerdict::NotFound => ("404", String::new()),
        ProtectVerdict::Forbidden => ("403", String::new()),
        ProtectVerdict::ReverificationRequired(level) => ("reverify", format!("{level:?}")),
    }
}

#[test]
fn signed_out_is_answered_per_mode_and_page() {
    let out = signed_out();
    let cases = [
        (ProtectMode::Api, false, "401"),
        (ProtectMode::Api, true, "401"),
        (ProtectMode::NextJsParity, false, "404"),
        (ProtectMode::NextJsParity, true, "sign-in"),
        (ProtectMode::Redirect, false, "401"),
        (ProtectMode::Redirect, true, "sign-in"),
    ];
    for (mode, page, expected) in cases {
        let policy = ProtectPolicy::signed_in().mode(mode);
        assert_eq!(answer(&policy, &out, page).0, expected, "{mode:?} page={page}");
    }
    // No sign-in URL known: a page request is answered as any other.
    for (mode, expected) in [(ProtectMode::NextJsParity, "404"), (ProtectMode::Redirect, "401")] {
        let verdict = ProtectPolicy::signed_in()
            .mode(mode)
            .evaluate(&out, ProtectMode::Api, true, |_| None);
        let got = match verdict {
            ProtectVerdict::NotFound => "404",
            ProtectVerdict::Unauthenticated(_) => "401",
            other => panic!("{other:?}"),
        };
        assert_eq!(got, expected, "{mode:?}");
    }
}

#[test]
fn the_default_mode_answers_when_the_policy_sets_none() {
    let verdict =
        ProtectPolicy::signed_in().evaluate(&signed_out(), ProtectMode::NextJsParity, false, |_| None);
    assert!(matches!(verdict, ProtectVerdict::NotFound), "{verdict:?}");
}

#[test]
fn policy_urls_win_over_every_mode() {
    let policy = |mode| {
        ProtectPolicy::signed_in()
            .role("admin")
            .unauthenticated_url("/welcome")
            .unauthorized_url("/ask")
            .mode(mode)
    };
    for mode in [ProtectMode::Api, ProtectMode::NextJsParity, ProtectMode::Redirect] {
        for page in [false, true] {
            assert_eq!(
                answer(&policy(mode), &signed_out(), page),
                ("redirect", "/welcome".into())
            );
            assert_eq!(
                answer(&policy(mode), &member("active"), page),
                ("redirect", "/ask".into())
            );
        }
    }
}

#[test]
fn a_failed_requirement_is_403_or_404_in_next_js_parity() {
    let active = member("active");
    assert_eq!(
        answer(&ProtectPolicy::signed_in().role("admin"), &active, false).0,
        "403"
    );
    let parity = ProtectPolicy::signed_in()
        .role("admin")
        .mode(ProtectMode::NextJsParity);
    assert_eq!(answer(&parity, &active, true).0, "404");
    assert_eq!(
        answer(&ProtectPolicy::signed_in().role("member"), &active, false).0,
        "allow"
    );
    assert_eq!(
        answer(&ProtectPolicy::signed_in().check(|_| false), &active, false).0,
        "403"
    );
    assert_eq!(
        answer(
            &ProtectPolicy::signed_in().check(|a| a.is_authenticated()),
            &active,
            false
        )
        .0,
        "allow"
    );
    // A session carries no scopes.
    assert_eq!(
        answer(&ProtectPolicy::signed_in().scope("read"), &active, false).0,
        "403"
    );
}

#[test]
fn reverification_has_its_own_answer() {
    let stale = member("active");
    let policy = ProtectPolicy::signed_in().reverification(Reverification::Strict);
    let (verdict, level) = answer(&policy, &stale, false);
    assert_eq!((verdict, level.as_str()), ("reverify", "Strict"));
    let redirected = policy.unauthorized_url("/again");
    assert_eq!(answer(&redirected, &stale, false), ("redirect", "/again".into()));
}

#[test]
fn a_pending_session_is_signed_out_unless_the_policy_says_otherwise() {
    let pending = member("pending");
    let policy = ProtectPolicy::signed_in().mode(ProtectMode::Redirect);
    // Sent to sign in (which sends a pending session to its tasks).
    assert_eq!(
        answer(&policy, &pending, true),
        ("sign-in", format!("{SIGN_IN}?pending=true"))
    );
    assert_eq!(answer(&policy, &pending, false), ("401", "false".into()));
    let tasks = policy.treat_pending_as_signed_out(false);
    assert_eq!(answer(&tasks, &pending, true).0, "allow");
    // And the other way: an outcome authenticated with pending seen as signed in.
    let seen_in = RequestOutcome::treat_pending_as_signed_out(&pending, false);
    let strict = ProtectPolicy::signed_in().treat_pending_as_signed_out(true);
    assert_eq!(answer(&strict, &seen_in, false), ("401", "false".into()));
    assert_eq!(answer(&ProtectPolicy::signed_in(), &seen_in, false).0, "allow");
}

#[test]
fn a_machine_token_passes_on_scopes_only() {
    let key: ApiKey = serde_json::from_value(serde_json::json!({
        "id": "ak_1", "subject": "mch_1", "scopes": ["read", "write"]
    }))
    .unwrap();
    let machine = MachineIdentity::from_api_key(&key);
    let allowed = |policy: ProtectPolicy| matches!(policy.evaluate_machine(&machine), ProtectVerdict::Allow);
    assert!(allowed(ProtectPolicy::signed_in()));
    assert!(allowed(ProtectPolicy::signed_in().scope("read").scope("write")));
    assert!(!allowed(ProtectPolicy::signed_in().scope("read").scope("admin")));
    // Everything that goes through `has()` fails closed, in every mode.
    assert!(!allowed(ProtectPolicy::signed_in().role("admin")));
    assert!(!allowed(ProtectPolicy::signed_in().check(|_| true)));
    assert!(!allowed(
        ProtectPolicy::signed_in().reverification(Reverification::Lax)
    ));
    assert!(!allowed(
        ProtectPolicy::signed_in()
            .permission("read")
            .mode(ProtectMode::NextJsParity)
    ));
}
