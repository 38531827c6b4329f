//! OpenTelemetry traces end to end (issue 27): the real app exports its spans over OTLP/HTTP to
//! a receiver in this test, which decodes them with the collector's own protobuf types. One
//! signed-in request that misses the user cache is one trace: the request, the auth decision,
//! the cache's SQL and the Backend API attempt, whose `traceparent` reached the offline Clerk;
//! an incoming `traceparent` is continued from a trusted proxy and only linked from anyone else;
//! no exported attribute holds a token or a key.

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use clerk_testkit::{NewUser, UserUpdate};
use e2e::{spawn_app, spawn_app_with, SpawnOptions, TestApp, ORIGIN, WEBHOOK_SECRET};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use prost::Message as _;

/// An OTLP/HTTP traces endpoint on loopback: every request body decoded and kept.
struct Receiver {
    url: String,
    exports: Arc<Mutex<Vec<ExportTraceServiceRequest>>>,
}

impl Receiver {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the receiver");
        let url = format!("http://{}/v1/traces", listener.local_addr().expect("address"));
        let exports = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&exports);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let kept = Arc::clone(&kept);
                std::thread::spawn(move || serve(stream, &kept));
            }
        });
        Self { url, exports }
    }

    fn spans(&self) -> Vec<Span> {
        let exports = self.exports.lock().unwrap_or_else(|p| p.into_inner());
        exports.iter().flat_map(Span::all).collect()
    }
}

/// HTTP/1.1 with `Content-Length` bodies (what the exporter sends), connections kept alive.
fn serve(stream: TcpStream, kept: &Mutex<Vec<ExportTraceServiceRequest>>) {
    let mut writer = stream.try_clone().expect("clone the stream");
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let status = match ExportTraceServiceRequest::decode(body.as_slice()) {
            Ok(export) => {
                kept.lock().unwrap_or_else(|p| p.into_inner()).push(export);
                "200 OK"
            }
            Err(_) => "400 Bad Request",
        };
        // An empty body is an empty `ExportTraceServiceResponse`.
        let answer =
            format!("HTTP/1.1 {status}\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n");
        if writer.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}

/// One exported span, flattened.
#[derive(Debug, Clone)]
struct Span {
    trace_id: String,
    span_id: String,
    parent_span_id: String,
    name: String,
    kind: i32,
    attributes: HashMap<String, String>,
    /// The linked spans, as (trace id, span id).
    links: Vec<(String, String)>,
    /// Every text the span carries: its name, attribute and event values, the resource's.
    texts: Vec<String>,
}

impl Span {
    fn all(export: &ExportTraceServiceRequest) -> Vec<Span> {
        let mut spans = Vec::new();
        for resource_spans in &export.resource_spans {
            let resource: Vec<String> = resource_spans
                .resource
                .iter()
                .flat_map(|r| r.attributes.iter().map(text_of_pair))
                .collect();
            for scope in &resource_spans.scope_spans {
                for span in &scope.spans {
                    let mut texts = resource.clone();
                    texts.push(span.name.clone());
                    texts.extend(span.attributes.iter().map(text_of_pair));
                    for event in &span.events {
                        texts.push(event.name.clone());
                        texts.extend(event.attributes.iter().map(text_of_pair));
                    }
                    for link in &span.links {
                        texts.extend(link.attributes.iter().map(text_of_pair));
                    }
                    if let Some(status) = &span.status {
                        texts.push(status.message.clone());
                    }
                    spans.push(Span {
                        trace_id: hex(&span.trace_id),
                        span_id: hex(&span.span_id),
                        parent_span_id: hex(&span.parent_span_id),
                        name: span.name.clone(),
                        kind: span.kind,
                        links: span
                            .links
                            .iter()
                            .map(|link| (hex(&link.trace_id), hex(&link.span_id)))
                            .collect(),
                        attributes: span
                            .attributes
                            .iter()
                            .map(|kv| (kv.key.clone(), kv.value.as_ref().map(text).unwrap_or_default()))
                            .collect(),
                        texts,
                    });
                }
            }
        }
        spans
    }

    fn attr(&self, key: &str) -> Option<&str> {
        self.attributes.get(key).map(String::as_str)
    }
}

fn text_of_pair(kv: &KeyValue) -> String {
    format!("{}={}", kv.key, kv.value.as_ref().map(text).unwrap_or_default())
}

