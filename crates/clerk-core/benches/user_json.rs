//! Parsing and serializing the contract's full `User` example.

use clerk_core::User;
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

const USER: &str = include_str!("../tests/fixtures/user.example.json");

fn bench_user_json(c: &mut Criterion) {
    let mut group = c.benchmark_group("user_json");
    group.throughput(Throughput::Bytes(USER.len() as u64));
    group.bench_function("parse_user_example", |b| {
        b.iter(|| serde_json::from_str::<User>(black_box(USER)).unwrap())
    });
    let user: User = serde_json::from_str(USER).unwrap();
    group.bench_function("serialize_user_example", |b| {
        b.iter(|| serde_json::to_vec(black_box(&user)).unwrap())
    });
    group.bench_function("to_public", |b| b.iter(|| black_box(&user).to_public()));
    group.finish();
}

criterion_group!(benches, bench_user_json);
criterion_main!(benches);
