#!/usr/bin/env bash
# Builds wdconnect in release mode and stages it where tauri.installer.conf.json's externalBin
# expects it (src-tauri/binaries/wdconnect-<target triple>[.exe]), so every installer carries the
# CLI beside the app: /usr/bin on Linux, Contents/MacOS in the macOS bundle, the install folder
# on Windows. Usage: scripts/stage-cli.sh [TARGET]   (TARGET: a Rust triple, or
# universal-apple-darwin for a fat macOS binary; default: the host).
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO_ROOT"
host=$(rustc -vV | sed -n 's/^host: //p')
target=${1:-$host}
target_dir=${CARGO_TARGET_DIR:-$REPO_ROOT/target}
ext=""
case "$target" in *windows*) ext=".exe" ;; esac
out="src-tauri/binaries/wdconnect-$target$ext"
mkdir -p src-tauri/binaries

# Without an explicit target, build where `tauri build` builds (target/release), so the two
# share every compiled dependency.
build() { cargo build --release --locked -p wdconnect --target "$1"; }

if [ "$target" = "universal-apple-darwin" ]; then
  build aarch64-apple-darwin
  build x86_64-apple-darwin
  lipo -create -output "$out" \
    "$target_dir/aarch64-apple-darwin/release/wdconnect" \
    "$target_dir/x86_64-apple-darwin/release/wdconnect"
elif [ $# -eq 0 ]; then
  cargo build --release --locked -p wdconnect
  cp "$target_dir/release/wdconnect$ext" "$out"
else
  build "$target"
  cp "$target_dir/$target/release/wdconnect$ext" "$out"
fi
echo "staged $out"
