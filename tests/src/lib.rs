//! Shared helpers for the end-to-end tests: the real app on port 0, a fresh Postgres database per
//! test, the offline Clerk as Clerk, and captures of every response body and log line so tests can
//! assert what never appears in them.

pub mod browser;
pub mod proxy;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use app::configuration::Settings;
use app::startup::Application;
use clerk_testkit::{NewUser, TestClerk, TestClerkBuilder};
use rand::Rng as _;
use sqlx::{Connection as _, PgConnection};

/// The frontend origin the test app lists as authorized party.
pub const ORIGIN: &str = "http://localhost:3000";
/// The webhook signing secret the test app and the emulator share.
pub const WEBHOOK_SECRET: &str = "whsec_ZTJlLXRlc3RzLXdlYmhvb2stc2VjcmV0LTAwMDAx";

/// Where the admin connection points: `DATABASE_URL` (as `make test` sets it) or the local server.
pub fn admin_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// Every log line the app wrote during the test run.
pub fn captured_logs() -> String {
    let buffer = log_buffer().lock().unwrap_or_else(|p| p.into_inner());
    String::from_utf8_lossy(&buffer).into_owned()
}

/// Every response body (and header block) the test client received during the run.
pub fn captured_responses() -> String {
    responses().lock().unwrap_or_else(|p| p.into_inner()).join("\n")
}

fn log_buffer() -> &'static Arc<Mutex<Vec<u8>>> {
    static BUFFER: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    BUFFER.get_or_init(|| Arc::new(Mutex::new(Vec::new())))
}

fn responses() -> &'static Mutex<Vec<String>> {
    static RESPONSES: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    RESPONSES.get_or_init(|| Mutex::new(Vec::new()))
}

#[derive(Clone)]
struct CaptureWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for CaptureWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        if std::env::var_os("TEST_LOG").is_some() {
            let _ = std::io::stderr().write_all(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures the app's logs for the leak scan (once per process).
pub fn init_logging() {
    init_logging_with(None);
}

/// [`init_logging`], with `extra` beside the captured logs (otel.rs: the trace export). The
/// process's first call decides.
pub fn init_logging_with(extra: Option<app::telemetry::ExtraLayer>) {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        let writer = CaptureWriter(Arc::clone(log_buffer()));
        let subscriber = app::telemetry::get_subscriber_with(
            "info,app=debug,clerk_actix=debug",
            app::configuration::LogFormat::Json,
            move || writer.clone(),
            extra,
        );
        app::telemetry::init_subscriber(subscriber);
    });
}

/// A fresh database on the shared server, dropped when the test ends.
pub struct TestDatabase {
    /// Its name.
    pub name: String,
    /// A URL to it.
    pub url: String,
}

impl TestDatabase {
    /// Creates `e2e_<random>`.
    ///
    /// # Panics
    ///
    /// When no PostgreSQL answers (run the tests through `make test`, which finds or starts one).
    pub async fn create() -> Self {
        let admin = admin_url();
        let name = format!("e2e_{:016x}", rand::thread_rng().gen::<u64>());
        let mut conn = PgConnection::connect(&admin).await.unwrap_or_else(|err| {
            panic!("the end-to-end tests need PostgreSQL at {admin} (run `make test`): {err}")
        });
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("create test database");
        let base = admin
            .rsplit_once('/')
            .map(|(base, _)| base)
            .unwrap_or(&admin)
            .to_owned();
        Self {
            url: format!("{base}/{name}"),
            name,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        let admin = admin_url();
        // Best effort, on a thread of its own (drop may run inside an async runtime).
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
            if let Ok(runtime) = runtime {
                runtime.block_on(async move {
                    if let Ok(mut conn) = PgConnection::connect(&admin).await {
                        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&mut conn)
                            .await;
                    }
                });
            }
        })
        .join();
    }
}

