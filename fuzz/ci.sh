#!/usr/bin/env bash
# CI: both fuzz targets for a fixed 60 s budget from the fixed seed (the same inputs on
# every run, as far as the budget reaches), with a slice of the dev corpus as seeds and
# one generated crate cargo-checked. The corpus must be there (corpus/ci.sh, which runs
# before this in .ci/run, fetches it; OPENAPI_CORPUS, default $HOME/.cache/openapi-corpus):
# without it this fails instead of fuzzing less. Exits 1 on any invariant failure;
# failing inputs are saved under target/fuzz/crashes with a replay command.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${OPENAPI_CORPUS:-$HOME/.cache/openapi-corpus}
cargo run -q -p specwright-fuzz -- --seconds 60 --corpus "$corpus" --require-corpus --compile-sample 1
