#!/usr/bin/env bash
# Copies the README's screenshots from the browser tests' output (.build/screenshots, written by
# `make test` / `make web-test`) into docs/screenshots.
set -euo pipefail
cd "$(dirname "$0")/.."
source="${MAMI_SCREENSHOTS:-.build/screenshots}"
mkdir -p docs/screenshots
for name in chat-markdown-desktop-light image-card-running-desktop-light image-card-done-desktop-dark chat-phone-dark; do
    cp "$source/$name.png" docs/screenshots/
done
