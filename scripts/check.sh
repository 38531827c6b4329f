#!/usr/bin/env bash
# Quick local gate before a commit: format, clippy with -D warnings (every target).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all
cargo clippy --workspace --all-targets --quiet -- -D warnings
