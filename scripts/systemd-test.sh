#!/usr/bin/env bash
# make systemd-test: runs deploy/systemd's units under a real systemd as PID 1,
# in private PID and mount namespaces with private tmpfs on /run, /tmp, /var/tmp
# and /var/lib (never the machine's: systemd cleans /tmp at boot), against the
# built binaries and a mami-sim. Checks: services are active only once READY
# (they answer the moment `systemctl start` returns); a frozen memory service is
# restarted by the watchdog within WatchdogSec + RestartSec while chat answers;
# a killed image worker is restarted alone; while memory is down, a client
# connecting to its socket is queued and served, not refused.
# Needs root; anything else prints why it is skipped and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."

skip() { echo "systemd-test: SKIPPED: $*"; exit 0; }
[ "$(id -u)" = 0 ] || skip "needs root (unshare of PID and mount namespaces, systemd as PID 1)"
[ -x /lib/systemd/systemd ] || skip "/lib/systemd/systemd is missing (Debian package: systemd)"
unshare --pid --fork --mount --propagation private true 2>/dev/null || skip "this kernel or container refuses new PID/mount namespaces"

bin="$(swift build --show-bin-path)"
work="$(mktemp -d /tmp/mami-systemd-XXXX)"
units="$work/units"
mkdir -p "$units"
port=$((20000 + RANDOM % 10000)); sim_forge=$((port + 1)); sim_ollama=$((port + 2))
pids=()
cleanup() {
    # SIGKILL: unshare forwards SIGTERM to systemd, which as PID 1 ignores it; --kill-child takes systemd down with unshare.
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
systemd_pid=""
fail() {
    echo "systemd-test: FAILED: $*"
    echo "--- systemd console (last 60 lines) ---"; tail -60 "$work/console.log"
    if [ -n "$systemd_pid" ]; then
        echo "--- units ---"
        nsenter --target "$systemd_pid" --mount --pid systemctl status --no-pager --lines=15 'mami-*' 2>&1 | tail -80 || true
    fi
    exit 1
}
pass() { echo "systemd-test: ok: $*"; }

# The deploy units, pointed at the built binaries and the simulator, as root, outside the default dependencies.
# The binaries are copied into the private /run too: the checkout may itself live under /tmp, which the namespace hides.
inbin=/run/mami-test-bin
model="$(scripts/encoder-model.sh)"  # installed where the units expect it (docs/operations.md), in the private namespace
for unit in deploy/systemd/*.service deploy/systemd/*.socket deploy/systemd/*.target; do
    sed -e "s#^ExecStart=/usr/local/bin/#ExecStart=$inbin/#" -e '/^User=/d' -e '/^Group=/d' -e '/^SocketUser=/d' -e '/^SocketGroup=/d' \
        -e 's#^\[Unit\]#[Unit]\nDefaultDependencies=no#' "$unit" > "$units/$(basename "$unit")"
done
for service in "$units"/*.service; do
    sed -i "s#^\[Service\]#[Service]\nEnvironment=MAMI_HTTP_ADDR=127.0.0.1:$port MAMI_OLLAMA_URL=http://127.0.0.1:$sim_ollama MAMI_FORGE_URL=http://127.0.0.1:$sim_forge MAMI_BCRYPT_COST=4#" "$service"
done

"$bin/mami-sim" --forge-port "$sim_forge" --ollama-port "$sim_ollama" --token-ms 1 > "$work/sim.log" 2>&1 & pids+=($!)

# The units are copied into the private /run before the private /tmp hides where they were written.
unshare --pid --fork --kill-child --mount --mount-proc --propagation private sh -c "
    mount -t tmpfs tmpfs /run; mkdir -p /run/systemd/system $inbin; cp $units/* /run/systemd/system/
    cp $bin/mami-memory $bin/mami-image-worker $bin/mami-gateway $bin/mamictl $inbin/
    mount -t tmpfs tmpfs /usr/local/share; mkdir -p /usr/local/share/mami; cp $model /usr/local/share/mami/e5-small-q4.bin
    cp -r $PWD/Services/gateway/Web/client /usr/local/share/mami/web
    mount -t tmpfs tmpfs /tmp; mount -t tmpfs tmpfs /var/tmp; mount -t tmpfs tmpfs /var/lib
    exec /lib/systemd/systemd --system --unit=mami.target --log-target=console --show-status=no" > "$work/console.log" 2>&1 &
unshare_pid=$!
pids+=("$unshare_pid")
for _ in $(seq 100); do
    systemd_pid="$(pgrep -P "$unshare_pid" -x systemd || true)"
    [ -n "$systemd_pid" ] && break
    sleep 0.1
done
[ -n "$systemd_pid" ] || fail "systemd did not start"
inside() { nsenter --target "$systemd_pid" --mount --pid "$@"; }
prop() { inside systemctl show -p "$2" --value "$1"; }

# 1. Active only once READY: `systemctl start` waits for READY=1 of each Type=notify service;
#    when it returns, every socket answers at once (one try each, no retry).
for _ in $(seq 100); do inside systemctl is-system-running >/dev/null 2>&1 && break; inside systemctl list-jobs 2>/dev/null | grep -q "No jobs" && break; sleep 0.2; done
inside systemctl start mami.target || fail "mami.target did not start"
for service in memory image-worker gateway; do
    [ "$(prop "mami-$service.service" ActiveState)" = active ] || fail "mami-$service is not active"
    [ "$(prop "mami-$service.service" Type)" = notify ] || fail "mami-$service is not Type=notify"
    inside "$inbin/mamictl" call --runtime-dir /run/mami --timeout-ms 2000 "$service" sys.health > /dev/null || fail "mami-$service active but not answering"
done
pass "all three services active after READY=1 and answering at once"

# The web client, from where the unit says it is installed.
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")" = 200 ] || fail "the web client's page is not served"
pass "the web client's page is served from /usr/local/share/mami/web"

# A user and a conversation, to chat through everything below.
api="http://127.0.0.1:$port/api/v1"
token="$(curl -sf -X POST "$api/auth/register" -d '{"username":"systemd","password":"systemd test"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"
conversation="$(curl -sf -X POST "$api/conversations" -H "Authorization: Bearer $token" -d '{}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
chat() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST "$api/conversations/$conversation/messages" -H "Authorization: Bearer $token" -d '{"content":"hello"}'; }
[ "$(chat)" = 200 ] || fail "chat does not answer"

# A PDF upload: the gateway runs poppler's pdftotext under its unit's hardening.
python3 - "$work/notes.pdf" <<'PDF'
import sys
content = b"BT /F1 12 Tf 72 720 Td (The boiler password is on the blue card.) Tj ET"
objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
           b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
           b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
           b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
pdf, offsets = b"%PDF-1.4\n", []
for number, body in enumerate(objects, 1):
    offsets.append(len(pdf))
    pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
xref = len(pdf)
pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
open(sys.argv[1], "wb").write(pdf)
PDF
status="$(curl -s -o "$work/upload.json" -w '%{http_code}' --max-time 60 -X POST "$api/documents?wait=true" -H "Authorization: Bearer $token" \
    -F "file=@$work/notes.pdf;type=application/pdf")"
[ "$status" = 201 ] || fail "a PDF upload under the gateway's unit answered $status: $(cat "$work/upload.json")"
pass "a PDF upload was read by pdftotext under the gateway unit's hardening"

# 2. Memory frozen: the watchdog (WatchdogSec=10s) kills it, Restart=on-failure brings it back (RestartSec=1s).
memory_pid="$(prop mami-memory.service MainPID)"
restarts="$(prop mami-memory.service NRestarts)"
inside kill -STOP "$memory_pid"
frozen_at=$(date +%s)
answered=0; refused=0
while [ "$(prop mami-memory.service NRestarts)" = "$restarts" ]; do
    [ $(( $(date +%s) - frozen_at )) -le 25 ] || fail "memory was not restarted 25 s after freezing"
    if [ "$(chat)" = 200 ]; then answered=$((answered + 1)); else refused=$((refused + 1)); fi
    sleep 0.5
done
restarted_after=$(( $(date +%s) - frozen_at ))
[ "$refused" = 0 ] || fail "$refused chats failed while memory was frozen"
for _ in $(seq 100); do [ "$(prop mami-memory.service ActiveState)" = active ] && break; sleep 0.2; done
[ "$(prop mami-memory.service MainPID)" != "$memory_pid" ] || fail "memory kept its frozen process"
[ "$restarted_after" -le 13 ] || fail "the watchdog took ${restarted_after} s (WatchdogSec 10 + RestartSec 1)"
pass "frozen memory restarted by the watchdog after ${restarted_after} s; $answered chats answered meanwhile, none failed"

# 3. Image worker killed: it alone is restarted.
gateway_pid="$(prop mami-gateway.service MainPID)"; memory_pid="$(prop mami-memory.service MainPID)"
worker_pid="$(prop mami-image-worker.service MainPID)"
inside kill -KILL "$worker_pid"
for _ in $(seq 100); do
    now="$(prop mami-image-worker.service MainPID)"
    [ "$now" != "$worker_pid" ] && [ "$now" != 0 ] && [ "$(prop mami-image-worker.service ActiveState)" = active ] && break
    sleep 0.1
done
[ "$(prop mami-image-worker.service ActiveState)" = active ] || fail "the image worker was not restarted"
[ "$(prop mami-gateway.service MainPID)" = "$gateway_pid" ] || fail "the gateway was restarted too"
[ "$(prop mami-memory.service MainPID)" = "$memory_pid" ] || fail "memory was restarted too"
[ "$(chat)" = 200 ] || fail "chat does not answer after the worker restarted"
pass "killed image worker restarted alone"

# 4. Socket activation: with memory stopped, a client connecting to its socket waits and is served.
inside systemctl stop mami-memory.service
[ "$(prop mami-memory.socket ActiveState)" = active ] || fail "memory's socket went down with the service"
inside "$inbin/mamictl" call --runtime-dir /run/mami --timeout-ms 15000 memory sys.health > /dev/null || fail "a client of the stopped memory service was refused"
[ "$(prop mami-memory.service ActiveState)" = active ] || fail "the socket did not start memory"
pass "a connection to stopped memory's socket was queued, started the service and was answered"

inside systemctl stop mami.target
echo "systemd-test: all checks passed"
