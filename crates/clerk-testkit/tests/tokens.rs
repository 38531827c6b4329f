//! Session-token minting: byte-identical to Clerk's example tokens, fpm masks, and the
//! broken variants verifiers must reject.

mod common;

use clerk_testkit::{decode_unverified, instance::Jwk, instance::OrgClaim, instance::RsaAlg, TestClerk};
use common::{fixture, Api};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};

fn fixed() -> TestClerk {
    TestClerk::builder()
        .fixed_instance()
        .start()
        .expect("emulator starts")
}

/// The signature checks out against the given JWKS (no claim checks).
fn verifies(jwt: &str, jwks: &[Jwk]) -> bool {
    let Ok(header) = jsonwebtoken::decode_header(jwt) else {
        return false;
    };
    let Some(jwk) = jwks.iter().find(|k| Some(&k.kid) == header.kid.as_ref()) else {
        return false;
    };
    let Ok(key) = DecodingKey::from_rsa_components(&jwk.n, &jwk.e) else {
        return false;
    };
    let mut validation = Validation::new(header.alg);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.required_spec_claims.clear();
    validation.algorithms = vec![Algorithm::RS256, Algorithm::RS384, Algorithm::RS512];
    jsonwebtoken::decode::<Value>(jwt, &key, &validation).is_ok()
}

#[test]
fn minted_tokens_are_byte_identical_to_the_contract_examples() {
    let clerk = fixed();
    let minter = clerk.minter();

    let basic = fixture("session_token.v2.basic.json");
    let jwt = minter
        .session_token("user_2zXmpL3UsrAbCdEfGhIjKlMnOpQ")
        .session_id("sess_2zf0Yw3ZkVn8qL1pT6rB9xD4sHa")
        .azp("http://localhost:3000")
        .issued_at(1_755_000_000)
        .fva(Some((85, -1)))
        .mint();
    assert_eq!(jwt, basic["jwt"].as_str().unwrap_or_default());

    let org = fixture("session_token.v2.active_org.json");
    let jwt = minter
        .session_token("user_2zXmpL3UsrAbCdEfGhIjKlMnOpQ")
        .session_id("sess_2zf0Yw3ZkVn8qL1pT6rB9xD4sHa")
        .azp("http://localhost:3000")
        .issued_at(1_755_000_000)
        .fva(Some((3, 3)))
        .org(
            OrgClaim::new("org_2zf1AbCdEfGhIjKlMnOpQrStUvW")
                .slug("acme")
                .role("org:admin"),
        )
        .features(["u:beta", "o:dashboard", "o:teams"])
        .permissions(["org:dashboard:manage", "org:dashboard:read", "org:teams:read"])
        .plan("o:pro")
        .jti("aee4d4a5071bdd66e21b")
        .mint();
    assert_eq!(jwt, org["jwt"].as_str().unwrap_or_default());

    let imp = fixture("session_token.v2.impersonated_pending.json");
    let jwt = minter
        .session_token("user_2zXmpL3UsrAbCdEfGhIjKlMnOpQ")
        .session_id("sess_2zf0Yw3ZkVn8qL1pT6rB9xD4sHa")
        .azp("http://localhost:3000")
        .issued_at(1_755_000_000)
        .status(Some("pending"))
        .plan("u:free_user")
        .actor(
            "user_2zf2ImpersonatorUser0000001",
            "sess_2zf2ImpersonatorSession0001",
        )
        .jti("004f0096e5cd44911924")
        .mint();
    assert_eq!(jwt, imp["jwt"].as_str().unwrap_or_default());
}

#[test]
fn header_and_payload_are_exactly_as_clerk_signs_them() {
    let clerk = fixed();
    let jwt = clerk
        .minter()
        .session_token("user_1")
        .session_id("sess_1")
        .issued_at(1_700_000_000)
        .claim("tier", "gold")
        .mint();
    let header_segment = jwt.split('.').next().unwrap_or_default();
    let header = base64_decode(header_segment);
    assert_eq!(
        header,
        r#"{"alg":"RS256","cat":"cl_B7d4PD111AAA","kid":"ins_2zeTestInstanceKid000000000","typ":"JWT"}"#
    );
    let payload = base64_decode(jwt.split('.').nth(1).unwrap_or_default());
    assert_eq!(
        payload,
        r#"{"exp":1700000060,"fva":[0,-1],"iat":1700000000,"iss":"https://happy-hippo-42.clerk.accounts.dev","nbf":1699999990,"sid":"sess_1","sts":"active","sub":"user_1","tier":"gold","v":2}"#
    );
}

fn base64_decode(segment: &str) -> String {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .expect("base64url");
    String::from_utf8(bytes).expect("utf-8")
}

#[test]
fn fpm_masks_follow_the_docs_example() {
    let clerk = fixed();
    let jwt = clerk
        .minter()
        .session_token("user_1")
        .org(OrgClaim::new("org_1").role("admin"))
        .features(["o:dashboard", "o:teams"])
        .permissions(["org:dashboard:manage", "org:dashboard:read", "org:teams:read"])
        .mint();
    let (_, payload) = decode_unverified(&jwt).expect("decodes");
    assert_eq!(payload["fea"], "o:dashboard,o:teams");
    assert_eq!(
        payload["o"],
        json!({"fpm": "3,2", "id": "org_1", "per": "manage,read", "rol": "admin"})
    );
}

