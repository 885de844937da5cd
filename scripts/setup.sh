#!/usr/bin/env bash
# Fresh-machine setup: system libraries for Qt/QtMultimedia, a venv in .venv, and Dreamreel
# installed editable with its test extras. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS="libpulse0 libegl1 libxkbcommon0 libdbus-1-3 libgl1 libfontconfig1"
missing() { for p in $PKGS; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || echo "$p"; done; }
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ] && [ -n "$(missing)" ]; then
  # libpulse0: QtMultimedia; libegl1/libxkbcommon0/libdbus-1-3/libgl1/libfontconfig1: Qt offscreen.
  # A dpkg run interrupted earlier on this machine blocks every install until it is finished.
  DEBIAN_FRONTEND=noninteractive dpkg --configure -a || true
  apt-get update -qq || echo "setup: apt-get update failed; trying the install with the lists on disk" >&2
  # shellcheck disable=SC2046
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(missing) >/dev/null \
    || echo "setup: could not install $(missing | tr '\n' ' ')- the editor and its tests need them" >&2
fi

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# torch is big: install it first, pinned to what this platform's wheels provide.
# Users without a GPU can set DREAMREEL_TORCH to a CPU-only build (see README).
.venv/bin/python -m pip install -q ${DREAMREEL_TORCH:-torch==2.14.1 torchvision==0.29.1}
.venv/bin/python -m pip install -q -e '.[dev]'