/// Any value as text (arrays and lists joined), so that every one of them is scanned.
fn text(value: &AnyValue) -> String {
    match &value.value {
        Some(any_value::Value::StringValue(s)) => s.clone(),
        Some(any_value::Value::BoolValue(b)) => b.to_string(),
        Some(any_value::Value::IntValue(i)) => i.to_string(),
        Some(any_value::Value::DoubleValue(d)) => d.to_string(),
        Some(any_value::Value::BytesValue(b)) => String::from_utf8_lossy(b).into_owned(),
        Some(any_value::Value::ArrayValue(array)) => {
            array.values.iter().map(text).collect::<Vec<_>>().join(",")
        }
        Some(any_value::Value::KvlistValue(list)) => {
            list.values.iter().map(text_of_pair).collect::<Vec<_>>().join(",")
        }
        _ => String::new(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The receiver, and the app's export pointed at it, installed with the test's log capture
/// before any app starts (once per process).
fn tracing_to_receiver() -> &'static (Receiver, app::otel::Export) {
    static SETUP: OnceLock<(Receiver, app::otel::Export)> = OnceLock::new();
    SETUP.get_or_init(|| {
        let receiver = Receiver::start();
        let url = receiver.url.clone();
        let export = app::otel::Export::from_lookup(
            |name| (name == app::otel::TRACES_ENDPOINT).then(|| url.clone()),
            app::otel::Plaintext::LoopbackOnly,
        )
        .expect("the endpoint is valid")
        .expect("an endpoint turns the export on");
        e2e::init_logging_with(Some(export.layer()));
        (receiver, export)
    })
}

/// Flushes the export until `ready` holds for what the receiver has, for at most 20 s.
async fn wait_for(what: &str, ready: impl Fn(&[Span]) -> bool) -> Vec<Span> {
    let (receiver, export) = tracing_to_receiver();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        // The batch thread posts to the receiver's threads: blocking here for it is fine.
        let _ = export.flush();
        let spans = receiver.spans();
        if ready(&spans) {
            return spans;
        }
        assert!(
            Instant::now() < deadline,
            "never exported: {what}; got {spans:#?}"
        );
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Whether `span` is `ancestor` or below it.
fn descends(spans: &[Span], span: &Span, ancestor: &Span) -> bool {
    let by_id: HashMap<&str, &Span> = spans.iter().map(|s| (s.span_id.as_str(), s)).collect();
    let mut current = Some(span);
    while let Some(s) = current {
        if s.span_id == ancestor.span_id && s.trace_id == ancestor.trace_id {
            return true;
        }
        current = by_id.get(s.parent_span_id.as_str()).copied();
    }
    false
}

/// The `traceparent` values the offline Clerk received on `GET /v1/users/{user_id}` for `user`.
fn traceparents_at_clerk(app: &TestApp, user: &str) -> Vec<String> {
    app.clerk
        .calls()
        .requests()
        .into_iter()
        .filter(|r| r.route.as_deref() == Some("/v1/users/{user_id}") && r.path.ends_with(user))
        .filter_map(|r| {
            r.headers
                .into_iter()
                .find(|(name, _)| name == "traceparent")
                .map(|(_, value)| value)
        })
        .collect()
}

/// The request span of `GET /api/me` in `trace` (any trace when `None`) whose subtree holds a
/// Backend API attempt for a user.
fn request_span<'a>(spans: &'a [Span], trace: Option<&str>) -> Option<&'a Span> {
    spans.iter().find(|s| {
        s.kind == SpanKind::Server as i32
            && s.attr("http.route") == Some("/api/me")
            && trace.is_none_or(|t| s.trace_id == t)
            && spans
                .iter()
                .any(|a| a.name == "GET /v1/users/{user_id}" && descends(spans, a, s))
    })
}

/// A span named `name` below `ancestor`.
fn in_trace<'a>(spans: &'a [Span], ancestor: &Span, name: &str) -> &'a Span {
    spans
        .iter()
        .find(|s| s.name == name && descends(spans, s, ancestor))
        .unwrap_or_else(|| panic!("no {name} span below {}", ancestor.name))
}

fn assert_no_secret(spans: &[Span], secrets: &[&str]) {
    for span in spans {
        for text in &span.texts {
            for secret in secrets {
                assert!(
                    !text.contains(secret),
                    "span {:?} exports a secret in {text:?}",
                    span.name
                );
            }
            assert!(
                !text.contains("eyJ"),
                "span {:?} exports something like a JWT: {text:?}",
                span.name
            );
        }
    }
}

