#!/usr/bin/env bash
# Re-resolve requirements.in into requirements.lock in a scratch environment.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install -q -r requirements.in setuptools wheel
{ echo "# Locked dependency tree for the kiosk, the platform and the tests. Regenerate: scripts/lock.sh"
  "$tmp/venv/bin/pip" freeze --all | grep -v '^pip=='; } > requirements.lock
rm -rf "$tmp"
