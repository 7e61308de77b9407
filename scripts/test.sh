#!/usr/bin/env bash
# The README's test command: installs what the tests need, then runs every test.
# Prism (the independent request validator of tests/prism.rs) comes from npm, pinned by
# tests/package-lock.json; it is installed when missing or when the lock file changed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x tests/node_modules/.bin/prism ] || [ tests/package-lock.json -nt tests/node_modules/.package-lock.json ]; then
  npm ci --prefix tests --no-audit --no-fund
fi
cargo test --workspace "$@"
