# clerk-actix: `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}'

.PHONY: test
test: ## Run every test (unit, integration, end-to-end, browser, doc tests); finds or starts Postgres, installs Chromium, packs the pinned @clerk/clerk-js and @clerk/ui
	bash scripts/chromium.sh
	CLERK_TESTKIT_NPM_DIR="$$(bash scripts/clerk-js.sh)" && export CLERK_TESTKIT_NPM_DIR && \
	DATABASE_URL="$$(bash scripts/postgres.sh)" && export DATABASE_URL && \
		cargo test --workspace --all-targets && cargo test --workspace --doc

.PHONY: lint
lint: ## Format check, clippy with -D warnings, rustdoc with -D warnings, the fuzz targets build
	cargo fmt --all --check
	SQLX_OFFLINE=true cargo clippy --workspace --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet
	@# The fuzz crate is its own workspace (cargo-fuzz's layout): checked here so it cannot rot.
	cargo check --manifest-path fuzz/Cargo.toml --bins

.PHONY: fmt
fmt: ## Format the code
	cargo fmt --all

.PHONY: bench
bench: ## Criterion benches (verification, has(), fpm, machine-token cache, webhooks, user JSON)
	cargo bench --workspace

.PHONY: load
load: ## Load test: release app on one core vs healthz, bare jsonwebtoken and @clerk/express (wrk)
	bash scripts/load.sh

.PHONY: soak
soak: ## 60 s of high-concurrency load on /api/user and /api/me: zero non-2xx, flat memory (not in CI)
	bash scripts/soak.sh

.PHONY: run
run: ## Run the example stack (app + Postgres; APP_DEV_MODE=1, the offline Clerk, unless CLERK_SECRET_KEY or CLERK_JWT_KEY is set)
	bash scripts/run.sh

# `migrate` and `sync` run the `app` binary (never dev mode); `--features dev` only shares
# `make run`'s build, so nothing is compiled twice.
.PHONY: migrate
migrate: ## Apply the database migrations (app migrate) to the database `make run` uses
	DATABASE_URL="$$(bash scripts/database.sh)" && export DATABASE_URL && \
		cargo run --quiet -p app --features dev --bin app -- migrate

.PHONY: sync
sync: ## One full reconciliation (app sync --full) of `make run`'s database; needs CLERK_SECRET_KEY (dev mode: from the banner)
	DATABASE_URL="$$(bash scripts/database.sh)" && export DATABASE_URL && \
		cargo run --quiet -p app --features dev --bin app -- sync --full

FUZZ_SECONDS ?= 60
FUZZ_TARGETS := token_verify auth_request publishable_key webhook user_json

.PHONY: fuzz
fuzz: ## Run every fuzz target for FUZZ_SECONDS (default 60) each, one after another (installs cargo-fuzz)
	@command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
	python3 fuzz/seed.py
	@# cargo-fuzz needs nightly flags (-Zsanitizer); RUSTC_BOOTSTRAP lets the stable toolchain take them.
	cd fuzz && for target in $(FUZZ_TARGETS); do \
		RUSTC_BOOTSTRAP=1 cargo fuzz run $(FUZZ_FLAGS) $$target -- -max_total_time=$(FUZZ_SECONDS) || exit 1; \
	done