#[actix_rt::test]
async fn one_request_is_one_trace_from_the_request_to_clerk_and_the_sql() {
    tracing_to_receiver();
    let app = spawn_app().await;
    let token = app.token();

    let reply = app.get("/api/me", Some(&token), &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);

    // The offline Clerk was called once for the user, with W3C trace context: its trace is the
    // request's (the tests of this file share the receiver).
    let sent = traceparents_at_clerk(&app, &app.user_id);
    assert_eq!(sent.len(), 1, "one call with a traceparent: {sent:?}");
    let parts: Vec<&str> = sent[0].split('-').collect();
    let [version, trace_id, parent_id, flags] = parts[..] else {
        panic!("not a traceparent: {}", sent[0]);
    };
    assert_eq!((version, flags), ("00", "01"), "{}", sent[0]);
    let spans = wait_for("the request's trace", |spans| {
        request_span(spans, Some(trace_id)).is_some_and(|request| {
            ["clerk.authenticate", "SELECT users", "INSERT users"]
                .iter()
                .all(|name| {
                    spans
                        .iter()
                        .any(|s| s.name == *name && descends(spans, s, request))
                })
        })
    })
    .await;
    let request = request_span(&spans, Some(trace_id)).expect("the request span");
    assert_eq!(request.name, "GET /api/me");
    assert_eq!(request.attr("http.request.method"), Some("GET"));
    assert_eq!(request.attr("http.response.status_code"), Some("200"));
    assert_eq!(request.attr("url.scheme"), Some("http"));
    assert_eq!(request.attr("url.path"), Some("/api/me"));
    assert!(
        request.parent_span_id.is_empty(),
        "a root: no traceparent came in"
    );

    let in_request = |name: &str| in_trace(&spans, request, name);
    let auth = in_request("clerk.authenticate");
    assert_eq!(auth.parent_span_id, request.span_id);
    assert_eq!(auth.attr("clerk.auth.status"), Some("signed-in"));
    assert_eq!(auth.attr("clerk.token.type"), Some("session_token"));
    assert_eq!(auth.attr("clerk.token.carrier"), Some("header"));
    // The token's first request: checked, not found in the verified-token cache.
    assert_eq!(auth.attr("clerk.token.verification"), Some("verified"));

    let lookup = in_request("user cache lookup");
    assert_eq!(lookup.attr("clerk.cache.tier"), Some("api"));

    let sql = in_request("SELECT users");
    assert_eq!(sql.kind, SpanKind::Client as i32);
    assert_eq!(sql.attr("db.system.name"), Some("postgresql"));
    assert_eq!(sql.attr("db.operation.name"), Some("SELECT"));
    assert_eq!(sql.attr("db.query.summary"), Some("SELECT users"));
    assert!(descends(&spans, sql, lookup));

    let call = in_request("GET /v1/users/{user_id}");
    assert_eq!(call.kind, SpanKind::Client as i32);
    assert_eq!(call.attr("http.request.method"), Some("GET"));
    assert_eq!(call.attr("url.template"), Some("/v1/users/{user_id}"));
    assert_eq!(call.attr("server.address"), Some("127.0.0.1"));
    assert_eq!(call.attr("http.response.status_code"), Some("200"));
    assert_eq!(call.attr("clerk.budget_share"), Some("read_through"));
    assert_eq!(call.attr("http.request.resend_count"), None, "the first attempt");
    assert!(descends(&spans, call, lookup));

    assert_eq!(parent_id, call.span_id, "Clerk's parent span is the attempt's");

    // A webhook is a span of its own too: its event type and Svix id, never the secret.
    let update = UserUpdate {
        first_name: Some("Ada L.".into()),
        ..Default::default()
    };
    app.clerk.users().update(&app.user_id, update).expect("update");
    tokio::time::timeout(Duration::from_secs(20), app.clerk.webhooks().wait_idle())
        .await
        .expect("the webhook was delivered");
    // (The other test's app gets deliveries too: this one is the only `user.updated`.)
    let updated =
        |s: &&Span| s.name == "clerk.webhook" && s.attr("clerk.webhook.event_type") == Some("user.updated");
    let spans = wait_for("the webhook's span", |spans| spans.iter().any(|s| updated(&s))).await;
    let webhook = spans.iter().find(updated).expect("webhook span");
    assert_eq!(webhook.attr("clerk.webhook.outcome"), Some("upserted"));
    assert!(
        webhook.attr("svix.id").is_some_and(|id| id.starts_with("msg_")),
        "{webhook:?}"
    );
    assert!(
        descends(&spans, in_trace(&spans, webhook, "INSERT users"), webhook),
        "the webhook's SQL is below it"
    );

    assert_no_secret(&spans, &[&token, app.clerk.secret_key(), WEBHOOK_SECRET]);
    for part in token.split('.').skip(1) {
        assert_no_secret(&spans, &[part]);
    }
}

