# Shared steps of the two quick-start commands: installing what is missing, and the services the
# tests need. Sourced by scripts/sandbox.sh and scripts/test.sh; idempotent throughout.

set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "installing system packages needs root: run as root or install sudo"; fi
}

# Build and runtime libraries of the desktop app (Tauri 2 on WebKitGTK 4.1).
APT_BUILD=(build-essential pkg-config libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev
  librsvg2-dev libsoup-3.0-dev libssl-dev libdbus-1-dev ca-certificates)
# What the tests add: a display, a WebDriver for WebKitGTK, a D-Bus session and a Secret Service, and
# xdg-open (xdg-utils), which the app runs to open the sign-in page and which hands it to $BROWSER.
APT_TEST=(xvfb xauth webkit2gtk-driver dbus dbus-x11 gnome-keyring libsecret-tools procps xdg-utils)

apt_ensure() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "Installing system packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Node.js 18.18 or newer with npm: Debian 12 and Ubuntu 24.04 ship one in their own archives.
node_ensure() {
  local ok=0
  if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>18||(a===18&&b>=18)?0:1)' && ok=1
  fi
  if [ $ok -eq 0 ]; then
    apt_ensure nodejs npm
    node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>18||(a===18&&b>=18)?0:1)' \
      || die "Node.js 18.18 or newer is needed; this system's is $(node --version)"
  fi
}

