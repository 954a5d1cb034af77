#!/usr/bin/env bash
# make bench: sys.health round trips and pipelined throughput over a service's
# Unix socket, measured in the same run as the floor (a minimal C echo server
# on a raw Unix socket answering the same frames). The same C load generator
# drives both; mami-bench adds what a Swift caller sees through RPCClient.
# Figures go to stdout and into BENCHMARKS.md (section "Wire").
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT="${BENCH_COUNT:-20000}"
SECONDS_PER_RUN="${BENCH_SECONDS:-5}"
WINDOW="${BENCH_WINDOW:-64}"

swift build -c release >&2  # every product: the sections below start them all
swift build -c release --product mami-bench >&2
bin="$(swift build -c release --show-bin-path)"
mkdir -p Benchmarks/floor/bin
cc -O2 -pthread -o Benchmarks/floor/bin/echo Benchmarks/floor/echo.c
cc -O2 -pthread -o Benchmarks/floor/bin/loadgen Benchmarks/floor/loadgen.c

export MAMI_EMBED_MODEL_PATH="${MAMI_EMBED_MODEL_PATH:-$(scripts/encoder-model.sh)}"
work="$(mktemp -d /tmp/mami-bench-XXXX)"
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

Benchmarks/floor/bin/echo "$work/floor.sock" & pids+=($!)
MAMI_RUNTIME_DIR="$work/run" MAMI_STATE_DIR="$work/lib" MAMI_LOG_LEVEL=warning "$bin/mami-memory" & pids+=($!)
frame='{"jsonrpc":"2.0","id":1,"method":"sys.health"}'
for socket in "$work/floor.sock" "$work/run/memory.sock"; do
    for _ in $(seq 100); do
        Benchmarks/floor/bin/loadgen latency "$socket" "$frame" 10 > /dev/null 2>&1 && break
        sleep 0.1
    done
done
results="$work/results.jsonl"
measure() {  # label socket
    local label="$1" socket="$2"
    echo "{\"target\":\"$label\",\"result\":$(Benchmarks/floor/bin/loadgen latency "$socket" "$frame" "$COUNT")}" >> "$results"
    for connections in 1 8; do
        echo "{\"target\":\"$label\",\"result\":$(Benchmarks/floor/bin/loadgen throughput "$socket" "$frame" "$connections" "$WINDOW" "$SECONDS_PER_RUN")}" >> "$results"
    done
}
measure floor "$work/floor.sock"
measure memory "$work/run/memory.sock"
"$bin/mami-bench" --socket "$work/run/memory.sock" --count "$COUNT" --seconds "$SECONDS_PER_RUN" --window "$WINDOW" \
    | sed 's/^/{"target":"memory-swift-client","result":/; s/$/}/' >> "$results"

python3 scripts/bench_report.py "$results" "make bench (BENCH_COUNT=$COUNT BENCH_SECONDS=$SECONDS_PER_RUN BENCH_WINDOW=$WINDOW)" > "$work/section.md"
cat "$work/section.md"
python3 scripts/bench_report.py --update BENCHMARKS.md "$work/section.md"

# Memory at the anchor's shape: 100 000 memories, 100 owners, 200 single queries, k = 5.
MEMORIES="${BENCH_MEMORIES:-100000}"
mkdir -p "$work/memory"
"$bin/mami-bench" memory --service "$bin/mami-memory" --directory "$work/memory" --count "$MEMORIES" > "$work/memory.json"
python3 scripts/bench_report.py --memory "$work/memory.json" "make bench (BENCH_MEMORIES=$MEMORIES)" > "$work/memory.md"
cat "$work/memory.md"
python3 scripts/bench_report.py --update BENCHMARKS.md "$work/memory.md"

# Recall on the development set (Benchmarks/recall/), per embedder.
mkdir -p "$work/recall"
MAMI_EMBEDDER=hashing "$bin/mami-bench" recall --service "$bin/mami-memory" --directory "$work/recall/hashing" --set Benchmarks/recall \
    --embedder "built-in hashing (hashed trigrams)" > "$work/recall-hashing.json"