#[actix_rt::test]
async fn an_incoming_traceparent_from_a_trusted_proxy_is_continued_to_clerk() {
    tracing_to_receiver();
    // The test's client is the trusted proxy.
    let app = spawn_app_with(SpawnOptions {
        settings: vec![("CLERK_TRUSTED_PROXIES", "127.0.0.1".to_owned())],
        ..SpawnOptions::default()
    })
    .await;
    let grace = app
        .clerk
        .users()
        .create(NewUser::default().first_name("Grace").email("grace@example.com"))
        .expect("user");
    let token = app.clerk.minter().session_token(&grace.id).azp(ORIGIN).mint();
    // Her `user.created` delivery stores her: forget the row, so the request misses the cache.
    tokio::time::timeout(Duration::from_secs(20), app.clerk.webhooks().wait_idle())
        .await
        .expect("the webhook was delivered");
    let mut db = app.db().await;
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(&grace.id)
        .execute(&mut db)
        .await
        .expect("forget the row");
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let parent_id = "00f067aa0ba902b7";
    let incoming = format!("00-{trace_id}-{parent_id}-01");

    let reply = app
        .get(
            "/api/me",
            Some(&token),
            &[
                ("traceparent", incoming.as_str()),
                ("tracestate", "vendor=opaque"),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);

    let spans = wait_for("the continued trace", |spans| {
        request_span(spans, Some(trace_id)).is_some()
    })
    .await;
    let request = request_span(&spans, Some(trace_id)).expect("the request span");
    assert_eq!(
        request.parent_span_id, parent_id,
        "the caller's span is the parent"
    );
    let sent = traceparents_at_clerk(&app, &grace.id);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        sent[0].starts_with(&format!("00-{trace_id}-")) && !sent[0].contains(parent_id),
        "Clerk got the caller's trace, under the app's own span: {}",
        sent[0]
    );
    let tracestate: Vec<String> = app
        .clerk
        .calls()
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with(&grace.id))
        .flat_map(|r| {
            r.headers
                .into_iter()
                .filter(|(n, _)| n == "tracestate")
                .map(|(_, v)| v)
        })
        .collect();
    assert!(
        tracestate.is_empty(),
        "a caller's tracestate is not sent on to Clerk: {tracestate:?}"
    );
    assert_no_secret(&spans, &[&token, app.clerk.secret_key(), WEBHOOK_SECRET]);
}

/// An unauthenticated caller's `traceparent` neither picks the trace nor decides the sampling:
/// the request is a root of a trace of its own, exported although the caller said "not
/// sampled", with the caller's span as a link.
#[actix_rt::test]
async fn an_untrusted_callers_traceparent_is_a_link_not_the_parent() {
    tracing_to_receiver();
    let app = spawn_app().await;
    let token = app.token();
    let trace_id = "0af7651916cd43dd8448eb211c80319c";
    let parent_id = "b7ad6b7169203331";
    // Flags `00`: the caller asks us not to sample.
    let incoming = format!("00-{trace_id}-{parent_id}-00");

    let reply = app
        .get("/api/me", Some(&token), &[("traceparent", incoming.as_str())])
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);

    let linked = |s: &Span| {
        s.kind == SpanKind::Server as i32
            && s.attr("http.route") == Some("/api/me")
            && s.links.contains(&(trace_id.to_owned(), parent_id.to_owned()))
    };
    let spans = wait_for("the request linking the caller's span", |spans| {
        spans.iter().any(linked)
    })
    .await;
    let request = spans.iter().find(|s| linked(s)).expect("the request span");
    assert_ne!(request.trace_id, trace_id, "a trace of our own");
    assert!(request.parent_span_id.is_empty(), "a root: {request:?}");
    assert!(
        spans.iter().all(|s| s.trace_id != trace_id),
        "no exported span is in the caller's trace"
    );
    assert_no_secret(&spans, &[&token, app.clerk.secret_key(), WEBHOOK_SECRET]);
}
