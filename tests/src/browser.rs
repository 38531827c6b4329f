//! Headless Chromium over WebDriver (W3C), from Debian's `chromium` and `chromium-driver`: a
//! small client of our own (no CDP crate), enough to load pages, click, read text, run a script,
//! read cookies and save screenshots. Each [`Browser`] is a fresh profile.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};

/// The W3C element reference key.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A WebDriver session on a chromedriver of its own.
pub struct Browser {
    client: awc::Client,
    base: String,
    session: String,
    driver: Child,
    profile: PathBuf,
}

/// Where `chromium` and `chromedriver` are (Debian's packages), if installed.
pub fn installed() -> Option<(PathBuf, PathBuf)> {
    let find = |candidates: &[&str]| candidates.iter().map(PathBuf::from).find(|path| path.exists());
    Some((
        find(&["/usr/bin/chromium", "/usr/bin/chromium-browser"])?,
        find(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"])?,
    ))
}

impl Browser {
    /// Starts chromedriver on a free port and a headless Chromium session with a fresh profile.
    ///
    /// # Panics
    ///
    /// When Chromium is not installed (`make test` installs it) or does not start.
    pub async fn start() -> Self {
        let (chromium, chromedriver) =
            installed().expect("chromium and chromium-driver are installed (make test installs them)");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let client = awc::Client::builder().timeout(Duration::from_secs(60)).finish();
        let base = format!("http://127.0.0.1:{port}");
        // Readiness: chromedriver answers /status with ready: true.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = match client.get(format!("{base}/status")).send().await {
                Ok(mut res) => res
                    .json::<Value>()
                    .await
                    .ok()
                    .is_some_and(|v| v["value"]["ready"] == true),
                Err(_) => false,
            };
            if ready {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not become ready");
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = std::env::temp_dir().join(format!("clerk-actix-browser-{port}"));
        let _ = std::fs::remove_dir_all(&profile);
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                    "--window-size=1024,768", format!("--user-data-dir={}", profile.display()),
                ],
            },
        }}});
        let mut res = client
            .post(format!("{base}/session"))
            .send_json(&caps)
            .await
            .expect("a WebDriver session");
        let body: Value = res.json().limit(1 << 20).await.expect("session answer");
        let session = body["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {body}"))
            .to_owned();
        Self {
            client,
            base: format!("{base}/session/{session}"),
            session,
            driver,
            profile,
        }
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        match self.try_call(method, path, body).await {
            Ok(value) => value,
            Err(err) => panic!("WebDriver {method} {path}: {err}"),
        }
    }

    /// A WebDriver command: its value, or the transport or WebDriver error.
    async fn try_call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let url = format!("{}{path}", self.base);
        let req = match method {
            "GET" => self.client.get(url),
            "DELETE" => self.client.delete(url),
            _ => self.client.post(url),
        };
        let mut res = match body {
            Some(body) => req.send_json(&body).await,
            None if method == "POST" => req.send_json(&json!({})).await,
            None => req.send().await,
        }
        .map_err(|err| err.to_string())?;
        let value: Value = res.json().limit(32 << 20).await.map_err(|err| err.to_string())?;
        if let Some(error) = value["value"]["error"].as_str() {
            return Err(format!("{error}: {}", value["value"]["message"]));
        }
        Ok(value["value"].clone())
    }

    /// Loads `url` and waits for the page.
    pub async fn goto(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url }))).await;
    }

    /// The current URL.
    pub async fn url(&self) -> String {
        self.call("GET", "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The page's source.
    pub async fn source(&self) -> String {
        self.call("GET", "/source", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The first element matching `css`, if any.
    pub async fn find(&self, css: &str) -> Option<String> {
        let found = self
            .call(
                "POST",
                "/elements",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await;
        found.as_array()?.first()?[ELEMENT].as_str().map(str::to_owned)
    }

    /// The visible text of the first element matching `css` (empty when there is none).
    pub async fn text(&self, css: &str) -> String {
        match self.find(css).await {
            Some(el) => self
                .call("GET", &format!("/element/{el}/text"), None)
                .await
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            None => String::new(),
        }
    }

    /// Clicks the first element matching `css`.
    pub async fn click(&self, css: &str) {
        self.on_element(css, "click", None).await;
    }

    /// Types `text` into the first element matching `css` (WebDriver's Element Send Keys: the
    /// page sees key events, as a user's typing).
    pub async fn type_into(&self, css: &str, text: &str) {
        self.on_element(css, "value", Some(json!({ "text": text }))).await;
    }

    /// An element command on the first element matching `css`. A page that re-renders (Clerk's
    /// components do, while they load) can replace the element between finding and acting: a
    /// stale element is found again, a few times, before the command fails.
    async fn on_element(&self, css: &str, command: &str, body: Option<Value>) {
        let mut attempts = 0;
        loop {
            let el = self.find(css).await.unwrap_or_else(|| panic!("no element {css}"));
            match self
                .try_call("POST", &format!("/element/{el}/{command}"), body.clone())
                .await
            {
                Ok(_) => return,
                Err(err) if err.contains("stale element") && attempts < 10 => {
                    attempts += 1;
                    actix_web::rt::time::sleep(Duration::from_millis(100)).await;
                }
                Err(err) => panic!("WebDriver {command} on {css}: {err}"),
            }
        }
    }

    /// Waits until an element matches `css` (polling the page, up to `within`); whether one did.
    pub async fn wait_for(&self, css: &str, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        loop {
            if self.find(css).await.is_some() {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks the first element matching `css`, which navigates (a form's submit button), and
    /// waits until the next page has loaded: WebDriver's click may return before a form
    /// submission's navigation (and its redirects) has even started.
    pub async fn click_and_wait(&self, css: &str) {
        self.execute("window.__beforeClick = true;", vec![]).await;
        self.click(css).await;
        let deadline = Instant::now() + Duration::from_secs(15);
        let script = json!({
            "script": "return !window.__beforeClick && document.readyState === 'complete';",
            "args": [],
        });
        while Instant::now() < deadline {
            // Errors while the old page is torn down are expected: try again.
            if let Ok(Value::Bool(true)) = self.try_call("POST", "/execute/sync", Some(script.clone())).await
            {
                return;
            }
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("clicking {css}: no new page within 15 s");
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns its value.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// Runs `script` like [`Browser::execute`]: its value, or WebDriver's error (e.g. while the
    /// page navigates).
    pub async fn try_execute(&self, script: &str, args: Vec<Value>) -> Result<Value, String> {
        self.try_call(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// Waits until the text of `css` satisfies `done` (polling the page, up to `within`).
    pub async fn wait_for_text(&self, css: &str, within: Duration, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + within;
        loop {
            let text = self.text(css).await;
            if done(&text) || Instant::now() > deadline {
                return text;
            }
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Every cookie the browser holds for the current page: (name, value).
    pub async fn cookies(&self) -> Vec<(String, String)> {
        let all = self.call("GET", "/cookie", None).await;
        all.as_array()
            .map(|cookies| {
                cookies
                    .iter()
                    .map(|c| {
                        (
                            c["name"].as_str().unwrap_or_default().to_owned(),
                            c["value"].as_str().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Saves a PNG screenshot of the page at `path`.
    pub async fn screenshot(&self, path: &Path) {
        let png = self.call("GET", "/screenshot", None).await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap_or_default())
            .unwrap_or_default();
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = std::fs::write(path, bytes);
    }

    /// Ends the session and the driver.
    pub async fn quit(mut self) {
        let _ = self.client.delete(self.base.clone()).send().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
        let _ = &self.session;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
