#!/usr/bin/env bash
# Figures for the release notes, not a test (CI never runs it): the release binary's size, time
# from launch to the window's first content, and resident memory with the window open and after a
# minute hidden in the tray. Runs the release build under its own Xvfb + D-Bus session, on an empty
# temporary --home. Usage: bash scripts/measure-desktop.sh [--no-build] [--runs N] [--hidden-secs S]
#
# How each figure is measured:
# - launch to first content: wall time from the WebDriver "new session" request to tauri-driver
#   (WebKitWebDriver then starts the app and connects to its webview) until an `h1` element exists
#   in the page, polled every 50 ms. It includes WebKitWebDriver's own start-up, so it is an upper
#   bound of what a person sees; the first run is cold only if the OS page cache is.
# - Open to first content: the window of the app launched for the previous figure is closed the
#   way a window manager's close button closes it (scripts/x11-close.py sends the X11
#   WM_DELETE_WINDOW message a close button sends; Xvfb has no window manager to click), which
#   destroys the window and its webview; once WebDriver sees no window left, a second launch
#   (what a person's second click on the app does; the tray's Open calls the same function)
#   asks the running app to open its window; the time until an `h1` exists in the new window.
# - memory: RSS and PSS (from /proc/PID/smaps_rollup) summed over the app and every descendant
#   process (WebKitWebProcess, WebKitNetworkProcess, bubblewrap helpers if any). PSS splits
#   shared pages between processes, so the PSS sum does not count shared libraries twice.
#   Measured on the app started as a person starts it (not under WebDriver): 10 s after launch
#   with the window open; after --hidden-secs (60) started with `--hidden` (at login: no window
#   is built); and after --hidden-secs following a close (as above) of a window open 10 s, by
#   then in the fresh process the app hands the tray to (WDCONNECT_RESTART_AFTER_CLOSE=0 measures
#   the process that built the window instead).
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

if [ "${CI:-}" = "true" ]; then
  log "measure-desktop.sh reports figures for a person; it does not run in CI"
  exit 0
fi

BUILD=1 RUNS=3 HIDDEN_SECS=60
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) BUILD=0 ;;
    --runs) RUNS=$2; shift ;;
    --hidden-secs) HIDDEN_SECS=$2; shift ;;
    *) die "unknown option $1 (see the top of $0)" ;;
  esac
  shift
done

TARGET=${CARGO_TARGET_DIR:-$REPO_ROOT/target}
APP="$TARGET/release/workday-connector"
if [ $BUILD -eq 1 ]; then
  ui_build
  log "Building the release binary (several minutes on 2 cores when cold)"
  cargo build --release -p workday-connector --locked
fi
[ -x "$APP" ] || die "$APP is missing: run without --no-build"
command -v tauri-driver >/dev/null || die "tauri-driver is missing (cargo install tauri-driver --version '^2')"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/wdc-measure.XXXXXX")
DRIVER_PID=""
cleanup() {
  # The apps this script launched (their --home is under $WORK), then the driver (SIGTERM only:
  # killed hard, it leaves WebKitWebDriver behind), then the services.
  pkill -TERM -f "^$APP .*--home $WORK/" 2>/dev/null || true
  sleep 1
  if [ -n "$DRIVER_PID" ] && kill -TERM "$DRIVER_PID" 2>/dev/null; then wait "$DRIVER_PID" 2>/dev/null || true; fi
  services_stop
  rm -rf "$WORK"
}
trap cleanup EXIT
services_start

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
tauri-driver --port "$PORT" --native-port "$(free_port)" >"$WORK/driver.log" 2>&1 &
DRIVER_PID=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
WD="http://127.0.0.1:$PORT"

now_ms() { date +%s%3N; }
wd() { curl -sS --max-time 120 -H 'Content-Type: application/json' "$@"; }

# Launches the app on a fresh home; sets SESSION, HOME_DIR, SESSION_MS and CONTENT_MS.
launch() {
  HOME_DIR="$WORK/home-$1"
  local caps start
  caps=$(printf '{"capabilities":{"alwaysMatch":{"tauri:options":{"application":"%s","args":["--home","%s"]}}}}' "$APP" "$HOME_DIR")
  start=$(now_ms)
  SESSION=$(wd -X POST "$WD/session" -d "$caps" | sed -n 's/.*"sessionId":"\([^"]*\)".*/\1/p')
  [ -n "$SESSION" ] || die "no WebDriver session (see $WORK/driver.log)"
  SESSION_MS=$(( $(now_ms) - start ))
  local deadline=$(( $(now_ms) + 60000 ))
  until wd -X POST "$WD/session/$SESSION/element" -d '{"using":"css selector","value":"h1"}' | grep -q 'element-6066'; do
    [ "$(now_ms)" -lt $deadline ] || die "no h1 within 60 s"
    sleep 0.05
  done
  CONTENT_MS=$(( $(now_ms) - start ))
}

app_pid() { pgrep -n -f "^$APP --home $HOME_DIR( |\$)"; }
# Ends the app WebDriver launched and waits until it is gone (the app is single-instance: one
# still shutting down would take over the next launch). A closed session leaves it in the tray.
stop_launched() {
  pkill -TERM -f "^$APP --home $HOME_DIR( |\$)" || true
  for _ in $(seq 100); do pgrep -f "^$APP --home $HOME_DIR( |\$)" >/dev/null || return 0; sleep 0.1; done
  die "the app did not stop within 10 s of SIGTERM"
}

