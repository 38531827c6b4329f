# One build stage for both images; pick one with --target:
#   docker build --target app .        the example app (default; no emulator linked in)
#   docker build --target emulator .   the offline Clerk emulator (clerk-testkit serve), TEST-ONLY
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
# The app without the `dev` feature (it cannot run the emulator), and the emulator's own binary,
# in one cargo invocation so they share the compiled dependencies.
RUN cargo build --release --locked -p app -p clerk-testkit --bins

FROM debian:bookworm-slim AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*
USER nobody

FROM runtime AS emulator
COPY --from=build /src/target/release/clerk-testkit /usr/local/bin/clerk-testkit
EXPOSE 8787
CMD ["clerk-testkit", "serve", "--host=0.0.0.0", "--port=8787"]

FROM runtime AS app
COPY --from=build /src/target/release/app /usr/local/bin/app
# 8080: the API; 9090: the admin listener (/metrics), bound to APP_ADMIN_HOST (127.0.0.1 unless set).
EXPOSE 8080 9090
CMD ["app", "serve"]
