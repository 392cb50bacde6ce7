#!/usr/bin/env bash
# The README's second quick-start command: installs whatever is missing, then runs every check
# and test (formatting, lints, UI checks, Rust tests, the desktop app under Xvfb, the .deb built,
# installed and launched). CI runs this.
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
total_start=$SECONDS

# CI clones afresh each run: keep the build cache outside the clone (cargo's fingerprints make
# reuse safe); a developer's own runs use the usual target/.
if [ "${CI:-}" = "true" ] && [ -z "${CARGO_TARGET_DIR:-}" ]; then
  export CARGO_TARGET_DIR="${WDC_CI_CACHE:-$HOME/.cache/workday-connector}/target"
fi
export CARGO_TERM_COLOR=never

step "Rust toolchain" cargo_ensure
step "System packages" apt_ensure "${APT_BUILD[@]}" "${APT_TEST[@]}"
step "UI packages" ui_ensure
step "tauri-driver" tauri_driver_ensure

step "cargo fmt --check" cargo fmt --all -- --check
step "UI lint" bash -c 'cd ui && npm run --silent lint'
step "UI type-check" bash -c 'cd ui && npm run --silent typecheck'
step "UI tests" bash -c 'cd ui && npm run --silent test'
step "UI build" ui_build
step "cargo clippy" cargo clippy --workspace --all-targets --features e2e/installed --locked -- -D warnings
step "cargo build" cargo build --workspace --locked

trap services_stop EXIT
services_start
# Bounded, so a hung desktop test cannot hold CI until its limit.
step "Rust tests (unit, simulator, CLI, desktop under Xvfb)" \
  timeout --signal=TERM --kill-after=30 1800 cargo test --workspace --locked
# The Linux installer from this checkout, installed for real and checked (tests/tests/installed.rs).
installer_check
services_stop
trap - EXIT

log "All checks and tests passed in $((SECONDS - total_start)) s"
