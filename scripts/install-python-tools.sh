#!/usr/bin/env bash
# The Python tools the tests drive the gateway with, as a real client would:
# the `openai` package (the OpenAI-compatible surface) and `websockets`
# (the progress socket), and PyYAML (docs/openapi.yaml → the served JSON).
# Installed from PyPI into ./.venv, pinned.
set -euo pipefail
cd "$(dirname "$0")/.."
want="openai==3.54.0 websockets==17.4 PyYAML==6.0.3"
if [ -x .venv/bin/python ] && .venv/bin/python -c 'import openai, websockets, yaml' 2>/dev/null; then exit 0; fi
python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check $want
