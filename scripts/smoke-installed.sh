#!/usr/bin/env bash
# The release workflow's check of the installers it just built, on the OS they are for: each is
# installed as a user would, the installed wdconnect answers, and the uninstall removes it.
# Windows: the NSIS setup.exe, silent, and wdconnect through its PATH shim. macOS: the .app from
# the DMG (its wdconnect and its signature). Linux: the .deb through apt.
# Usage: scripts/smoke-installed.sh BUNDLE_DIR   (target/release/bundle or its universal twin)
set -euo pipefail
bundle=${1:?usage: scripts/smoke-installed.sh BUNDLE_DIR}
log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
first() { compgen -G "$1" | head -n 1; }

case "$(uname -s)" in
  MINGW* | MSYS* | CYGWIN*)
    setup=$(first "$bundle/nsis/*-setup.exe") || die "no NSIS setup.exe in $bundle/nsis"
    log "Installing $setup (silent, for the current user)"
    "$setup" /S
    dir="$LOCALAPPDATA/Workday Connector"
    [ -f "$dir/workday-connector.exe" ] || die "the app is not in $dir"
    "$dir/wdconnect.exe" --version
    shim=$(first "$LOCALAPPDATA/Microsoft/WindowsApps/wdconnect.*") || die "no wdconnect on PATH"
    log "PATH shim: $shim"
    cmd //c "$(cygpath -w "$shim")" --version
    log "Uninstalling"
    "$dir/uninstall.exe" /S
    # The uninstaller copies itself away and returns before it is done.
    for _ in $(seq 60); do [ -e "$dir/wdconnect.exe" ] || break; sleep 1; done
    [ ! -e "$dir/wdconnect.exe" ] || die "wdconnect.exe is still there after the uninstall"
    [ -z "$(first "$LOCALAPPDATA/Microsoft/WindowsApps/wdconnect.*")" ] || die "the PATH shim is still there"
    ;;
  Darwin)
    dmg=$(first "$bundle/dmg/*.dmg") || die "no .dmg in $bundle/dmg"
    mnt=$(mktemp -d)
    hdiutil attach -nobrowse -readonly -mountpoint "$mnt" "$dmg" >/dev/null
    trap 'hdiutil detach "$mnt" >/dev/null || true' EXIT
    app="$mnt/Workday Connector.app"
    [ -d "$app" ] || die "no Workday Connector.app in $dmg"
    codesign --verify --deep --strict "$app"
    "$app/Contents/MacOS/wdconnect" --version
    # Both architectures: the DMG is universal.
    lipo -archs "$app/Contents/MacOS/wdconnect" | grep -q arm64
    lipo -archs "$app/Contents/MacOS/wdconnect" | grep -q x86_64
    ;;
  Linux)
    deb=$(first "$bundle/deb/*.deb") || die "no .deb in $bundle/deb"
    sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$(realpath "$deb")" >/dev/null
    wdconnect --version
    [ -x /usr/bin/workday-connector ] || die "no /usr/bin/workday-connector"
    sudo apt-get remove -y -qq workday-connector >/dev/null
    [ ! -e /usr/bin/wdconnect ] || die "wdconnect is still there after apt-get remove"
    ;;
  *) die "no installer check for $(uname -s)" ;;
esac
log "The installer installs, runs and uninstalls"