/// The app under test.
pub struct TestApp {
    /// `http://127.0.0.1:{port}`.
    pub address: String,
    /// The admin listener (`/metrics`), `http://127.0.0.1:{admin port}`.
    pub admin_address: String,
    /// The offline Clerk the app talks to.
    pub clerk: TestClerk,
    /// The app's database.
    pub db: TestDatabase,
    /// A user created before the app started.
    pub user_id: String,
    /// The proxy between the app and Postgres, when asked for.
    pub db_proxy: Option<proxy::TcpProxy>,
    client: awc::Client,
    handle: actix_web::dev::ServerHandle,
    secrets: Vec<String>,
    env: HashMap<String, String>,
    /// Admin address of each replica, by public address.
    admins: Mutex<HashMap<String, String>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            assert_no_leaks(&self.secrets);
        }
    }
}

/// Fails when any captured response or log line carries `private_metadata`, a session token (a
/// JWT), or one of `secrets`.
pub fn assert_no_leaks(secrets: &[String]) {
    for (what, text) in [("response", captured_responses()), ("log", captured_logs())] {
        assert!(
            !text.contains("private_metadata"),
            "a {what} carries private_metadata"
        );
        for secret in secrets {
            if let Some(at) = text.find(secret.as_str()) {
                let start = (0..=at.saturating_sub(120))
                    .rev()
                    .find(|i| text.is_char_boundary(*i))
                    .unwrap_or(0);
                panic!("a {what} carries a secret: …{}<secret>", &text[start..at]);
            }
        }
        if let Some(at) = find_jwt(&text) {
            let start = at.saturating_sub(80);
            panic!(
                "a {what} carries a token: …{}…",
                &text[start..(at + 40).min(text.len())]
            );
        }
    }
}

/// The position of something shaped like a JWT (`eyJ….eyJ….`).
fn find_jwt(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(rel) = text[from..].find("eyJ") {
        let at = from + rel;
        let header_end = bytes[at..]
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_'))
            .map(|n| at + n);
        if let Some(end) = header_end {
            if end - at > 10 && text[end..].starts_with(".eyJ") {
                return Some(at);
            }
        }
        from = at + 3;
    }
    None
}

/// Options of [`spawn_app`].
pub struct SpawnOptions {
    /// How to build the emulator.
    pub clerk: TestClerkBuilder,
    /// Extra settings (environment names).
    pub settings: Vec<(&'static str, String)>,
    /// Put a cuttable TCP proxy between the app and Postgres.
    pub db_proxy: bool,
    /// Serve the instance's Frontend API from the emulator (`CLERK_PROXY_URL` = its base URL), so
    /// that handshakes reach it.
    pub frontend_api_on_emulator: bool,
    /// For a browser: the app serves the emulator's Frontend API and sign-in page under
    /// `/__clerk` (`CLERK_PROXY_URL=/__clerk`, `CLERK_SIGN_IN_URL=/__clerk/sign-in`,
    /// `APP_CLERK_FRONTEND_UPSTREAM`) on a port chosen in advance, which its origin
    /// (`http://127.0.0.1:{port}`) names as the only authorized party: a relative proxy URL on a
    /// production instance needs one.
    pub browser: bool,
}

impl Default for SpawnOptions {
    fn default() -> Self {
        Self {
            clerk: TestClerk::builder().production(),
            settings: Vec::new(),
            db_proxy: false,
            frontend_api_on_emulator: false,
            browser: false,
        }
    }
}

/// Where `scripts/clerk-js.sh` unpacked the official `@clerk/clerk-js` and `@clerk/ui` (issue
/// 23): `CLERK_TESTKIT_NPM_DIR`, else this workspace's `target/clerk-npm` (the script's default).
/// An emulator given a directory without the pinned packages refuses to start, naming the one
/// that is missing.
pub fn npm_dir() -> std::path::PathBuf {
    std::env::var_os(clerk_testkit::npm::NPM_DIR_ENV)
        .filter(|dir| !dir.is_empty())
        .map_or_else(
            || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/clerk-npm"),
            std::path::PathBuf::from,
        )
}

/// Starts the emulator, a fresh database and the app (port 0) inside the current Actix runtime.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(SpawnOptions::default()).await
}

