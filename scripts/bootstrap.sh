#!/usr/bin/env bash
# Prepare the project environment: system libraries, .venv, locked Python packages.
# Idempotent and quick when nothing changed (a stamp file records the lock's checksum).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
VENV=.venv

# Debian/Ubuntu packages the kiosk needs at run time:
#   libzbar0        the zbar library behind pyzbar
#   libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3  Qt's runtime
#   libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
#   libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-xinerama0 libxcb-xkb1 libsm6 libice6
#                   everything Qt's xcb platform plugin loads (a real X screen; without one of
#                   them Qt only says it "could not load the Qt platform plugin xcb")
#   fonts-noto-cjk Simplified Chinese on screen and in receipt images
# and what the tests use:
#   postgresql      the platform's tests also run against a real PostgreSQL server
#   xvfb xdotool x11-utils imagemagick  a real X server, a scanner's and a finger's input, screenshots
#   wrk             the platform benchmark's load generator (C, so it leaves the cores to the server)
#   socat           pseudo-terminal pairs: a serial scanner plugged in, pulled out and plugged in again
APT_PACKAGES="libzbar0 libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 \
libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 \
libxcb-shape0 libxcb-xfixes0 libxcb-xinerama0 libxcb-xkb1 libsm6 libice6 fonts-noto-cjk \
postgresql xvfb xdotool x11-utils imagemagick wrk socat"
# Printers:
#   libusb-1.0-0    pyusb's backend: USB receipt printers (and their discovery)
#   cups-client     lp and lpstat: printing to a CUPS queue, listing the queues
# and what the printer tests use (socat, above, also makes their serial ports and /dev/usb/lp0):
#   cups            a real cupsd with a raw queue (tests/printing/test_printer_cups.py)
APT_PACKAGES="$APT_PACKAGES libusb-1.0-0 cups-client cups"

missing_apt() {
  local missing=""
  for p in $APT_PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  echo "$missing"
}

if command -v dpkg-query >/dev/null 2>&1; then
  missing=$(missing_apt)
  if [ -n "$missing" ]; then
    if [ "$(id -u)" = "0" ]; then
      echo "[bootstrap] installing system packages:$missing" >&2
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >/dev/null
      # shellcheck disable=SC2086
      apt-get install -y -qq --no-install-recommends $missing >/dev/null
    else
      echo "[bootstrap] missing system packages. Run this once, then try again:" >&2
      echo "    sudo apt-get install -y$missing" >&2
      exit 3
    fi
  fi
else
  echo "[bootstrap] not a Debian/Ubuntu system: make sure libzbar0, Qt 6 runtime libraries and PostgreSQL are installed." >&2
fi

if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "[bootstrap] Python 3.11 or newer is needed; $("$PY" --version 2>&1) was found. Set PYTHON=/path/to/python3.11." >&2
  exit 3
fi
if ! "$PY" -c 'import venv, ensurepip' 2>/dev/null; then
  echo "[bootstrap] Python's venv module is missing. Run: sudo apt-get install -y python3-venv" >&2
  exit 3
fi

stamp="$VENV/.lock-stamp"
want=$(cat requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)
if [ -x "$VENV/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  # The lock changed: start from an empty environment, so nothing the old lock installed lingers
  # (packages that share a folder, like PySide6's, break when one is removed under another).
  echo "[bootstrap] requirements.lock changed: rebuilding $VENV" >&2
  rm -rf "$VENV"
fi
if [ ! -x "$VENV/bin/python" ]; then
  echo "[bootstrap] creating $VENV" >&2
  "$PY" -m venv "$VENV"
fi

if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "[bootstrap] installing locked Python packages (first run takes a minute)" >&2
  # pip's notes about this machine's optional local indexes are noise here; real errors still show.
  { "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r requirements.lock &&
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e . ; } \
    2> >(grep -v "^WARNING: Location 'file:" >&2)
  echo "$want" > "$stamp"
fi
