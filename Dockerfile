# Builds the example app and the offline Clerk emulator (clerk-testkit) into one small image.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release -p app -p clerk-testkit --bins

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/app /usr/local/bin/app
COPY --from=build /src/target/release/clerk-testkit /usr/local/bin/clerk-testkit
USER nobody
EXPOSE 8080
CMD ["app", "serve"]
