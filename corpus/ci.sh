#!/usr/bin/env bash
# CI: the corpus runner on the fixed subset (corpus/ci-subset.txt), every crate cargo-checked.
# Downloads the corpus first if needed (OPENAPI_CORPUS, default $HOME/.cache/openapi-corpus,
# with FETCH_CORPUS, default ../shared/corpus/fetch-corpus.sh). Exits 1 if any spec fails.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${OPENAPI_CORPUS:-$HOME/.cache/openapi-corpus}
if [[ ! -f $corpus/dev-ids.txt ]]; then
  bash "${FETCH_CORPUS:-../shared/corpus/fetch-corpus.sh}" "$corpus"
fi
cargo run -q -p corpus-runner -- --corpus "$corpus" \
  --ids corpus/ci-subset.txt --compile-sample corpus/ci-subset.txt
