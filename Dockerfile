# One Dockerfile, two images; pick one with --target:
#   docker build --target app .        the example app (default; built without the `dev` feature,
#                                      so no emulator is linked in and no `app-dev` binary)
#   docker build --target emulator .   the offline Clerk emulator (clerk-testkit serve), TEST-ONLY
#
# The emulator image also carries the official Clerk browser packages pinned in
# crates/clerk-testkit/clerk-npm.txt (`npm pack`ed by scripts/clerk-js.sh in the `npm` stage, which
# needs the npm registry at build time only) and serves them at /npm/… (`--npm-dir`), so that the
# stack's pages load `@clerk/clerk-js` and `@clerk/ui` offline.
#
# Layers: (1) the workspace manifests and stub sources, then every dependency compiled; (2) the real
# sources, then only the workspace's own crates compiled. A source edit invalidates (2) only: the
# dependency layer is rebuilt when a Cargo.toml or Cargo.lock changes.
FROM rust:1.95-bookworm AS build
WORKDIR /src
# Release binaries without debug info (the workspace profile keeps `debug = 1` for profiling).
ENV CARGO_PROFILE_RELEASE_DEBUG=0 \
    CARGO_TERM_COLOR=never
# Every workspace member's manifest (`members = ["crates/*", "tests", "bench/bare"]`) and the
# bench targets clerk-core declares, so that cargo can load the workspace.
COPY Cargo.toml Cargo.lock ./
COPY crates/clerk-core/Cargo.toml crates/clerk-core/
COPY crates/clerk-backend/Cargo.toml crates/clerk-backend/
COPY crates/clerk-actix/Cargo.toml crates/clerk-actix/
COPY crates/clerk-testkit/Cargo.toml crates/clerk-testkit/
COPY crates/app/Cargo.toml crates/app/build.rs crates/app/
COPY tests/Cargo.toml tests/
COPY bench/bare/Cargo.toml bench/bare/
RUN set -eux; \
    for dir in crates/clerk-core crates/clerk-backend crates/clerk-actix crates/clerk-testkit crates/app tests; do \
        mkdir -p "$dir/src"; : > "$dir/src/lib.rs"; \
    done; \
    for dir in crates/clerk-testkit crates/app bench/bare; do \
        mkdir -p "$dir/src"; echo 'fn main() {}' > "$dir/src/main.rs"; \
    done; \
    mkdir -p crates/app/src/bin; echo 'fn main() {}' > crates/app/src/bin/app-dev.rs; \
    mkdir -p crates/clerk-core/benches; \
    for bench in verify webhook user_json; do echo 'fn main() {}' > "crates/clerk-core/benches/$bench.rs"; done; \
    cargo build --release --locked -p app -p clerk-testkit --bins
# The real sources. Their files may be older than the stubs' build: touch them so cargo rebuilds
# the workspace's crates (and only those) from them.
COPY . .
RUN set -eux; \
    find crates -name '*.rs' -exec touch {} +; \
    cargo build --release --locked -p app -p clerk-testkit --bins; \
    strip target/release/app target/release/clerk-testkit; \
    ls -l target/release/app target/release/clerk-testkit

# The pinned packages, unpacked into /clerk-npm/<name>@<version>/ (the layout `--npm-dir` reads).
FROM node:22-bookworm-slim AS npm
WORKDIR /src
COPY scripts/clerk-js.sh scripts/
COPY crates/clerk-testkit/clerk-npm.txt crates/clerk-testkit/
RUN CLERK_TESTKIT_NPM_DIR=/clerk-npm bash scripts/clerk-js.sh

FROM debian:bookworm-slim AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*
USER nobody

FROM runtime AS emulator
COPY --from=build /src/target/release/clerk-testkit /usr/local/bin/clerk-testkit
COPY --from=npm /clerk-npm /usr/local/share/clerk-npm
EXPOSE 8787
CMD ["clerk-testkit", "serve", "--host=0.0.0.0", "--port=8787", "--npm-dir=/usr/local/share/clerk-npm"]

FROM runtime AS app
COPY --from=build /src/target/release/app /usr/local/bin/app
# 8080: the API; 9090: the admin listener (/metrics), bound to APP_ADMIN_HOST (127.0.0.1 unless set).
EXPOSE 8080 9090
CMD ["app", "serve"]
