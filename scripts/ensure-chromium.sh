#!/usr/bin/env bash
# The browser tests (tests/web) drive Debian's Chromium at /usr/bin/chromium: install it when it
# is missing (apt-get as root, through sudo otherwise), or stop with one line saying how.
set -euo pipefail
[ -x /usr/bin/chromium ] && exit 0
how="install Chromium for the browser tests: sudo apt-get install chromium (Debian/Ubuntu)"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "/usr/bin/chromium is missing and there is no apt-get here: $how" >&2
  exit 1
fi
run=""
if [ "$(id -u)" != 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "/usr/bin/chromium is missing and there is no sudo here: $how (as root)" >&2
    exit 1
  fi
  if ! sudo -n true 2>/dev/null && [ ! -t 0 ]; then
    echo "/usr/bin/chromium is missing and sudo needs a password: $how" >&2
    exit 1
  fi
  run="sudo"
fi
echo "Installing Chromium for the browser tests (apt-get install chromium)..." >&2
$run apt-get update -qq
$run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
[ -x /usr/bin/chromium ] || { echo "apt-get did not install /usr/bin/chromium: $how" >&2; exit 1; }
