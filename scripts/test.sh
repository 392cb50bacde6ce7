#!/usr/bin/env bash
# The README's second quick-start command: installs whatever is missing, then runs every check
# and test (formatting, lints, UI checks, Rust tests, the desktop app under Xvfb, the .deb built,
# installed and launched, and Windows and macOS: cross-built and linted, Windows tests under
# Wine). CI runs this.
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
# WDC_CROSS=0 leaves out the Windows and macOS stage (actionlint and shellcheck stay).
CROSS=${WDC_CROSS:-1}
step "Windows and macOS tools (MinGW, Wine, Rust targets, zig, actionlint, shellcheck)" xplat_ensure

step "cargo fmt --check" cargo fmt --all -- --check
# The workspace denies `unsafe`; one module may allow it (glibc's `mallopt`, see its doc).
step "unsafe code only in connector::alloc" bash -c \
  "! grep -rnE '(allow|expect)\(unsafe_code\)' --include='*.rs' crates src-tauri tests | grep -v '^crates/connector/src/alloc.rs:'"
step "Workflows and scripts (actionlint, shellcheck)" lint_ci_files
step "UI lint" bash -c 'cd ui && npm run --silent lint'
step "UI type-check" bash -c 'cd ui && npm run --silent typecheck'
step "UI tests" bash -c 'cd ui && npm run --silent test'
step "UI build" ui_build
step "cargo clippy" cargo clippy --workspace --all-targets --features e2e/installed --locked -- -D warnings
step "cargo build" cargo build --workspace --locked
if [ "$CROSS" != 0 ]; then
  step "Windows: cargo clippy" cargo clippy --workspace --all-targets --target "$WIN_TARGET" --locked -- -D warnings
  step "Windows: cargo build (wdconnect.exe, the app, the test helpers)" \
    cargo build --workspace --target "$WIN_TARGET" --locked
  for t in "${MAC_TARGETS[@]}"; do
    step "macOS ($t): cargo clippy" mac_cargo "$t" clippy --workspace --all-targets --locked -- -D warnings
  done
fi

trap services_stop EXIT
services_start
# Bounded, so a hung desktop test cannot hold CI until its limit.
step "Rust tests (unit, simulator, CLI, desktop under Xvfb)" \
  timeout --signal=TERM --kill-after=30 1800 cargo test --workspace --locked
# The Linux installer from this checkout, installed for real and checked (tests/tests/installed.rs).
installer_check
services_stop

# Windows under Wine: the crates' own tests (Credential Manager for real), the CLI end to end (the
# Linux test binary runs wdconnect.exe against the native simulator), the installer hooks.
if [ "$CROSS" != 0 ]; then
  trap wine_stop EXIT
  step "Windows: Wine prefix" wine_start
  step "Windows: tests under Wine (client, simulator, connector, CLI crate)" \
    timeout --signal=TERM --kill-after=30 1800 \
    cargo test --target "$WIN_TARGET" --locked -p workday-client -p workday-sim -p connector -p wdconnect
  step "Windows: CLI end to end under Wine" \
    env WDC_E2E_TARGET="$WIN_TARGET" timeout --signal=TERM --kill-after=30 1800 \
    cargo test --workspace --locked --test cli
  step "Windows: installer hooks installed and uninstalled under Wine" nsis_install_check
  wine_stop
  trap - EXIT
fi

log "All checks and tests passed in $((SECONDS - total_start)) s"
