# clerk-actix: `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}'

.PHONY: test
test: ## Run every test (unit, integration, end-to-end, doc tests); needs Postgres (see README)
	bash scripts/ensure-postgres.sh
	cargo test --workspace --all-targets
	cargo test --workspace --doc

.PHONY: lint
lint: ## Format check, clippy with -D warnings, rustdoc with -D warnings
	cargo fmt --all --check
	SQLX_OFFLINE=true cargo clippy --workspace --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet

.PHONY: fmt
fmt: ## Format the code
	cargo fmt --all

.PHONY: bench
bench: ## Criterion benches (verification, has(), fpm, webhooks, user JSON)
	cargo bench --workspace

.PHONY: run
run: ## Run the example stack (app + Postgres + offline Clerk)
	bash scripts/run.sh
