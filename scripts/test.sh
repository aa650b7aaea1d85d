#!/usr/bin/env bash
# The test suite: lint, types, translations, then pytest. Called by ./dev test and by CI.
#   ./dev test            everything (what CI runs)
#   ./dev test --quick    the edit-test loop: only tests that run inside pytest's own processes
#                         (a test that starts a server, the CLI as a process or an X server is
#                         skipped and left to the full run); no PostgreSQL
# Any other arguments go to pytest (a path, -k EXPR, -x ...).
set -euo pipefail
cd "$(dirname "$0")/.."
PYBIN=.venv/bin
export QT_QPA_PLATFORM=offscreen
export PYTHONDONTWRITEBYTECODE=1

tier=full
if [ "${1:-}" = "--quick" ]; then
  tier=quick
  shift
fi
export KIOSK_TEST_TIER=$tier

started=$SECONDS
step() {  # step NAME COMMAND...: run it and remember how long it took
  local name=$1 t0=$SECONDS
  shift
  echo "== $name"
  "$@"
  timings+=("$(printf '%-13s %4d s' "$name" $((SECONDS - t0)))")
}
timings=()

step ruff "$PYBIN/ruff" check .
step mypy "$PYBIN/mypy"
step translations "$PYBIN/python" scripts/translations.py --check

if [ "$tier" = full ]; then
  scripts/postgres.sh start || echo "[test] PostgreSQL not available here; PostgreSQL tests will say so" >&2
  # tests/test_real_screens.py runs the kiosk on real X screens (Xvfb, xcb) at five sizes; it needs
  # these programs and says it skipped when one is missing, so say so here too, where it is seen.
  for tool in Xvfb xdpyinfo xdotool import; do
    command -v "$tool" >/dev/null || echo "[test] $tool not found: the real-screen tests will be skipped" >&2
  done
fi

# Two pytest workers: most tests wait on a process, a socket or a disk, so two share the cores
# well. Tests marked "alone" (real X screens, whose scanner checks time keystrokes) run after
# them, with the machine to themselves.
workers=${KIOSK_TEST_WORKERS:-2}
report=()
[ "$tier" = quick ] && report=(-r fE)  # the quick tier skips many tests on purpose: list only failures
set +e
echo "== pytest ($tier tier, $workers workers)"
t0=$SECONDS
"$PYBIN/python" -m pytest -n "$workers" -m "not alone" --durations=15 "${report[@]}" "$@"
rc_parallel=$?
timings+=("$(printf '%-13s %4d s' "pytest" $((SECONDS - t0)))")
rc_alone=5
if [ "$tier" = full ]; then
  echo "== pytest (tests that run alone)"
  t0=$SECONDS
  "$PYBIN/python" -m pytest -p no:xdist -m alone --durations=5 "$@"
  rc_alone=$?
  timings+=("$(printf '%-13s %4d s' "pytest alone" $((SECONDS - t0)))")
fi
set -e
echo "== timings ($tier tier)"
printf '   %s\n' "${timings[@]}"
printf '   %-13s %4d s\n' total $((SECONDS - started))
# pytest's 5 means "no tests collected": fine for one of the two runs (a path given to ./dev test
# may hold only one kind), a failure when neither ran a test.
if [ "$rc_parallel" = 5 ] && [ "$rc_alone" = 5 ]; then
  echo "pytest collected no tests: that is a failure" >&2
  exit 1
fi
for rc in "$rc_parallel" "$rc_alone"; do
  if [ "$rc" != 0 ] && [ "$rc" != 5 ]; then
    exit "$rc"
  fi
done
exit 0
