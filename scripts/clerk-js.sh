#!/usr/bin/env bash
# The official Clerk browser packages the offline Clerk serves (issue 23): `npm pack`s each
# `name@version` pinned in crates/clerk-testkit/clerk-npm.txt (the one place) and unpacks it into
# target/clerk-npm/<name>@<version>/ (so target/clerk-npm/@clerk/clerk-js@6.40.0/dist/clerk.browser.js).
# Cached: a package already unpacked is not fetched again. Prints the directory on stdout, for
# CLERK_TESTKIT_NPM_DIR (clerk-testkit serve, the app's dev mode) and the browser tests.
# `make test` and `make run` call it. Needs npm (Node.js) only when something is missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
pins="$root/crates/clerk-testkit/clerk-npm.txt"
dir="${CLERK_TESTKIT_NPM_DIR:-${CARGO_TARGET_DIR:-$root/target}/clerk-npm}"
mkdir -p "$dir"
while IFS= read -r line; do
  spec="$(echo "$line" | sed -e 's/#.*//' -e 's/[[:space:]]//g')"
  [ -n "$spec" ] || continue
  dest="$dir/$spec"
  if [ -f "$dest/package.json" ] && [ -d "$dest/dist" ]; then
    continue
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "clerk-js.sh: $spec is not in $dir and npm is not installed (install Node.js, then rerun)" >&2
    exit 1
  fi
  echo "clerk-js.sh: npm pack $spec into $dest" >&2
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "$spec" >/dev/null)
  tarball="$(ls "$work"/*.tgz)"
  rm -rf "$dest.partial"
  mkdir -p "$dest.partial"
  tar -xzf "$tarball" -C "$dest.partial" --strip-components=1
  rm -rf "$dest"
  mv "$dest.partial" "$dest"
  rm -rf "$work"
  trap - EXIT
done < "$pins"
echo "$dir"
