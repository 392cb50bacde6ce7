#!/usr/bin/env bash
# Regenerates every PNG under icons/ from the SVG sources in icons/src (needs rsvg-convert from
# librsvg2-bin, and the UI's npm packages for `tauri icon`). The PNGs are committed; run this only
# after changing a source.
set -euo pipefail
cd "$(dirname "$0")"
for svg in src/tray-*.svg; do
  name=$(basename "$svg" .svg); name=${name#tray-}
  rsvg-convert -w 64 -h 64 "$svg" -o "tray/$name.png"
done
rsvg-convert -w 1024 -h 1024 src/app.svg -o app-1024.png
(cd ../ui && npx --no-install tauri icon ../icons/app-1024.png --output ../icons)
rm -rf android ios
