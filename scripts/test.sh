#!/usr/bin/env bash
# The whole test suite: lint, types, then pytest. Called by ./dev test and by CI.
set -euo pipefail
cd "$(dirname "$0")/.."
PYBIN=.venv/bin
export QT_QPA_PLATFORM=offscreen
export PYTHONDONTWRITEBYTECODE=1

echo "== ruff" && "$PYBIN/ruff" check .
echo "== mypy" && "$PYBIN/mypy"
echo "== translations" && "$PYBIN/python" scripts/translations.py --check
scripts/postgres.sh start || echo "[test] PostgreSQL not available here; PostgreSQL tests will say so" >&2

# tests/test_real_screens.py runs the kiosk on real X screens (Xvfb, xcb) at five sizes; it needs
# these programs and says it skipped when one is missing, so say so here too, where it is seen.
for tool in Xvfb xdpyinfo xdotool import; do
  command -v "$tool" >/dev/null || echo "[test] $tool not found: the real-screen tests will be skipped" >&2
done

echo "== pytest"
set +e
"$PYBIN/python" -m pytest --durations=15 "$@"  # the slowest tests, to keep the suite quick
rc=$?
set -e
if [ "$rc" = 5 ]; then
  echo "pytest collected no tests: that is a failure" >&2
  exit 1
fi
exit "$rc"
