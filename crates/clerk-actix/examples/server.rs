//! A minimal Clerk-protected API with clerk-actix.
//!
//! Against a Clerk instance: set `CLERK_SECRET_KEY`, `CLERK_PUBLISHABLE_KEY` and
//! `CLERK_AUTHORIZED_PARTIES` (your frontend's origins), then
//! `cargo run -p clerk-actix --example server` and call it with a session token from your
//! frontend. It listens on 127.0.0.1, port `PORT` (8080 unless set), and says so on stdout.
//!
//! Without a Clerk instance, end to end with the offline emulator (TEST-ONLY keys):
//!
//! ```sh
//! # 1. The emulator with one user. It prints its settings (CLERK_API_URL, CLERK_PUBLISHABLE_KEY,
//! #    CLERK_SECRET_KEY, …) and SESSION_TOKEN, an hour-long token for that user whose `azp`
//! #    (origin) is http://localhost:3000 (`--azp` changes it).
//! cargo run -p clerk-testkit -- serve --port 8787 --users 1 > /tmp/clerk-testkit.env &
//! sleep 2; cat /tmp/clerk-testkit.env   # (the first build takes longer: wait for the lines)
//! set -a; . /tmp/clerk-testkit.env; set +a
//!
//! # 2. This server, pointed at it; the authorized parties list the token's origin.
//! CLERK_AUTHORIZED_PARTIES=http://localhost:3000 PORT=8080 \
//!     cargo run -p clerk-actix --example server &
//!
//! # 3. Call it.
//! curl -s http://127.0.0.1:8080/                                              # signedIn: false
//! curl -s -H "Authorization: Bearer $SESSION_TOKEN" http://127.0.0.1:8080/data  # the user id
//! curl -s -H "Authorization: Bearer $SESSION_TOKEN" http://127.0.0.1:8080/me    # the user (Backend API)
//! ```
//!
//! More tokens: the emulator's Backend API mints them (`POST /v1/sessions` with a `user_id`, then
//! `POST /v1/sessions/{id}/tokens`, with `Authorization: Bearer $CLERK_SECRET_KEY`), without
//! `azp`: for those, leave `CLERK_AUTHORIZED_PARTIES` unset (an empty list checks no origin).

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
    let port = match std::env::var("PORT") {
        Ok(port) => match port.parse::<u16>() {
            Ok(port) => port,
            Err(_) => {
                eprintln!("configuration: PORT: {port:?} is not a port number");
                std::process::exit(2);
            }
        },
        Err(_) => 8080,
    };
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(clerk.clone()))
            .route("/", web::get().to(status))
            .route("/data", web::get().to(data))
            .route("/me", web::get().to(me))
            .route("/hello", web::get().to(greeting))
            // Guards route: org admins get their own handler for the same path.
            .service(
                web::resource("/dashboard")
                    .guard(guards::has(Check::new().role("admin")))
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
    .bind(("127.0.0.1", port))?;
    for addr in server.addrs() {
        println!("clerk-actix example server listening on http://{addr}");
    }
    server.run().await
}
