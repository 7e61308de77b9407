#!/usr/bin/env bash
# The client bench (tests/benches/client.rs) counted in instructions instead of
# seconds: each side runs alone under valgrind's callgrind, twice with different
# amounts of work, and the difference over the extra work is its cost per call (per
# item for paging), free of the process's start-up and of the machine's noise. The
# same binary and inputs give the same figures on any run.
#
#     bash scripts/bench-client-instructions.sh
#
# Output (stable; later columns may be added at the end):
#
#     bench-client-instructions call generated_per_call=<n> baseline_per_call=<n> ratio=<n>
#     bench-client-instructions paging generated_per_item=<n> baseline_per_item=<n> ratio=<n>
#
# The counts include the loopback server's work, which is the same for both sides
# but for what the generated client sends beyond the baseline (its User-Agent).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v valgrind >/dev/null; then
    echo "bench-client-instructions: valgrind is not installed (Debian: apt-get install valgrind)" >&2
    exit 1
fi

# The bench binary, built as `cargo bench` builds it.
binary=$(cargo bench -p tests --bench client --no-run --message-format=json 2>/dev/null |
    python3 -c '
import json, sys
for line in sys.stdin:
    message = json.loads(line)
    if message.get("reason") == "compiler-artifact" and message["target"]["name"] == "client" and message.get("executable"):
        print(message["executable"])
')
if [ -z "$binary" ]; then
    echo "bench-client-instructions: building the client bench failed; run: cargo bench -p tests --bench client --no-run" >&2
    exit 1
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# Instructions of one run of `$1` (a BENCH_ONLY kind) doing `$2` units of work.
instructions() {
    BENCH_ONLY=$1 BENCH_COUNT=$2 valgrind --tool=callgrind --callgrind-out-file="$scratch/out" "$binary" \
        >"$scratch/stdout" 2>"$scratch/stderr" || {
        cat "$scratch/stderr" >&2
        exit 1
    }
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$scratch/stderr"
}

# Instructions per unit of `$1`: the runs of `$2` and `$3` units, differenced.
per_unit() {
    local small large
    small=$(instructions "$1" "$2")
    large=$(instructions "$1" "$3")
    echo $(((large - small) / ($3 - $2)))
}

call_generated=$(per_unit call-generated 1000 3000)
call_baseline=$(per_unit call-baseline 1000 3000)
# One unit of paging is a stream of 20 pages of 100 items.
items=2000
paging_generated=$(($(per_unit paging-generated 2 6) / items))
paging_baseline=$(($(per_unit paging-baseline 2 6) / items))

python3 - "$call_generated" "$call_baseline" "$paging_generated" "$paging_baseline" <<'EOF'
import sys
cg, cb, pg, pb = map(int, sys.argv[1:])
print(f"bench-client-instructions call generated_per_call={cg} baseline_per_call={cb} ratio={cg / cb:.3f}")
print(f"bench-client-instructions paging generated_per_item={pg} baseline_per_item={pb} ratio={pg / pb:.3f}")
EOF