/// Decodes `fpm` the way `@clerk/shared` does, for the round trip below.
fn decode_permissions(payload: &Value) -> Vec<String> {
    let per: Vec<&str> = payload["o"]["per"].as_str().unwrap_or("").split(',').collect();
    let org_features: Vec<&str> = payload["fea"]
        .as_str()
        .unwrap_or("")
        .split(',')
        .filter_map(|f| f.split_once(':'))
        .filter(|(scope, _)| matches!(*scope, "o" | "ou" | "uo"))
        .map(|(_, name)| name)
        .collect();
    let masks: Vec<u128> = payload["o"]["fpm"]
        .as_str()
        .unwrap_or("")
        .split(',')
        .map(|m| m.parse().unwrap_or(0))
        .collect();
    let mut out = Vec::new();
    for (i, feature) in org_features.iter().enumerate() {
        let Some(mask) = masks.get(i) else { continue };
        for (j, name) in per.iter().enumerate() {
            if mask >> j & 1 == 1 {
                out.push(format!("org:{feature}:{name}"));
            }
        }
    }
    out
}

#[test]
fn fpm_round_trips_through_the_js_decoding_algorithm() {
    let clerk = fixed();
    for case in fixture("fpm_test_vectors.json")["cases"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let expected: Vec<String> = case["expected_org_permissions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p.as_str().map(str::to_owned))
            .collect();
        if expected.is_empty() {
            continue;
        }
        let jwt = clerk
            .minter()
            .session_token("user_1")
            .org(OrgClaim::new("org_1"))
            .features(["u:beta", "o:unused"])
            .permissions(expected.clone())
            .mint();
        let (_, payload) = decode_unverified(&jwt).expect("decodes");
        let mut decoded = decode_permissions(&payload);
        let mut want = expected.clone();
        decoded.sort();
        want.sort();
        assert_eq!(decoded, want, "case {}", case["name"]);
        assert!(payload["fea"].as_str().unwrap_or("").ends_with("u:beta"));
    }
}

#[actix_rt::test]
async fn minted_tokens_verify_against_the_served_jwks_and_broken_ones_do_not() {
    let clerk = TestClerk::start().expect("emulator starts");
    let api = Api::new(&clerk);
    let jwks: Vec<Jwk> =
        serde_json::from_value(api.get("/v1/jwks").await.body["keys"].clone()).expect("jwks");
    let minter = clerk.minter();
    let good = minter.session_token("user_1").mint();
    assert!(verifies(&good, &jwks));
    assert!(verifies(
        &minter.session_token("user_1").algorithm(RsaAlg::Rs512).mint(),
        &jwks
    ));
    assert!(!verifies(
        &minter.session_token("user_1").wrong_key().mint(),
        &jwks
    ));
    assert!(!verifies(
        &minter.session_token("user_1").tampered().mint(),
        &jwks
    ));

    let (header, _) = decode_unverified(&minter.session_token("u").wrong_key().mint()).expect("jwt");
    assert_eq!(header["kid"], clerk.instance().kid(), "wrong key keeps the kid");

    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    let claims = |jwt: String| decode_unverified(&jwt).expect("jwt").1;
    let expired = claims(minter.session_token("u").expired().mint());
    assert!(expired["exp"].as_i64().unwrap_or(i64::MAX) < now);
    let early = claims(minter.session_token("u").not_yet_valid().mint());
    assert!(early["nbf"].as_i64().unwrap_or_default() > now);
    let future = claims(minter.session_token("u").issued_in_future().mint());
    assert!(future["iat"].as_i64().unwrap_or_default() > now);
    assert!(future["nbf"].as_i64().unwrap_or(i64::MAX) <= now);
    let wrong_iss = claims(minter.session_token("u").wrong_issuer().mint());
    assert_ne!(wrong_iss["iss"], clerk.issuer());

    let tweaked = minter
        .session_token("u")
        .header_typ(None)
        .header_cat(Some("cl_B7d4PD333AAA"))
        .header_alg("HS256")
        .without_claim("v")
        .mint();
    let (header, payload) = decode_unverified(&tweaked).expect("jwt");
    assert_eq!(
        header,
        json!({"alg": "HS256", "cat": "cl_B7d4PD333AAA", "kid": clerk.instance().kid()})
    );
    assert!(payload.get("v").is_none());
}

#[test]
fn an_instance_rebuilt_from_its_saved_private_key_mints_tokens_the_old_jwks_verifies() {
    let first = TestClerk::start().expect("emulator starts");
    let saved = first.instance().signing_key().private_key_pem().expect("pem");
    assert!(saved.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    let key =
        clerk_testkit::instance::SigningKey::from_pem(first.instance().kid(), &saved).expect("reads back");
    assert_eq!(key.jwk(), first.instance().signing_key().jwk());
    let instance = first.instance().clone().with_signing_key(key);
    let second = TestClerk::builder()
        .instance(instance)
        .start()
        .expect("emulator starts");
    let token = second.minter().session_token("user_1").mint();
    assert!(verifies(&token, &[first.instance().signing_key().jwk()]));
}
