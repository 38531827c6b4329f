//! The Frontend API proxy against Clerk's own (issue 23): the same requests through
//! `@clerk/backend` 3.25.0's `clerkFrontendApiProxy` (run in Node, `parity/proxy.mjs`) and
//! through [`FrontendApiProxy`], both to one recording upstream. Upstream: the same method, path,
//! query, body and headers; back: the same status, headers and body. The deliberate differences
//! (`clerk_core::proxy`'s "Stricter than Clerk's proxy") are asserted one by one. Fails, never
//! skips, without Node.

mod node;

use std::net::TcpListener;
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use actix_web::http::header::LOCATION;
use actix_web::web::{self, Bytes};
use actix_web::{test, App, HttpRequest, HttpResponse, HttpServer};
use clerk_actix::proxy::FrontendApiProxy;
use clerk_core::proxy::CALLER_ADDRESS_HEADERS;
use serde_json::{json, Value};

const SECRET_KEY: &str = "sk_test_proxyParity";
const PUBLISHABLE_KEY: &str = "pk_test_aGFwcHktaGlwcG8tNDIuY2xlcmsuYWNjb3VudHMuZGV2JA";

/// What the upstream saw of one request.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: String,
}

type Log = Arc<Mutex<Vec<Seen>>>;

async fn record(req: HttpRequest, body: Bytes, log: web::Data<Log>) -> HttpResponse {
    let mut headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or("<bytes>").to_owned()))
        .collect();
    headers.sort();
    log.lock().unwrap().push(Seen {
        method: req.method().as_str().to_owned(),
        path: req.path().to_owned(),
        query: req.query_string().to_owned(),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let own = format!("http://{}", req.app_config().local_addr());
    let mut out = match req.path() {
        "/redirect" => {
            let mut out = HttpResponse::TemporaryRedirect();
            out.insert_header((
                LOCATION,
                format!("{own}/v1/client/handshake?redirect_url=%2F#frag"),
            ));
            out
        }
        "/relative" => {
            let mut out = HttpResponse::Found();
            out.insert_header((LOCATION, "/sign-in?x=1"));
            out
        }
        "/elsewhere" => {
            let mut out = HttpResponse::Found();
            out.insert_header((LOCATION, "https://accounts.example/sign-in"));
            out
        }
        "/missing" => HttpResponse::NotFound(),
        _ => HttpResponse::Ok(),
    };
    out.append_header(("set-cookie", "__client=abc; Path=/; HttpOnly"))
        .append_header(("set-cookie", "__client_uat=1; Path=/"))
        .insert_header(("cache-control", "no-store"))
        .insert_header(("x-clerk-trace-id", "trace-1"))
        .insert_header(("content-type", "application/json"))
        .body(format!(r#"{{"answer":"{} {}"}}"#, req.method(), req.path()))
}

/// The recording upstream on its own thread and runtime (the Node batch blocks the test's).
fn start_upstream() -> (String, Log) {
    let log: Log = Arc::default();
    let shared = Arc::clone(&log);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        actix_rt::System::new().block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let server = HttpServer::new(move || {
                App::new()
                    .app_data(web::Data::new(Arc::clone(&shared)))
                    .default_service(web::to(record))
            })
            .workers(1)
            .listen(listener)
            .unwrap()
            .run();
            tx.send(addr).unwrap();
            server.await.unwrap();
        });
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the upstream starts");
    (format!("http://{addr}"), log)
}

/// One incoming request of the comparison.
struct Case {
    method: &'static str,
    path: &'static str,
    headers: Vec<(&'static str, &'static str)>,
    body: Option<&'static str>,
}

fn cases() -> Vec<Case> {
    // Every case names `accept`, `accept-language`, `sec-fetch-mode` and `user-agent`: Node's
    // fetch adds its own otherwise, and that is the HTTP client, not the proxy.
    let browser = |extra: &[(&'static str, &'static str)]| {
        let mut headers = vec![
            ("accept", "application/json"),
            ("accept-language", "en"),
            ("sec-fetch-mode", "cors"),
            ("user-agent", "Mozilla/5.0 parity"),
            ("cookie", "__client_uat=0; __session=eyJ.x.y"),
        ];
        headers.extend_from_slice(extra);
        headers
    };
    vec![
        Case {
            method: "GET",
            path: "/__clerk/v1/client?_clerk_js_version=6.40.0&__clerk_api_version=2025-11-10",
            headers: browser(&[("origin", "http://app.example")]),
            body: None,
        },
        Case {
            method: "POST",
            path: "/__clerk/v1/client/sign_ins?_clerk_js_version=6.40.0",
            headers: browser(&[("content-type", "application/x-www-form-urlencoded")]),
            body: Some("identifier=ada%40example.com&strategy=password&password=p%26ss"),
        },
        Case {
            method: "DELETE",
            path: "/__clerk/v1/client/sessions",
            headers: browser(&[]),
            body: None,
        },
        Case {
            method: "POST",
            path: "/__clerk/v1/client/sessions/x%3F/tokens?a=%2F&b",
            headers: browser(&[("content-type", "application/x-www-form-urlencoded")]),
            body: Some(""),
        },
        Case {
            method: "GET",
            path: "/__clerk/npm/@clerk/clerk-js@6/dist/clerk.browser.js",
            headers: browser(&[("accept-encoding", "gzip, br")]),
            body: None,
        },
        Case {
            method: "GET",
            path: "/__clerk/redirect",
            headers: browser(&[]),
            body: None,
        },
        Case {
            method: "GET",
            path: "/__clerk/relative",
            headers: browser(&[]),
            body: None,
        },
        Case {
            method: "GET",
            path: "/__clerk/elsewhere",
            headers: browser(&[]),
            body: None,
        },
        Case {
            method: "GET",
            path: "/__clerk/missing",
            headers: browser(&[]),
            body: None,
        },
        Case {
            method: "GET",
            path: "/__clerk",
            headers: browser(&[]),
            body: None,
        },
        Case {
            method: "GET",
            path: "/__clerk/v1/environment",
            headers: browser(&[
                ("te", "trailers"),
                ("proxy-authorization", "Basic eDp5"),
                ("authorization", "Bearer eyJ.client.jwt"),
                ("clerk-secret-key", "sk_test_fromTheCaller"),
                ("clerk-proxy-url", "https://evil.example/__clerk"),
            ]),
            body: None,
        },
        Case {
            method: "PUT",
            path: "/__clerk/v1/me?x=%E2%9C%93",
            headers: browser(&[
                ("connection", "x-private, keep-alive"),
                ("x-private", "for this hop"),
                ("content-type", "application/json"),
            ]),
            body: Some(r#"{"first_name":"Ada"}"#),
        },
        // Deliberate differences (asserted below).
        Case {
            method: "GET",
            path: "/__clerk/v1/client",
            headers: browser(&[
                ("x-forwarded-host", "evil.example"),
                ("x-forwarded-proto", "https"),
                ("x-forwarded-for", "198.51.100.1"),
                ("x-real-ip", "198.51.100.2"),
                ("x-client-ip", "198.51.100.3"),
                ("fastly-client-ip", "198.51.100.4"),
                ("true-client-ip", "198.51.100.5"),
                ("x-forwarded-port", "8443"),
                ("x-forwarded-server", "lb.evil.example"),
                ("x-forwarded-prefix", "/evil"),
            ]),
            body: None,
        },
        Case {
            method: "GET",
            path: "/__clerk/v1/users",
            headers: browser(&[("authorization", "Bearer sk_live_leakedByTheCaller")]),
            body: None,
        },
    ]
}

/// The headers an HTTP client frames a message with, whoever sends it: not the proxy's doing
/// (awc adds `Date` to every request; Node's fetch does not).
const FRAMING: [&str; 3] = ["connection", "transfer-encoding", "date"];

fn without(headers: &[(String, String)], names: &[&str]) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(name, _)| !names.contains(&name.as_str()) && !FRAMING.contains(&name.as_str()))
        .cloned()
        .collect()
}

