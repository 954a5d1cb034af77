#!/usr/bin/env bash
# make soak (not in CI): a steady add/search/delete load on mami-memory for
# SOAK_MINUTES (default 10) after a warm-up minute, sampling its resident
# memory once a minute. Prints the figures and records them in BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES="${SOAK_MINUTES:-10}"
swift build -c release --product mami-memory >&2
swift build -c release --product mami-bench >&2
bin="$(swift build -c release --show-bin-path)"
work="$(mktemp -d /tmp/mami-soak-XXXX)"
trap 'rm -rf "$work"' EXIT
"$bin/mami-bench" memory-soak --service "$bin/mami-memory" --directory "$work" --minutes "$MINUTES" > "$work/soak.json"
python3 scripts/bench_report.py --soak "$work/soak.json" "make soak (SOAK_MINUTES=$MINUTES)" > "$work/soak.md"
cat "$work/soak.md"
python3 scripts/bench_report.py --update BENCHMARKS.md "$work/soak.md"
