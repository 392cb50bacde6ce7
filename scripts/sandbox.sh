#!/usr/bin/env bash
# The README's first quick-start command: installs whatever is missing, builds the app and
# launches it on the sandbox, the built-in simulated Workday tenant.
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] \
  || die "no display: run this in a desktop session (or under Xvfb: xvfb-run bash scripts/sandbox.sh)"
cargo_ensure
apt_ensure "${APT_BUILD[@]}"
ui_ensure
ui_build
log "Building and launching Workday Connector on the sandbox tenant"
exec cargo run --locked -p workday-connector -- --sandbox "$@"