fn value<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

#[actix_web::test]
async fn our_proxy_does_what_clerks_does_but_for_the_listed_differences() {
    let root = node::workspace_root();
    node::ensure_node_modules(&root);
    let (upstream, log) = start_upstream();
    let cases = cases();

    // Clerk's proxy, in Node.
    let lines: Vec<Value> = cases
        .iter()
        .enumerate()
        .map(|(id, case)| {
            // A server hands Clerk's function the request as it came, `Content-Length` included.
            let mut headers: Vec<(String, String)> = case
                .headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect();
            if let Some(body) = case.body {
                headers.push(("content-length".to_owned(), body.len().to_string()));
            }
            json!({
                "id": id,
                "url": format!("http://app.example{}", case.path),
                "method": case.method,
                "headers": headers,
                "body": case.body,
                "fapiUrl": upstream,
                "secretKey": SECRET_KEY,
                "publishableKey": PUBLISHABLE_KEY,
            })
        })
        .collect();
    let clerks = node::run_batch(&root, "parity/proxy.mjs", &lines, Duration::from_secs(60));
    let clerk_seen: Vec<Seen> = std::mem::take(&mut *log.lock().unwrap());

    // Ours.
    // Clerk's proxy takes any Host as its public URL; ours only the app's origins (README).
    let proxy = FrontendApiProxy::new(SECRET_KEY)
        .unwrap()
        .upstream(&upstream)
        .unwrap()
        .allowed_origins(["http://app.example"]);
    let app = test::init_service(App::new().service(proxy.service())).await;
    let mut ours = Vec::new();
    for case in &cases {
        let mut req = test::TestRequest::default()
            .method(case.method.parse().unwrap())
            .uri(case.path)
            .insert_header(("host", "app.example"));
        for (name, value) in &case.headers {
            req = req.append_header((*name, *value));
        }
        if let Some(body) = case.body {
            req = req
                .insert_header(("content-length", body.len().to_string()))
                .set_payload(body);
        }
        let res = test::call_service(&app, req.to_request()).await;
        let status = res.status().as_u16();
        let mut headers: Vec<(String, String)> = res
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
            .collect();
        headers.sort();
        let body = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
        ours.push((status, headers, body));
    }
    let our_seen: Vec<Seen> = std::mem::take(&mut *log.lock().unwrap());

    assert_eq!(
        clerk_seen.len(),
        cases.len(),
        "Clerk's proxy forwarded every case"
    );
    assert_eq!(our_seen.len(), cases.len(), "ours forwarded every case");
    let forwarded_difference = cases.len() - 2;
    let secret_difference = cases.len() - 1;
    for (id, case) in cases.iter().enumerate() {
        let (clerk, mine) = (&clerk_seen[id], &our_seen[id]);
        let what = format!("case {id}: {} {}", case.method, case.path);
        // Upstream.
        assert_eq!(
            (&mine.method, &mine.path, &mine.query, &mine.body),
            (&clerk.method, &clerk.path, &clerk.query, &clerk.body),
            "{what}"
        );
        let forwarded: Vec<&str> = [
            "clerk-proxy-url",
            "x-forwarded-host",
            "x-forwarded-proto",
            "x-forwarded-for",
        ]
        .into_iter()
        .chain(CALLER_ADDRESS_HEADERS)
        .collect();
        let deliberate: &[&str] = if id == forwarded_difference {
            &forwarded
        } else if id == secret_difference {
            &["authorization"]
        } else {
            &[]
        };
        assert_eq!(
            without(&mine.headers, deliberate),
            without(&clerk.headers, deliberate),
            "{what}: the headers upstream"
        );
        // Back.
        let answer = &clerks[id];
        let mut clerk_headers: Vec<(String, String)> = answer["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|pair| {
                (
                    pair[0].as_str().unwrap().to_owned(),
                    pair[1].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        clerk_headers.sort();
        let (status, headers, body) = &ours[id];
        assert_eq!(u64::from(*status), answer["status"].as_u64().unwrap(), "{what}");
        // `date` (in FRAMING) is the upstream's, a second apart between the two runs.
        assert_eq!(
            without(headers, &[]),
            without(&clerk_headers, &[]),
            "{what}: headers back"
        );
        assert_eq!(
            body.as_str(),
            answer["body"].as_str().unwrap(),
            "{what}: body back"
        );
    }

    // Both drop what the caller's `Connection` names, and `Connection` itself.
    let hop = cases.len() - 3;
    for seen in [&clerk_seen[hop], &our_seen[hop]] {
        assert_eq!(value(&seen.headers, "x-private"), None, "{seen:?}");
        assert_eq!(value(&seen.headers, "keep-alive"), None, "{seen:?}");
    }
    assert_eq!(our_seen[hop].body, r#"{"first_name":"Ada"}"#);

    // The differences, one by one. Clerk believes any caller's X-Forwarded-*; we believe the
    // connection (no trusted proxy here) and send no client address we do not know.
    let (clerk, mine) = (
        &clerk_seen[forwarded_difference].headers,
        &our_seen[forwarded_difference].headers,
    );
    assert_eq!(
        value(clerk, "clerk-proxy-url"),
        Some("https://evil.example/__clerk")
    );
    assert_eq!(value(mine, "clerk-proxy-url"), Some("http://app.example/__clerk"));
    assert_eq!(value(clerk, "x-forwarded-host"), Some("evil.example"));
    assert_eq!(value(mine, "x-forwarded-host"), Some("app.example"));
    assert_eq!(value(clerk, "x-forwarded-proto"), Some("https"));
    assert_eq!(value(mine, "x-forwarded-proto"), Some("http"));
    assert_eq!(
        value(clerk, "x-forwarded-for"),
        Some("198.51.100.2"),
        "Clerk: X-Real-IP first"
    );
    assert_eq!(value(mine, "x-forwarded-for"), None);
    // What a caller says of its address or of proxies in front of it: Clerk forwards it all.
    for (name, sent) in [
        ("x-real-ip", "198.51.100.2"),
        ("x-client-ip", "198.51.100.3"),
        ("fastly-client-ip", "198.51.100.4"),
        ("true-client-ip", "198.51.100.5"),
        ("x-forwarded-port", "8443"),
        ("x-forwarded-server", "lb.evil.example"),
        ("x-forwarded-prefix", "/evil"),
    ] {
        assert_eq!(value(clerk, name), Some(sent), "Clerk forwards {name}");
        assert_eq!(value(mine, name), None, "ours drops {name}");
    }
    // Clerk forwards a caller's secret key; we never do.
    let (clerk, mine) = (
        &clerk_seen[secret_difference].headers,
        &our_seen[secret_difference].headers,
    );
    assert_eq!(
        value(clerk, "authorization"),
        Some("Bearer sk_live_leakedByTheCaller")
    );
    assert_eq!(value(mine, "authorization"), None);
}