MAMI_EMBEDDER=e5-small "$bin/mami-bench" recall --service "$bin/mami-memory" --directory "$work/recall/e5" --set Benchmarks/recall \
    --embedder "multilingual-e5-small, 4-bit, in process (the default)" > "$work/recall-e5.json"
"$bin/mami-bench" encoder --model "$MAMI_EMBED_MODEL_PATH" > "$work/encoder.json"
python3 scripts/bench_report.py --recall "make bench (mami-bench recall, mami-bench encoder)" \
    "$work/recall-hashing.json" "$work/recall-e5.json" "$work/encoder.json" > "$work/recall.md"
cat "$work/recall.md"
python3 scripts/bench_report.py --update BENCHMARKS.md "$work/recall.md"

# Image worker against mami-sim: submit → Forge, cancel → interrupt, writes and events per job, 1 000 cancels.
swift build -c release --product mami-image-worker >&2
swift build -c release --product mami-sim >&2
mkdir -p "$work/image"
"$bin/mami-bench" image --worker "$bin/mami-image-worker" --sim "$bin/mami-sim" --directory "$work/image" > "$work/image.json"
python3 scripts/bench_report.py --image "$work/image.json" "make bench (mami-bench image)" > "$work/image.md"
cat "$work/image.md"
python3 scripts/bench_report.py --update BENCHMARKS.md "$work/image.md"

# Gateway end to end: memory frozen, a million-message conversation.
swift build -c release --product mami-gateway >&2
mkdir -p "$work/gateway"
"$bin/mami-bench" gateway --binaries "$bin" --directory "$work/gateway" > "$work/gateway.json"
python3 scripts/bench_report.py --gateway "$work/gateway.json" "make bench (mami-bench gateway)" > "$work/gateway.md"
cat "$work/gateway.md"
python3 scripts/bench_report.py --update BENCHMARKS.md "$work/gateway.md"

# Streamed chats at 1, 32 and 256 clients: the simulator directly, Mami's OpenAI surface, Mami's native SSE, alternating.
mkdir -p "$work/streams"
"$bin/mami-bench" streams --binaries "$bin" --directory "$work/streams" > "$work/streams.json"
python3 scripts/bench_report.py --streams "$work/streams.json" "make bench (mami-bench streams)" > "$work/streams.md"
cat "$work/streams.md"
python3 scripts/bench_report.py --update BENCHMARKS.md "$work/streams.md"

# The web client in headless Chromium: shipped bytes, navigation to a painted conversation (and to a
# 10 000-message one), an image_progress event to the bar's new width.
MAMI_BIN="$bin" .venv/bin/python Benchmarks/web/web_bench.py "make bench (Benchmarks/web/web_bench.py)" > "$work/web.md"
cat "$work/web.md"
python3 scripts/bench_report.py --update BENCHMARKS.md "$work/web.md"

# A real engine: llama.cpp's server with the demonstration model, called directly and through the gateway, at 1 and 4 streams.
engine_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
engine_options="--greedy --parallel 4 --ctx 4096"
.venv/bin/python scripts/llm-server.py "$engine_port" $engine_options > "$work/llm-server.log" 2>&1 & engine_pid=$!
pids+=($engine_pid)
until grep -q "^llm-server: .* on http://" "$work/llm-server.log"; do  # printed once the model answers
    kill -0 "$engine_pid" 2>/dev/null || { cat "$work/llm-server.log" >&2; exit 1; }
    sleep 0.2
done
mkdir -p "$work/engine"
"$bin/mami-bench" engine --binaries "$bin" --directory "$work/engine" --engine "http://127.0.0.1:$engine_port" \
    --engine-pid "$engine_pid" > "$work/engine.json"
kill "$engine_pid"
python3 scripts/bench_report.py --engine "$work/engine.json" "make bench (mami-bench engine; the engine: scripts/llm-server.py PORT $engine_options)" > "$work/engine.md"
cat "$work/engine.md"
python3 scripts/bench_report.py --update BENCHMARKS.md "$work/engine.md"
