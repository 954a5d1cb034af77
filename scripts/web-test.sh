#!/usr/bin/env bash
# The web client's tests: HTTP checks and a real headless Chromium (Debian's chromium and
# chromium-driver, PyPI's selenium in .venv) against the real stack of the debug build.
# Screenshots of each screen land in .build/screenshots (MAMI_SCREENSHOTS).
# Arguments, if any, name test modules or classes (e.g. test_browser.ImageCardsInTheBrowser).
set -euo pipefail
cd "$(dirname "$0")/.."
export MAMI_BIN="${MAMI_BIN:-$(swift build --show-bin-path)}"
cd Tests/web
if [ $# -eq 0 ]; then
    exec ../../.venv/bin/python -m unittest -v test_http test_browser
fi
exec ../../.venv/bin/python -m unittest -v "$@"
