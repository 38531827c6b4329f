#!/usr/bin/env bash
# `make run`: the example stack. Lands with the app issue.
echo "make run: the example server (crates/app) is not built yet; see README.md 'Status'." >&2
exit 1
