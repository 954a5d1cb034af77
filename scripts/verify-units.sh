#!/usr/bin/env bash
# Checks deploy/systemd with systemd-analyze: `verify` on every unit (with
# ExecStart pointed at this checkout's build, since verify wants the binaries
# to exist), then each service's `security` exposure score.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(swift build --show-bin-path)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp deploy/systemd/*.service deploy/systemd/*.socket deploy/systemd/*.target "$work/"
sed -i "s|^ExecStart=/usr/local/bin/|ExecStart=$bin/|" "$work"/*.service
status=0
for unit in "$work"/*; do
    if ! out="$(systemd-analyze verify --man=no "$unit" 2>&1)" || [ -n "$out" ]; then
        echo "verify $(basename "$unit"): FAILED"; echo "$out"; status=1
    else
        echo "verify $(basename "$unit"): ok"
    fi
done
for unit in "$work"/*.service; do
    score="$(systemd-analyze security --offline=yes --no-pager "$unit" 2>/dev/null | tail -1)"
    echo "security $(basename "$unit"): $score"
done
exit $status