/// [`spawn_app`] with options.
pub async fn spawn_app_with(options: SpawnOptions) -> TestApp {
    init_logging();
    let clerk = options.clerk.start().expect("offline Clerk starts");
    let user = clerk
        .users()
        .create(NewUser::default().first_name("Ada").email("ada@example.com"))
        .expect("user");
    let db = TestDatabase::create().await;
    let mut env: HashMap<String, String> = HashMap::new();
    let mut set = |k: &str, v: String| {
        env.insert(k.to_owned(), v);
    };
    // A browser's tokens carry the app's origin as `azp`, so its port is chosen before the app
    // starts (a port just released by the OS: another process taking it in between fails loudly).
    let port = if options.browser { free_port() } else { 0 };
    set("PORT", port.to_string());
    set("APP_ADMIN_PORT", "0".into());
    let proxy = options.db_proxy.then(|| {
        let url = url::Url::parse(&db.url).expect("database URL");
        let host = url.host_str().unwrap_or("127.0.0.1");
        let target = std::net::ToSocketAddrs::to_socket_addrs(&(host, url.port().unwrap_or(5432)))
            .expect("resolve Postgres")
            .next()
            .expect("an address for Postgres");
        proxy::TcpProxy::start(target)
    });
    let app_db_url = match &proxy {
        Some(proxy) => {
            let mut url = url::Url::parse(&db.url).expect("database URL");
            let _ = url.set_ip_host(proxy.addr().ip());
            let _ = url.set_port(Some(proxy.addr().port()));
            url.to_string()
        }
        None => db.url.clone(),
    };
    set("DATABASE_URL", app_db_url);
    set("APP_DATABASE_MAX_CONNECTIONS", "4".into());
    set("APP_DATABASE_ACQUIRE_TIMEOUT_MS", "1500".into());
    set("APP_WORKERS", "2".into());
    set("APP_RECONCILE_INTERVAL_SECS", "0".into());
    set("CLERK_SECRET_KEY", clerk.secret_key().to_owned());
    set("CLERK_PUBLISHABLE_KEY", clerk.publishable_key().to_owned());
    set("CLERK_API_URL", clerk.base_url().to_owned());
    if options.browser {
        set("CLERK_AUTHORIZED_PARTIES", format!("http://127.0.0.1:{port}"));
    } else {
        set("CLERK_AUTHORIZED_PARTIES", ORIGIN.to_owned());
    }
    set("CLERK_WEBHOOK_SIGNING_SECRET", WEBHOOK_SECRET.to_owned());
    if options.frontend_api_on_emulator {
        set("CLERK_PROXY_URL", clerk.base_url().to_owned());
    }
    if options.browser {
        set("CLERK_PROXY_URL", "/__clerk".to_owned());
        set("CLERK_SIGN_IN_URL", "/__clerk/sign-in".to_owned());
        set("APP_CLERK_FRONTEND_UPSTREAM", clerk.base_url().to_owned());
    }
    for (key, value) in options.settings {
        set(key, value);
    }
    let settings = Settings::load_from(
        None,
        config::Environment::default()
            .try_parsing(true)
            .source(Some(env.clone())),
    )
    .expect("test settings");
    let application = Application::build(settings).await.expect("app starts");
    let address = format!("http://127.0.0.1:{}", application.port());
    let admin_address = format!("http://127.0.0.1:{}", application.admin_port());
    clerk
        .webhooks()
        .set_endpoint(format!("{address}/webhooks/clerk"), WEBHOOK_SECRET)
        .expect("webhook endpoint");
    let handle = application.server_handle();
    let secret_key = clerk.secret_key().to_owned();
    actix_rt::spawn(application.run_until_stopped());
    TestApp {
        admins: Mutex::new(HashMap::from([(address.clone(), admin_address.clone())])),
        address,
        admin_address,
        user_id: user.id,
        db_proxy: proxy,
        clerk,
        db,
        client: awc::Client::builder()
            .disable_redirects()
            .timeout(Duration::from_secs(15))
            .finish(),
        handle,
        secrets: vec![secret_key, WEBHOOK_SECRET.to_owned()],
        env,
    }
}

