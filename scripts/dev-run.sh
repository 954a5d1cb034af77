#!/usr/bin/env bash
# Runs the development stack in the foreground: every service, state under
# ./var, each log line prefixed with its service. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(swift build --show-bin-path)"
export MAMI_RUNTIME_DIR="${MAMI_RUNTIME_DIR:-$PWD/var/run}"
export MAMI_STATE_DIR="${MAMI_STATE_DIR:-$PWD/var/lib}"
export MAMI_HTTP_ADDR="${MAMI_HTTP_ADDR:-127.0.0.1:8080}"
export MAMI_EMBED_MODEL_PATH="${MAMI_EMBED_MODEL_PATH:-$(scripts/encoder-model.sh)}"
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

# The LLM: the engine named by MAMI_LLM_URL or MAMI_OLLAMA_URL when set; else a real small
# model on llama.cpp's server (scripts/llm-server.py), or mami-sim's echo with MAMI_LLM=sim.
# Forge: MAMI_FORGE_URL when set, else mami-sim (there is no GPU here).
forge_port=0
ollama_port=0
if [ -z "${MAMI_FORGE_URL:-}" ]; then forge_port="${SIM_FORGE_PORT:-17860}"; export MAMI_FORGE_URL="http://127.0.0.1:$forge_port"; fi
if [ -z "${MAMI_LLM_URL:-}" ] && [ -z "${MAMI_OLLAMA_URL:-}" ]; then
    if [ "${MAMI_LLM:-}" = sim ]; then
        ollama_port="${SIM_OLLAMA_PORT:-17434}"
        export MAMI_OLLAMA_URL="http://127.0.0.1:$ollama_port"
    else
        llm_port="${LLM_PORT:-17435}"
        export MAMI_LLM_API=openai MAMI_LLM_URL="http://127.0.0.1:$llm_port" MAMI_CHAT_MODEL="${MAMI_CHAT_MODEL:-smollm2-135m}"
        # The demonstration model reads 2048 tokens at once: the prompt keeps room for the answer.
        export MAMI_PROMPT_TOKENS="${MAMI_PROMPT_TOKENS:-1200}" MAMI_LLM_MAX_TOKENS="${MAMI_LLM_MAX_TOKENS:-512}"
        "$PWD/.venv/bin/python" scripts/llm-server.py "$llm_port" --ctx 2048 --alias "$MAMI_CHAT_MODEL" > >(sed -u "s/^/[llm] /") 2>&1 &
        pids+=($!)
    fi
fi
if [ "$forge_port" != 0 ] || [ "$ollama_port" != 0 ]; then
    start sim --forge-port "$forge_port" --ollama-port "$ollama_port"
fi

start memory
start image-worker
start gateway
echo "[run] Forge: $MAMI_FORGE_URL  LLM: ${MAMI_LLM_API:-ollama} at ${MAMI_LLM_URL:-$MAMI_OLLAMA_URL}"
echo "[run] sockets in $MAMI_RUNTIME_DIR, state in $MAMI_STATE_DIR, HTTP on http://$MAMI_HTTP_ADDR"
echo "[run] probe with: $bin/mamictl health --runtime-dir $MAMI_RUNTIME_DIR"
# When any service exits on its own, stop the rest.
wait -n "${pids[@]}" || true
stop
