#!/usr/bin/env bash
# The browser test drives Debian's Chromium through playwright-core (no browser download).
# Installs it when missing, with a CJK font so the saved screenshots show Chinese text rather than
# boxes; needs root (CI runs as root) or an existing /usr/bin/chromium.
set -euo pipefail
missing=()
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
fc-list :lang=zh 2>/dev/null | grep -q . || missing+=(fonts-noto-cjk)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  if [[ " ${missing[*]} " == *" chromium "* ]]; then
    echo "Chromium is missing: run 'sudo apt-get install -y chromium fonts-noto-cjk' (or set CHROMIUM_PATH)." >&2
    exit 1
  fi
  echo "No CJK font: screenshots will show boxes for Chinese text ('sudo apt-get install -y fonts-noto-cjk')." >&2
  exit 0
fi
echo "Installing ${missing[*]} for the browser tests…" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq "${missing[@]}" >&2
