#!/usr/bin/env bash
# Installs Debian's headless browser for the browser tests when missing: chromium,
# chromium-driver (the WebDriver server) and fonts-dejavu-core (legible screenshots).
# `make test` and `.ci/run` call it; no browser is downloaded at run time.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
echo "browser tests: installing chromium, chromium-driver, fonts-dejavu-core (Debian packages)" >&2
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -qq chromium chromium-driver fonts-dejavu-core >&2 \
  || ($SUDO apt-get update -qq >&2 && $SUDO apt-get install -y -qq chromium chromium-driver fonts-dejavu-core >&2)
