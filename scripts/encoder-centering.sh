#!/usr/bin/env bash
# Regenerates Shared/Encoder/E5Centering.swift (the memory service's centering means
# for e5-small) from Shared/Encoder/centering-texts.json with the model make deps installed.
set -euo pipefail
cd "$(dirname "$0")/.."
model="$(scripts/encoder-model.sh)"
swift build -c release --product mami-bench >&2
"$(swift build -c release --show-bin-path)/mami-bench" encoder-centering --model "$model" \
    --texts Shared/Encoder/centering-texts.json --sha256 "$(sha256sum "$model" | cut -d' ' -f1)" > Shared/Encoder/E5Centering.swift.new
mv Shared/Encoder/E5Centering.swift.new Shared/Encoder/E5Centering.swift
