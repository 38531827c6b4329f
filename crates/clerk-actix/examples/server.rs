//! A minimal Clerk-protected API with clerk-actix.
//!
//! ```sh
//! CLERK_SECRET_KEY=sk_test_… CLERK_PUBLISHABLE_KEY=pk_test_… \
//! CLERK_AUTHORIZED_PARTIES=http://localhost:3000 \
//!     cargo run -p clerk-actix --example server
//! curl -H "Authorization: Bearer $SESSION_TOKEN" http://127.0.0.1:8080/me
//! ```
//!
//! Without Clerk keys at hand, `cargo run -p clerk-testkit -- serve --port 8787 --users 1` prints a
//! development instance's keys and URL (set `CLERK_API_URL` to it).

use actix_web::{guard, web, App, HttpResponse, HttpServer};
use clerk_actix::{
    guards, Authenticated, ClerkAuth, ClerkConfig, ClerkMiddleware, CurrentUser, MaybeAuth, Protect,
};
use clerk_core::{Check, Reverification};

/// Anyone: says whether the caller is signed in (Clerk's `auth()`).
async fn status(auth: ClerkAuth) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({
        "signedIn": auth.is_authenticated(),
        "userId": auth.user_id(),
        "reason": auth.outcome().reason().map(|r| r.as_str()),
    }))
}

/// Signed in only (401 + `WWW-Authenticate: Bearer` otherwise).
async fn data(auth: Authenticated) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({
        "userId": auth.user_id(),
        "sessionId": auth.session_id(),
        "orgId": auth.org_id(),
        "canReadReports": auth.has(&Check::new().permission("reports:read")),
    }))
}

/// Clerk's `currentUser()`: the user from the Backend API, never `private_metadata`.
async fn me(user: CurrentUser) -> HttpResponse {
    HttpResponse::Ok().json(user.to_public())
}

/// Optional auth: anonymous callers are welcome, a bad token is not.
async fn greeting(auth: MaybeAuth) -> HttpResponse {
    match auth.0 {
        Some(auth) => HttpResponse::Ok().body(format!("hello {}", auth.user_id())),
        None => HttpResponse::Ok().body("hello stranger"),
    }
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let clerk = match ClerkConfig::from_env().and_then(ClerkConfig::build) {
        Ok(clerk) => clerk,
        Err(err) => {
            eprintln!("configuration: {err}");
            std::process::exit(2);
        }
    };
    HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(clerk.clone()))
            .route("/", web::get().to(status))
            .route("/data", web::get().to(data))
            .route("/me", web::get().to(me))
            .route("/hello", web::get().to(greeting))
            // Guards route: org admins get their own handler for the same path.
            .service(
                web::resource("/dashboard")
                    .guard(guards::role("admin"))
                    .to(|| async { HttpResponse::Ok().body("admin dashboard") }),
            )
            .service(
                web::resource("/dashboard")
                    .guard(guard::Get())
                    .to(|| async { HttpResponse::Ok().body("member dashboard") }),
            )
            // Protect answers: 401 signed out, 403 without the permission, 403 with Clerk's
            // reverification body when the second factor is older than 10 minutes.
            .service(
                web::scope("/billing")
                    .wrap(
                        Protect::signed_in()
                            .permission("billing:manage")
                            .reverification(Reverification::Strict),
                    )
                    .route("", web::post().to(HttpResponse::NoContent)),
            )
            .wrap(ClerkMiddleware::new(clerk.clone()))
    })
    .bind(("127.0.0.1", 8080))?
    .run()
    .await
}
