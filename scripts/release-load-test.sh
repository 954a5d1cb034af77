#!/usr/bin/env bash
# The gateway load tests (Tests/GatewayTests/LoadTests.swift) against release
# builds of the services: the debug run in `swift test` checks behaviour, this
# one checks it at the speed people run it. The test bundle itself stays a
# debug build; MAMI_TEST_BINARIES points it at the release executables.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release
MAMI_TEST_BINARIES="$(swift build -c release --show-bin-path)" MAMI_LOAD_ROUNDS="${MAMI_LOAD_ROUNDS:-20}" swift test --filter LoadTests
