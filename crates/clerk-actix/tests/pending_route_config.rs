//! A route's [`ClerkAuthConfig`] (Clerk's `auth({ treatPendingAsSignedOut })` for the route) is
//! what `AnyAuth` and the guards see, as the session extractors do: a pending session passes
//! where the route says `false`, and is signed out where it says `true` against the app's
//! setting.

mod common;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::test;
use actix_web::{guard, web, App, HttpResponse};
use clerk_actix::guards::{self, AuthExt as _};
use clerk_actix::{AnyAuth, ClerkAuthConfig, ClerkConfig, ClerkMiddleware};
use common::{get, Fixture};

async fn any(auth: AnyAuth) -> HttpResponse {
    match auth {
        AnyAuth::Session(session) => HttpResponse::Ok().body(session.user_id().to_owned()),
        AnyAuth::Machine(_) => HttpResponse::Ok().body("machine"),
    }
}

/// `/<prefix>/...` routes under `config` (none: the app's setting): `AnyAuth`, a route guard,
/// a resource guard (the scope's options), and a `fn_guard` over `AuthExt`.
fn routes(prefix: &str, config: Option<ClerkAuthConfig>) -> actix_web::Scope {
    let scope = web::scope(prefix);
    let scope = match config {
        Some(config) => scope.app_data(config),
        None => scope,
    };
    scope
        .route("/any", web::get().to(any))
        .service(
            web::resource("/home")
                .route(
                    web::get()
                        .guard(guards::signed_in())
                        .to(|| async { HttpResponse::Ok().body("dashboard") }),
                )
                .route(web::get().to(|| async { HttpResponse::Ok().body("landing") })),
        )
        .service(
            web::resource("/guarded")
                .guard(guards::signed_in())
                .to(|| async { HttpResponse::Ok().body("in") }),
        )
        .service(
            web::resource("/ext")
                .guard(guard::fn_guard(|ctx| {
                    ctx.clerk_auth().is_some_and(|auth| auth.is_authenticated())
                }))
                .to(|| async { HttpResponse::Ok().body("in") }),
        )
}

macro_rules! app {
    ($config:expr) => {{
        let clerk: ClerkConfig = $config;
        test::init_service(
            App::new()
                .service(routes(
                    "/tasks",
                    Some(ClerkAuthConfig::default().treat_pending_as_signed_out(false)),
                ))
                .service(routes(
                    "/strict",
                    Some(ClerkAuthConfig::default().treat_pending_as_signed_out(true)),
                ))
                .service(routes("/default", None))
                // A resource's own options reach the guards of its routes.
                .service(
                    web::resource("/resource-tasks")
                        .app_data(ClerkAuthConfig::default().treat_pending_as_signed_out(false))
                        .route(
                            web::get()
                                .guard(guards::signed_in())
                                .to(|| async { HttpResponse::Ok().body("dashboard") }),
                        )
                        .route(web::get().to(|| async { HttpResponse::Ok().body("landing") })),
                )
                .wrap(ClerkMiddleware::new(clerk.build().expect("valid configuration"))),
        )
        .await
    }};
}

async fn body<S, B>(app: &S, path: &str, token: &str) -> (StatusCode, String)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let resp = test::call_service(app, get(path, Some(token))).await;
    let status = resp.status();
    let body = test::read_body(resp).await;
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[actix_rt::test]
async fn a_route_that_lets_pending_sessions_in_is_seen_so_by_any_auth_and_the_guards() {
    let fx = Fixture::prod();
    // The app's setting: a pending session is signed out (Clerk's default).
    let app = app!(fx.config());
    let pending = fx.pending_token();
    assert_eq!(
        body(&app, "/tasks/any", &pending).await,
        (StatusCode::OK, fx.user_id.clone())
    );
    assert_eq!(
        body(&app, "/tasks/home", &pending).await,
        (StatusCode::OK, "dashboard".to_owned())
    );
    assert_eq!(body(&app, "/tasks/guarded", &pending).await.0, StatusCode::OK);
    assert_eq!(body(&app, "/tasks/ext", &pending).await.0, StatusCode::OK);
    assert_eq!(
        body(&app, "/resource-tasks", &pending).await,
        (StatusCode::OK, "dashboard".to_owned())
    );
    // Elsewhere the app's setting holds.
    for prefix in ["/default", "/strict"] {
        assert_eq!(
            body(&app, &format!("{prefix}/any"), &pending).await.0,
            StatusCode::UNAUTHORIZED,
            "{prefix}/any"
        );
        assert_eq!(
            body(&app, &format!("{prefix}/home"), &pending).await,
            (StatusCode::OK, "landing".to_owned()),
            "{prefix}/home"
        );
        assert_eq!(
            body(&app, &format!("{prefix}/guarded"), &pending).await.0,
            StatusCode::NOT_FOUND,
            "{prefix}/guarded"
        );
        assert_eq!(
            body(&app, &format!("{prefix}/ext"), &pending).await.0,
            StatusCode::NOT_FOUND,
            "{prefix}/ext"
        );
    }
    // An active session passes everywhere.
    let active = fx.token();
    for prefix in ["/tasks", "/strict", "/default"] {
        assert_eq!(
            body(&app, &format!("{prefix}/any"), &active).await.0,
            StatusCode::OK,
            "{prefix}/any"
        );
        assert_eq!(
            body(&app, &format!("{prefix}/home"), &active).await.1,
            "dashboard",
            "{prefix}/home"
        );
    }
}

#[actix_rt::test]
async fn a_route_that_treats_pending_as_signed_out_overrides_the_app_setting() {
    let fx = Fixture::prod();
    // The app lets pending sessions in; `/strict` does not.
    let app = app!(fx.config().treat_pending_as_signed_out(false));
    let pending = fx.pending_token();
    assert_eq!(
        body(&app, "/strict/any", &pending).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(body(&app, "/strict/home", &pending).await.1, "landing");
    assert_eq!(
        body(&app, "/strict/guarded", &pending).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(body(&app, "/strict/ext", &pending).await.0, StatusCode::NOT_FOUND);
    for prefix in ["/default", "/tasks"] {
        assert_eq!(
            body(&app, &format!("{prefix}/any"), &pending).await.0,
            StatusCode::OK,
            "{prefix}/any"
        );
        assert_eq!(
            body(&app, &format!("{prefix}/home"), &pending).await.1,
            "dashboard",
            "{prefix}/home"
        );
        assert_eq!(
            body(&app, &format!("{prefix}/guarded"), &pending).await.0,
            StatusCode::OK,
            "{prefix}/guarded"
        );
    }
}