/// A loopback port that was free a moment ago, and the port after it too (dev identities are per
/// port, so a dev-mode restart must reuse it; a browser's origin must be known before the app
/// starts; dev mode puts its emulator at `PORT + 1`).
///
/// Taken below Linux's ephemeral range (32768–60999 by default): a port the kernel hands out
/// for `bind(0)` is even, and the odd one after it is where it places outgoing connections'
/// local ports, so `PORT + 1` of an ephemeral port was often taken by the suite's own database
/// and HTTP connections (a dev-mode restart then found its emulator's port in use).
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    const FIRST: u16 = 20_000;
    const SPAN: u16 = 12_000;
    // A start that differs between runs and processes, then every other port in turn.
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let seed = (std::process::id() as u16).wrapping_mul(7919) % SPAN;
    let free = |port: u16| std::net::TcpListener::bind(("127.0.0.1", port)).is_ok();
    (0..SPAN / 2)
        .map(|_| FIRST + (seed + NEXT.fetch_add(2, Ordering::Relaxed)) % SPAN)
        .find(|&port| free(port) && free(port + 1))
        .expect("two free loopback ports side by side below the ephemeral range")
}

/// Starts the app in dev mode (`APP_DEV_MODE=1`, three seeded users, the emulator in-process) on
/// `port`, with `db`.
pub async fn start_dev(db: &TestDatabase, port: u16) -> Application {
    start_dev_with(db, port, &[]).await
}

