//! Shared helpers: an offline Clerk and a small app exercising every extractor.
#![allow(dead_code)]

pub mod backend_client;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{guard, web, App, HttpResponse};
use clerk_actix::{
    guards, Authenticated, Clerk, ClerkAuth, ClerkConfig, ClerkProps, CurrentUser, MaybeAuth, Protect,
    ProtectMode,
};
use clerk_core::{Check, Reverification};
use clerk_testkit::{NewUser, TestClerk};
use serde_json::{json, Value};

pub const ORIGIN: &str = "http://localhost:3000";

pub struct Fixture {
    pub clerk: TestClerk,
    pub user_id: String,
}

impl Fixture {
    pub fn dev() -> Self {
        Self::start(TestClerk::builder())
    }

    pub fn prod() -> Self {
        Self::start(TestClerk::builder().production())
    }

    fn start(builder: clerk_testkit::TestClerkBuilder) -> Self {
        let clerk = builder.start().expect("offline Clerk starts");
        let user = clerk
            .users()
            .create(NewUser::default().email("ada@example.com").first_name("Ada"))
            .expect("user created");
        Self {
            user_id: user.id.clone(),
            clerk,
        }
    }

    pub fn config(&self) -> ClerkConfig {
        ClerkConfig::new()
            .secret_key(self.clerk.secret_key())
            .publishable_key(self.clerk.publishable_key())
            .api_url(self.clerk.base_url())
            .authorized_parties([ORIGIN])
    }

    pub fn sdk(&self) -> Clerk {
        self.config().build().expect("valid configuration")
    }

    pub fn token(&self) -> String {
        self.clerk
            .minter()
            .session_token(&self.user_id)
            .azp(ORIGIN)
            .mint()
    }

    /// A session token of a pending session (`sts: "pending"`).
    pub fn pending_token(&self) -> String {
        self.clerk
            .minter()
            .session_token(&self.user_id)
            .azp(ORIGIN)
            .status(Some("pending"))
            .mint()
    }
}

/// A `GET` of `path` on `localhost:3000`, with `Authorization: Bearer {token}` when given.
pub fn get(path: &str, token: Option<&str>) -> actix_http::Request {
    let mut req = actix_web::test::TestRequest::get()
        .uri(path)
        .insert_header(("Host", "localhost:3000"));
    if let Some(token) = token {
        req = req.insert_header(("Authorization", format!("Bearer {token}")));
    }
    req.to_request()
}

async fn auth_json(auth: ClerkAuth) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "signedIn": auth.is_authenticated(),
        "userId": auth.user_id(),
        "sessionId": auth.session_id(),
        "orgId": auth.org_id(),
        "status": auth.outcome().status().as_str(),
        "reason": auth.outcome().reason().map(|r| r.as_str()),
    }))
}

async fn private(auth: Authenticated) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "userId": auth.user_id() }))
}

async fn maybe(auth: MaybeAuth) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "userId": auth.0.as_ref().map(|a| a.user_id().to_owned()) }))
}

async fn me(first: CurrentUser, second: CurrentUser) -> HttpResponse {
    assert!(
        std::sync::Arc::ptr_eq(&first.0, &second.0),
        "memoised per request"
    );
    HttpResponse::Ok().json(first.to_public())
}

async fn props(auth: ClerkAuth, user: CurrentUser) -> HttpResponse {
    let props = ClerkProps::new(&auth, Some(&user));
    HttpResponse::Ok().content_type("text/html").body(format!(
        "<script>window.__props={}</script>",
        props.to_script_json()
    ))
}

/// The routes every test uses, without ClerkMiddleware (tests wrap it when they want it).
pub fn app(
    clerk: Clerk,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(web::Data::new(clerk.clone()))
        .route("/auth", web::get().to(auth_json))
        .route("/private", web::get().to(private))
        .route("/private", web::post().to(private))
        .route("/maybe", web::get().to(maybe))
        .route("/me", web::get().to(me))
        .route("/props", web::get().to(props))
        .service(
            web::resource("/guarded")
                .guard(guards::has(Check::new().role("admin")))
                .to(|| async { HttpResponse::Ok().body("admin") }),
        )
        .service(
            web::resource("/guarded")
                .guard(guard::Get())
                .to(|| async { HttpResponse::Ok().body("everyone else") }),
        )
        .service(
            web::scope("/admin")
                .wrap(Protect::signed_in().role("admin"))
                .route(
                    "",
                    web::get().to(|| async { HttpResponse::Ok().body("admin area") }),
                ),
        )
        .service(
            web::scope("/parity")
                .wrap(
                    Protect::signed_in()
                        .permission("reports:read")
                        .mode(ProtectMode::NextJsParity),
                )
                .route("", web::get().to(|| async { HttpResponse::Ok().body("reports") })),
        )
        .service(
            web::scope("/page")
                .wrap(Protect::signed_in().mode(ProtectMode::Redirect))
                .route("", web::get().to(|| async { HttpResponse::Ok().body("page") })),
        )
        .service(
            web::scope("/sensitive")
                .wrap(Protect::signed_in().reverification(Reverification::Strict))
                .route(
                    "",
                    web::get().to(|| async { HttpResponse::Ok().body("sensitive") }),
                ),
        )
}

pub async fn body_json(resp: ServiceResponse<impl MessageBody>) -> Value {
    let bytes = actix_web::test::read_body(resp).await;
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

pub fn header(resp: &ServiceResponse<impl MessageBody>, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .map(|v| v.to_str().unwrap_or("<binary>").to_owned())
}

/// A real server on loopback (its own thread and System), stopped on drop.
pub struct Server {
    pub addr: std::net::SocketAddr,
    pub handle: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        let stopped = std::thread::spawn(move || actix_rt::System::new().block_on(handle.stop(false)));
        let _ = stopped.join();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts the app with `workers` workers on 127.0.0.1:0 on its own thread; returns once bound.
pub fn start_server(clerk: clerk_actix::Clerk, workers: usize) -> Server {
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        actix_rt::System::new().block_on(async move {
            let server = actix_web::HttpServer::new(move || {
                App::new()
                    .route(
                        "/private",
                        web::get().to(|auth: clerk_actix::Authenticated| async move {
                            HttpResponse::Ok().body(auth.user_id().to_owned())
                        }),
                    )
                    .wrap(clerk_actix::ClerkMiddleware::new(clerk.clone()))
            })
            .workers(workers)
            .bind(("127.0.0.1", 0))
            .expect("bind loopback");
            let addr = server.addrs()[0];
            let server = server.run();
            tx.send((addr, server.handle())).expect("report address");
            let _ = server.await;
        })
    });
    let (addr, handle) = rx
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("server started");
    Server {
        addr,
        handle,
        thread: Some(thread),
    }
}
