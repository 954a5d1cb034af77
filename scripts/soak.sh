#!/usr/bin/env bash
# make soak (not in CI): resident memory under a steady load, figures into BENCHMARKS.md.
#   the whole stack (SOAK_MINUTES, default 30): chat as JSON and SSE from 4 clients,
#     memory add/search/delete, small images (some cancelled) against mami-sim;
#     each service's resident memory sampled once a minute after a warm-up minute.
#   SOAK_MEMORY_MINUTES (default 0 = skip): the memory service alone under add/search/delete.
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES="${SOAK_MINUTES:-30}"
MEMORY_MINUTES="${SOAK_MEMORY_MINUTES:-0}"
swift build -c release >&2
bin="$(swift build -c release --show-bin-path)"
work="$(mktemp -d /tmp/mami-soak-XXXX)"
trap 'rm -rf "$work"' EXIT

"$bin/mami-bench" stack-soak --binaries "$bin" --directory "$work/stack" --minutes "$MINUTES" > "$work/stack.json"
python3 scripts/bench_report.py --stack-soak "$work/stack.json" "make soak (SOAK_MINUTES=$MINUTES)" > "$work/stack.md"
cat "$work/stack.md"
python3 scripts/bench_report.py --update BENCHMARKS.md "$work/stack.md"

if [ "$MEMORY_MINUTES" -gt 0 ]; then
    mkdir -p "$work/memory"
    "$bin/mami-bench" memory-soak --service "$bin/mami-memory" --directory "$work/memory" --minutes "$MEMORY_MINUTES" > "$work/soak.json"
    python3 scripts/bench_report.py --soak "$work/soak.json" "make soak (SOAK_MEMORY_MINUTES=$MEMORY_MINUTES)" > "$work/soak.md"
    cat "$work/soak.md"
    python3 scripts/bench_report.py --update BENCHMARKS.md "$work/soak.md"
fi