/// Like [`start_dev`], with more variables.
pub async fn start_dev_with(db: &TestDatabase, port: u16, extra: &[(&str, &str)]) -> Application {
    init_logging();
    let mut env: HashMap<String, String> = [
        ("PORT", port.to_string()),
        ("DATABASE_URL", db.url.clone()),
        ("APP_DEV_USERS", "3".to_owned()),
        ("APP_WORKERS", "1".to_owned()),
        ("APP_DATABASE_MAX_CONNECTIONS", "4".to_owned()),
        ("APP_RECONCILE_INTERVAL_SECS", "0".to_owned()),
        ("APP_DEV_MODE", "1".to_owned()),
        ("APP_ADMIN_PORT", "0".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let settings = Settings::load_from(
        None,
        config::Environment::default().try_parsing(true).source(Some(env)),
    )
    .expect("settings");
    Application::build(settings).await.expect("dev app starts")
}

/// A response, fully read.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Headers (lower-case names; first value).
    pub headers: HashMap<String, String>,
    /// Body text.
    pub body: String,
}

impl Reply {
    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// A header value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

impl TestApp {
    /// Starts a second replica of the app on the same database and emulator (webhooks keep going
    /// to the first one). Returns its address.
    pub async fn spawn_replica(&self) -> (String, actix_web::dev::ServerHandle) {
        let settings = Settings::load_from(
            None,
            config::Environment::default()
                .try_parsing(true)
                .source(Some(self.env.clone())),
        )
        .expect("test settings");
        let application = Application::build(settings).await.expect("replica starts");
        let address = format!("http://127.0.0.1:{}", application.port());
        self.admins.lock().unwrap_or_else(|p| p.into_inner()).insert(
            address.clone(),
            format!("http://127.0.0.1:{}", application.admin_port()),
        );
        let handle = application.server_handle();
        actix_rt::spawn(application.run_until_stopped());
        (address, handle)
    }

    /// `GET {address}{path}` on any replica, with a bearer token.
    pub async fn get_at(&self, address: &str, path: &str, token: &str) -> Reply {
        let mut response = self
            .client
            .get(format!("{address}{path}"))
            .insert_header(("Authorization", format!("Bearer {token}")))
            .send()
            .await
            .expect("request reaches the replica");
        let body = response.body().limit(4 << 20).await.unwrap_or_default();
        record_reply(response.status().as_u16(), response.headers(), &body)
    }

    /// The Prometheus text of the replica at `address` (from its admin listener).
    pub async fn metrics_at(&self, address: &str) -> String {
        let admin = self
            .admins
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(address)
            .cloned()
            .expect("a replica started by this TestApp");
        let mut response = self
            .client
            .get(format!("{admin}/metrics"))
            .send()
            .await
            .expect("the admin listener answers");
        let body = response.body().limit(4 << 20).await.unwrap_or_default();
        let reply = record_reply(response.status().as_u16(), response.headers(), &body);
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body
    }

    /// The Prometheus text of the first replica.
    pub async fn metrics(&self) -> String {
        self.metrics_at(&self.address).await
    }

    /// Adds a value that must never appear in a response or a log line.
    pub fn forbid(&mut self, secret: impl Into<String>) {
        self.secrets.push(secret.into());
    }

    /// Forbids a credential (session, handshake or dev-browser token) and, for a JWT, its payload
    /// and signature on their own, so a log line carrying a cut or re-encoded token is caught too.
    pub fn forbid_token(&mut self, token: &str) {
        self.forbid(token);
        // The header (`eyJhbGciOi…`) is the same for every token, so only the later parts count.
        for part in token.split('.').skip(1).filter(|part| part.len() >= 16) {
            self.forbid(part);
        }
    }

    /// A fresh session token for the pre-created user.
    pub fn token(&self) -> String {
        self.clerk
            .minter()
            .session_token(&self.user_id)
            .azp(ORIGIN)
            .mint()
    }

    /// `GET path` with optional bearer token and extra headers; the reply is captured.
    pub async fn get(&self, path: &str, token: Option<&str>, headers: &[(&str, &str)]) -> Reply {
        let mut request = self.client.get(format!("{}{path}", self.address));
        if let Some(token) = token {
            request = request.insert_header(("Authorization", format!("Bearer {token}")));
        }
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        let mut response = request.send().await.expect("request reaches the app");
        let body = response.body().limit(4 << 20).await.unwrap_or_default();
        record_reply(response.status().as_u16(), response.headers(), &body)
    }

    /// `POST path` with a raw body and headers; the reply is captured.
    pub async fn post(&self, path: &str, body: Vec<u8>, headers: &[(&str, &str)]) -> Reply {
        let mut request = self.client.post(format!("{}{path}", self.address));
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        let mut response = request.send_body(body).await.expect("request reaches the app");
        let body = response.body().limit(4 << 20).await.unwrap_or_default();
        record_reply(response.status().as_u16(), response.headers(), &body)
    }

    /// A connection to the app's database.
    pub async fn db(&self) -> PgConnection {
        PgConnection::connect(&self.db.url)
            .await
            .expect("connect to the test database")
    }

    /// Stops the server.
    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }
}

fn record_reply(status: u16, headers: &actix_web::http::header::HeaderMap, body: &[u8]) -> Reply {
    let headers: HashMap<String, String> = headers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("<binary>").to_owned()))
        .collect();
    let body = String::from_utf8_lossy(body).into_owned();
    let mut record = format!("HTTP {status}\n");
    for (k, v) in &headers {
        record.push_str(&format!("{k}: {v}\n"));
    }
    record.push_str(&body);
    responses().lock().unwrap_or_else(|p| p.into_inner()).push(record);
    Reply {
        status,
        headers,
        body,
    }
}