descendants() {
  local pid=$1
  echo "$pid"
  for child in $(pgrep -P "$pid"); do descendants "$child"; done
}

# Prints "RSS_KiB PSS_KiB processes" summed over the app and its descendants.
memory() {
  local rss=0 pss=0 names=() pid
  for pid in $(descendants "$1"); do
    [ -r "/proc/$pid/smaps_rollup" ] || continue
    rss=$(( rss + $(awk '/^Rss:/ {print $2}' "/proc/$pid/smaps_rollup") ))
    pss=$(( pss + $(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup") ))
    names+=("$(cat "/proc/$pid/comm")")
  done
  echo "$rss $pss ${names[*]}"
}

mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

SIZE=$(stat -c %s "$APP")
echo
echo "Workday Connector $(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1), release build, $(uname -m), $(nproc) cores, Xvfb $DISPLAY"
echo "binary: $APP"
echo "binary size: $(awk -v b="$SIZE" 'BEGIN { printf "%.1f MiB (%d bytes)", b / 1048576, b }')"

# Closes the app's windows as a close button does; waits until WebDriver sees none.
close_window() {
  python3 scripts/x11-close.py "$1" || die "no window of process $1 to close"
}
window_handles() { wd "$WD/session/$SESSION/window/handles" | tr -d ' \n' | sed -n 's/.*"value":\[\(.*\)\].*/\1/p'; }

times=() opens=()
for run in $(seq "$RUNS"); do
  launch "$run"
  echo "launch $run: session created after ${SESSION_MS} ms, first content (h1) after ${CONTENT_MS} ms"
  times+=("$CONTENT_MS")
  close_window "$(app_pid)"
  deadline=$(( $(now_ms) + 20000 ))
  while [ -n "$(window_handles)" ]; do
    [ "$(now_ms)" -lt $deadline ] || die "the window was not destroyed within 20 s of the close"
    sleep 0.05
  done
  start=$(now_ms)
  "$APP" --home "$HOME_DIR" >/dev/null 2>&1 || die "the second launch failed"
  deadline=$(( start + 20000 ))
  until handle=$(window_handles | tr -d '"' | cut -d, -f1) && [ -n "$handle" ] \
      && wd -X POST "$WD/session/$SESSION/window" -d "{\"handle\":\"$handle\"}" >/dev/null \
      && wd -X POST "$WD/session/$SESSION/element" -d '{"using":"css selector","value":"h1"}' | grep -q 'element-6066'; do
    [ "$(now_ms)" -lt $deadline ] || die "no h1 within 20 s of Open"
    sleep 0.05
  done
  opens+=("$(( $(now_ms) - start ))")
  echo "open $run (after a close): first content (h1) after ${opens[-1]} ms"
  if [ "$run" -lt "$RUNS" ]; then
    wd -X DELETE "$WD/session/$SESSION" >/dev/null
    stop_launched
  fi
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "launch to first content: median $(median "${times[@]}") ms over $RUNS runs"
echo "Open (after a close) to first content: median $(median "${opens[@]}") ms over $RUNS runs (includes the second launch's start and hand-over)"

wd -X DELETE "$WD/session/$SESSION" >/dev/null
stop_launched

# Memory, outside WebDriver: the app as a person starts it, on a fresh home each time.
# Stops an app and waits until it is gone: the app is single-instance, so one still shutting
# down would take over the next launch. (`wait` cannot: the app is not this shell's child.)
stop_app() {
  kill -TERM "$1" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  die "the app (pid $1) did not stop within 10 s of SIGTERM"
}
run_plain() {
  HOME_DIR="$WORK/home-$1"; shift
  "$APP" "$@" --home "$HOME_DIR" >"$WORK/app-$(basename "$HOME_DIR").log" 2>&1 &
  echo $!
}
PID=$(run_plain open)
sleep 10
kill -0 "$PID" 2>/dev/null || die "the app exited (see $WORK/app-home-open.log)"
read -r RSS PSS NAMES <<<"$(memory "$PID")"
echo "memory, window open (10 s after launch): RSS $(mib "$RSS"), PSS $(mib "$PSS") over: $NAMES"
stop_app "$PID"

PID=$(run_plain hidden --hidden)
sleep "$HIDDEN_SECS"
kill -0 "$PID" 2>/dev/null || die "the app exited (see $WORK/app-home-hidden.log)"
read -r RSS PSS NAMES <<<"$(memory "$PID")"
echo "memory, hidden in the tray for ${HIDDEN_SECS} s (--hidden): RSS $(mib "$RSS"), PSS $(mib "$PSS") over: $NAMES"
stop_app "$PID"

# After a close the app hands the tray to a fresh process (after WDCONNECT_RESTART_AFTER_CLOSE
# seconds, 30 by default; 0 keeps the process that built the window): measured is whichever app
# process holds the home then.
PID=$(run_plain closed)
sleep 10
close_window "$PID"
sleep "$HIDDEN_SECS"
PID=$(pgrep -n -f "^$APP .*--home $WORK/home-closed( |\$)") \
  || die "no app left in the tray after its window closed (see $WORK/app-home-closed.log)"
read -r RSS PSS NAMES <<<"$(memory "$PID")"
echo "memory, ${HIDDEN_SECS} s after the window's close button: RSS $(mib "$RSS"), PSS $(mib "$PSS") over: $NAMES ($(tr '\0' ' ' </proc/"$PID"/cmdline | cut -d' ' -f2-))"
stop_app "$PID"
