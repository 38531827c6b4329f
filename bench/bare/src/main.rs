//! The load test's reference point: one Actix worker whose only work per request is a
//! `jsonwebtoken` RS256 verification of the bearer token with a key parsed at start.
//!
//! `bench-bare <port> <public-key.pem>`

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

struct Verifier {
    key: DecodingKey,
    validation: Validation,
}

async fn data(req: HttpRequest, verifier: web::Data<Verifier>) -> HttpResponse {
    let token = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let Some(token) = token else {
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
    let verifier = web::Data::new(Verifier { key, validation });
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(move || {
            App::new()
                .app_data(verifier.clone())
                .route("/api/data", web::get().to(data))
        })
        .workers(1)
        .bind(("127.0.0.1", port))?
        .run()
        .await
    })
}
