#!/usr/bin/env bash
# Forwarding figures: events/s and CPU seconds per million events of `wdconnect run --once
# --no-sync` to a real rsyslog over TLS and to a HEC sink, and its peak and sampled memory.
#   cargo build --release -p wdconnect && cargo build --release -p connector --example viewer_query
#   bash benches/forward.sh [EVENTS]        # default 1,000,000
# The store is filled with synthetic events by the viewer_query example (through the store's
# own insert path); each destination is measured alone.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/lib.sh
source "$REPO_ROOT/scripts/lib.sh"
N="${1:-1000000}"
TARGET="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/release"
BIN="$TARGET/wdconnect"
WORK="$(mktemp -d)"
H="$WORK/home"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; services_stop; rm -rf "$WORK"; }
services_start   # the HEC token lives in the Secret Service
trap cleanup EXIT
mkdir -p "$H/data/activity"
cat > "$H/connections.json" <<JSON
{"version": 1, "connections": [{"name": "bench", "client_id": "bench",
 "rest_api_endpoint": "https://bench.workday.com/ccx/api/v1/bench",
 "token_endpoint": "https://bench.workday.com/ccx/oauth2/bench/token",
 "authorization_endpoint": "https://bench.workday.com/bench/authorize"}]}
JSON
"$TARGET/examples/viewer_query" --events "$N" --runs 1 --store "$H/data/activity/bench.sqlite3" >/dev/null

# Runs `run --once --no-sync` under /usr/bin/time, sampling RSS every 0.5 s.
measure() {
  local label="$1"
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/time" "$BIN" --home "$H" run --once --no-sync --log-file "$WORK/run.log" &
  local pid=$! samples=()
  while kill -0 "$pid" 2>/dev/null; do
    local child; child="$(pgrep -P "$pid" wdconnect || true)"
    [ -n "$child" ] && samples+=("$(awk '/VmRSS/ {print $2}' "/proc/$child/status" 2>/dev/null || echo 0)")
    sleep 0.5
  done
  wait "$pid"
  read -r wall user sys maxrss < "$WORK/time"
  local lo hi; lo="$(printf '%s\n' "${samples[@]:-0}" | sort -n | head -1)"; hi="$(printf '%s\n' "${samples[@]:-0}" | sort -n | tail -1)"
  awk -v l="$label" -v n="$N" -v w="$wall" -v u="$user" -v s="$sys" -v m="$maxrss" -v lo="$lo" -v hi="$hi" 'BEGIN {
    printf "%-14s %d events in %.1f s: %.0f events/s, %.2f CPU-s per million, peak RSS %.0f MiB (sampled %.0f-%.0f MiB)\n",
      l, n, w, n / w, (u + s) * 1000000 / n, m / 1024, lo / 1024, hi / 1024 }'
}

# rsyslog with TLS on a port it picks, certificate from a CA made now.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/ca.key" -out "$WORK/ca.pem" -days 1 -subj /CN=bench-ca 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$WORK/key.pem" -out "$WORK/req.csr" -subj /CN=localhost 2>/dev/null
printf 'subjectAltName=DNS:localhost\n' > "$WORK/ext"
openssl x509 -req -in "$WORK/req.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial -out "$WORK/cert.pem" -days 1 -extfile "$WORK/ext" 2>/dev/null
cat > "$WORK/rsyslog.conf" <<CONF
global(workDirectory="$WORK" maxMessageSize="256k" defaultNetstreamDriver="ossl"
  defaultNetstreamDriverCAFile="$WORK/ca.pem" defaultNetstreamDriverCertFile="$WORK/cert.pem"
  defaultNetstreamDriverKeyFile="$WORK/key.pem")
module(load="imtcp" streamDriver.name="ossl" streamDriver.mode="1" streamDriver.authMode="anon")
input(type="imtcp" port="0" address="127.0.0.1" listenPortFileName="$WORK/rsyslog.port")
template(name="msgonly" type="string" string="%msg%\n")
action(type="omfile" file="$WORK/received.log" template="msgonly")
CONF
/usr/sbin/rsyslogd -n -f "$WORK/rsyslog.conf" -i "$WORK/rsyslog.pid" & PIDS+=($!)
until [ -s "$WORK/rsyslog.port" ]; do sleep 0.1; done
"$BIN" --home "$H" forward add bench --name rsyslog --to "syslog+tls://localhost:$(cat "$WORK/rsyslog.port")" --ca "$WORK/ca.pem" >/dev/null
measure "rsyslog/TLS"
sleep 2
echo "  rsyslog wrote $(wc -l < "$WORK/received.log") lines"
"$BIN" --home "$H" forward remove bench rsyslog >/dev/null

python3 "$REPO_ROOT/benches/hec_sink.py" "$WORK/hec.port" bench-token & PIDS+=($!)
until [ -s "$WORK/hec.port" ]; do sleep 0.1; done
printf bench-token | "$BIN" --home "$H" forward add bench --name hec --to "hec+http://127.0.0.1:$(cat "$WORK/hec.port")" --token-stdin >/dev/null
measure "HEC sink"
echo "  the HEC sink counted $(curl -s "http://127.0.0.1:$(cat "$WORK/hec.port")/") events"