# The UI's npm packages, exactly as the committed lockfile pins them.
ui_ensure() {
  node_ensure
  if [ ! -d "$REPO_ROOT/ui/node_modules" ] || [ "$REPO_ROOT/ui/package-lock.json" -nt "$REPO_ROOT/ui/node_modules/.package-lock.json" ]; then
    log "Installing the UI's npm packages (npm ci)"
    (cd "$REPO_ROOT/ui" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

ui_build() {
  log "Building the UI"
  (cd "$REPO_ROOT/ui" && npm run --silent build >/dev/null)
}

cargo_ensure() {
  if ! command -v cargo >/dev/null 2>&1; then
    [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
  fi
  command -v cargo >/dev/null 2>&1 || die "a Rust toolchain is needed (rustup.rs), with cargo on PATH"
  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt >/dev/null 2>&1 || true
}

# tauri-driver 2.x, the WebDriver front for the desktop app.
tauri_driver_ensure() {
  if ! tauri-driver --help >/dev/null 2>&1; then
    log "Installing tauri-driver 2.x (cargo install)"
    cargo install tauri-driver --version '^2' --locked --quiet
  fi
}

# --- Services for the tests: a display, a D-Bus session and an unlocked Secret Service ---------

SERVICES_DIR=""
XVFB_PID=""
KEYRING_PID=""

services_start() {
  SERVICES_DIR=$(mktemp -d "${TMPDIR:-/tmp}/wdc-services.XXXXXX")
  # An explicit display of our own: the first number with no socket and no lock.
  local n=90
  while [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ]; do n=$((n + 1)); done
  Xvfb ":$n" -screen 0 1280x900x24 -nolisten tcp >"$SERVICES_DIR/xvfb.log" 2>&1 &
  XVFB_PID=$!
  local waited=0
  until [ -S "/tmp/.X11-unix/X$n" ]; do
    sleep 0.1; waited=$((waited + 1))
    [ $waited -lt 100 ] || die "Xvfb did not start on :$n (see $SERVICES_DIR/xvfb.log)"
  done
  export DISPLAY=":$n"
  log "Xvfb on $DISPLAY (pid $XVFB_PID)"

  # A fresh runtime and data dir: no old login keyring with another password can answer IsLocked.
  export XDG_RUNTIME_DIR="$SERVICES_DIR/runtime" XDG_DATA_HOME="$SERVICES_DIR/data"
  mkdir -p -m 700 "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME"
  eval "$(dbus-launch --sh-syntax)"
  export DBUS_SESSION_BUS_ADDRESS DBUS_SESSION_BUS_PID
  log "D-Bus session (pid $DBUS_SESSION_BUS_PID)"

  # A non-empty password: an empty one creates no keyring.
  printf 'wdc-test-keyring' | gnome-keyring-daemon --unlock --components=secrets --daemonize \
    >"$SERVICES_DIR/keyring.env" 2>"$SERVICES_DIR/keyring.log"
  KEYRING_PID=$(pgrep -n -u "$(id -u)" -f 'gnome-keyring-daemon' || true)
  # Prove the Secret Service stores and returns a secret before any test relies on it.
  printf 'probe' | secret-tool store --label='Workday Connector test probe' service wdc-probe account probe \
    || die "the Secret Service refused to store a secret (see $SERVICES_DIR/keyring.log)"
  [ "$(secret-tool lookup service wdc-probe account probe)" = "probe" ] \
    || die "the Secret Service did not return the stored secret"
  secret-tool clear service wdc-probe account probe
  log "gnome-keyring unlocked (pid ${KEYRING_PID:-?})"
}

services_stop() {
  [ -n "$KEYRING_PID" ] && kill "$KEYRING_PID" 2>/dev/null || true
  [ -n "${DBUS_SESSION_BUS_PID:-}" ] && kill "$DBUS_SESSION_BUS_PID" 2>/dev/null || true
  [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null && wait "$XVFB_PID" 2>/dev/null || true
  [ -n "$SERVICES_DIR" ] && rm -rf "$SERVICES_DIR"
  KEYRING_PID="" XVFB_PID="" SERVICES_DIR=""
  unset DBUS_SESSION_BUS_PID
}

# Runs one named step and reports its wall time, so slow steps show in every run's output.
step() {
  local name=$1; shift
  log "$name"
  local start=$SECONDS
  "$@"
  log "$name: done in $((SECONDS - start)) s"
}

# --- The Linux installer: built from the checkout, installed for real, removed again ----------

TAURI_CLI=(node "$REPO_ROOT/ui/node_modules/@tauri-apps/cli/tauri.js")

# The .deb, with wdconnect inside (tauri.installer.conf.json). Prints its path on stdout.
deb_build() {
  bash "$REPO_ROOT/scripts/stage-cli.sh" >&2
  (cd "$REPO_ROOT" && "${TAURI_CLI[@]}" build --ci --bundles deb \
    --config src-tauri/tauri.installer.conf.json) >&2
  local dir="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/release/bundle/deb"
  local deb
  deb=$(ls -t "$dir"/*.deb | head -n 1) || die "no .deb in $dir"
  printf '%s\n' "$deb"
}

# Installs the package as a user would (apt resolves its dependencies), replacing any older one.
deb_install() {
  local deb=$1
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --reinstall "$deb" >/dev/null
  log "Installed $(dpkg-query -W -f='${Package} ${Version}' workday-connector): .deb $(du -h "$deb" | cut -f1)," \
    "installed $(dpkg-query -W -f='${Installed-Size}' workday-connector) KiB" \
    "(app $(du -h /usr/bin/workday-connector | cut -f1), wdconnect $(du -h /usr/bin/wdconnect | cut -f1))"
}

# Removes the package and checks that its files went with it.
deb_remove() {
  as_root env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq workday-connector >/dev/null
  for f in /usr/bin/workday-connector /usr/bin/wdconnect "/usr/share/applications/Workday Connector.desktop"; do
    [ ! -e "$f" ] || die "$f is still there after apt-get remove"
  done
  log "Removed workday-connector; its files are gone"
}

# The Windows installer hooks, compiled by makensis as Tauri's template includes them: Windows
# installers are built only by the release workflow, so this is their check before a tag.
nsis_hooks_check() {
  apt_ensure nsis
  local out
  out=$(mktemp -d)
  makensis -V2 -WX -DHOOKS="$REPO_ROOT/src-tauri/windows/installer-hooks.nsh" \
    -DOUT="$out/hooks-check.exe" "$REPO_ROOT/src-tauri/windows/hooks-check.nsi"
  rm -rf "$out"
  nsis_hooks_guards "$REPO_ROOT/src-tauri/windows/installer-hooks.nsh"
}

# The hooks' file operations are guarded (an empty APPDATA or LOCALAPPDATA must never aim them at
# the drive root): the only RMDir is the one in WDC_REMOVE_APP_FOLDER (absolute base, the app's
# files inside); every Delete, CopyFiles and CreateDirectory comes after a WDC_ABSOLUTE check in
# its macro; and no file is written (the old .cmd shim, which cmd.exe re-parsed). Prints each
# offending line and fails.
nsis_hooks_guards() {
  awk '
    /^!macro / { macro = $2; checked = 0 }
    /WDC_ABSOLUTE/ && macro != "WDC_ABSOLUTE" { checked = 1 }
    /^[[:space:]]*RMDir/ && macro != "WDC_REMOVE_APP_FOLDER" {
      print FILENAME ":" NR ": RMDir outside WDC_REMOVE_APP_FOLDER: " $0; bad = 1
    }
    /^[[:space:]]*(Delete|CopyFiles|CreateDirectory)/ && !checked {
      print FILENAME ":" NR ": no WDC_ABSOLUTE check before: " $0; bad = 1
    }
    /^[[:space:]]*(FileOpen|FileWrite)/ {
      print FILENAME ":" NR ": writes a file: " $0; bad = 1
    }
    END { exit bad }
  ' "$1"
}

# The installed-package test is built with the whole workspace's features (as by `cargo build
# --workspace`), so it reuses that build instead of recompiling dependencies for `-p e2e` alone.
installer_check() {
  step "Installer: Windows NSIS hooks compile" nsis_hooks_check
  local deb
  deb=$(step "Installer: .deb built from the checkout (release)" deb_build)
  step "Installer: installed with apt" deb_install "$deb"
  step "Installer: the installed app and wdconnect" \
    timeout --signal=TERM --kill-after=30 600 \
    cargo test --workspace --features e2e/installed --test installed --locked
  step "Installer: removed with apt" deb_remove
}
