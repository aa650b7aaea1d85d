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
