#!/usr/bin/env bash
# Runs the development stack in the foreground: every service, state under
# ./var, each log line prefixed with its service. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(swift build --show-bin-path)"
export MAMI_RUNTIME_DIR="${MAMI_RUNTIME_DIR:-$PWD/var/run}"
export MAMI_STATE_DIR="${MAMI_STATE_DIR:-$PWD/var/lib}"
export MAMI_HTTP_ADDR="${MAMI_HTTP_ADDR:-127.0.0.1:8080}"
mkdir -p "$MAMI_RUNTIME_DIR" "$MAMI_STATE_DIR"

pids=()
start() {
    local name="$1"
    shift
    "$bin/mami-$name" "$@" > >(sed -u "s/^/[$name] /") 2>&1 &
    pids+=($!)
}
stop() {
    trap - INT TERM
    echo "[run] stopping"
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
    exit 0
}
trap stop INT TERM

# Forge and Ollama: the real ones when their URLs are set, else mami-sim (a development tool).
forge_port=0
ollama_port=0
if [ -z "${MAMI_FORGE_URL:-}" ]; then forge_port="${SIM_FORGE_PORT:-17860}"; export MAMI_FORGE_URL="http://127.0.0.1:$forge_port"; fi
if [ -z "${MAMI_OLLAMA_URL:-}" ]; then ollama_port="${SIM_OLLAMA_PORT:-17434}"; export MAMI_OLLAMA_URL="http://127.0.0.1:$ollama_port"; fi
if [ "$forge_port" != 0 ] || [ "$ollama_port" != 0 ]; then
    start sim --forge-port "$forge_port" --ollama-port "$ollama_port"
fi

start memory
start image-worker
start gateway
echo "[run] Forge: $MAMI_FORGE_URL  Ollama: $MAMI_OLLAMA_URL"
echo "[run] sockets in $MAMI_RUNTIME_DIR, state in $MAMI_STATE_DIR, HTTP on http://$MAMI_HTTP_ADDR"
echo "[run] probe with: $bin/mamictl health --runtime-dir $MAMI_RUNTIME_DIR"
# When any service exits on its own, stop the rest.
wait -n "${pids[@]}" || true
stop
