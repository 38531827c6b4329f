//! The load test's reference points: one Actix worker whose only work per request is
//! - `/plain`: nothing (the same `text/plain` "ok" as the app's `/healthz`, no middleware): the
//!   framework's ceiling, what the app's own per-request stack is compared with;
//! - `/api/data`: a `jsonwebtoken` RS256 verification of the bearer token (claims parsed, `exp`
//!   checked) with a key parsed at start;
//! - `/bare_rsa`: the bare aws-lc-rs signature check of the same token with a pre-parsed key
//!   (split at the last dot, base64url-decode the signature, verify): the floor a Clerk-aware
//!   handler is compared with (`1/rps(api_data_no_token_cache) − 1/rps(bare_rsa)`).
//!
//! `bench-bare <port> <public-key.pem>`

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

struct Verifier {
    key: DecodingKey,
    validation: Validation,
    rsa: ParsedPublicKey,
}

fn bearer(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
}

async fn bare_rsa(req: HttpRequest, verifier: web::Data<Verifier>) -> HttpResponse {
    let verified = bearer(&req)
        .and_then(|token| token.rsplit_once('.'))
        .and_then(|(input, signature)| {
            let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(signature)
                .ok()?;
            verifier.rsa.verify_sig(input.as_bytes(), &signature).ok()
        });
    match verified {
        Some(()) => HttpResponse::Ok().json(serde_json::json!({ "verified": true })),
        None => HttpResponse::Unauthorized().finish(),
    }
}

async fn plain() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok")
}

async fn data(req: HttpRequest, verifier: web::Data<Verifier>) -> HttpResponse {
    let Some(token) = bearer(&req) else {
        return HttpResponse::Unauthorized().finish();
    };
    match jsonwebtoken::decode::<serde_json::Value>(token, &verifier.key, &verifier.validation) {
        Ok(data) => HttpResponse::Ok().json(serde_json::json!({ "userId": data.claims["sub"] })),
        Err(_) => HttpResponse::Unauthorized().finish(),
    }
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(8090);
    let pem_path = args
        .next()
        .unwrap_or_else(|| "crates/clerk-core/tests/fixtures/test_signing_key.public.pem".into());
    let pem = std::fs::read(&pem_path)?;
    let key = DecodingKey::from_rsa_pem(&pem).map_err(std::io::Error::other)?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.leeway = 5;
    let spki: String = std::str::from_utf8(&pem)
        .map_err(std::io::Error::other)?
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    let spki = base64::engine::general_purpose::STANDARD
        .decode(spki)
        .map_err(std::io::Error::other)?;
    let rsa = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, spki)
        .map_err(|_| std::io::Error::other("not an RSA public key"))?;
    let verifier = web::Data::new(Verifier { key, validation, rsa });
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(move || {
            App::new()
                .app_data(verifier.clone())
                .route("/api/data", web::get().to(data))
                .route("/bare_rsa", web::get().to(bare_rsa))
                .route("/plain", web::get().to(plain))
        })
        .workers(1)
        .bind(("127.0.0.1", port))?
        .run()
        .await
    })
}
