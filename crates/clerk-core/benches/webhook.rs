//! Verifying a realistic `user.updated` delivery (Svix HMAC over a ~4 KB body).

use std::time::{Duration, UNIX_EPOCH};

use clerk_core::webhook::{WebhookHeaders, WebhookVerifier};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use serde_json::Value;

fn bench_webhook(c: &mut Criterion) {
    let fixture: Value =
        serde_json::from_str(include_str!("../tests/fixtures/signed_deliveries.json")).unwrap();
    let verifier = WebhookVerifier::from_env_value(fixture["secret"].as_str().unwrap()).unwrap();
    let delivery = fixture["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["event_type"] == "user.updated")
        .unwrap();
    let header = |name: &str| delivery["headers"][name].as_str().unwrap().to_owned();
    let (id, ts, sig) = (
        header("svix-id"),
        header("svix-timestamp"),
        header("svix-signature"),
    );
    let body = delivery["raw_body"].as_str().unwrap().as_bytes().to_vec();
    let now = UNIX_EPOCH + Duration::from_secs(ts.parse().unwrap());
    let lookup = |name: &str| match name {
        "svix-id" => Some(id.as_str()),
        "svix-timestamp" => Some(ts.as_str()),
        "svix-signature" => Some(sig.as_str()),
        _ => None,
    };

    let mut group = c.benchmark_group("webhook");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("verify_user_updated", |b| {
        b.iter(|| {
            let headers = WebhookHeaders::from_lookup(lookup);
            verifier
                .verify(black_box(&headers), black_box(&body), now)
                .unwrap();
        })
    });
    group.bench_function("verify_event_user_updated", |b| {
        b.iter(|| {
            let headers = WebhookHeaders::from_lookup(lookup);
            verifier
                .verify_event(black_box(&headers), black_box(&body), now)
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_webhook);
criterion_main!(benches);
