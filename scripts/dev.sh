#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."
cmd=${1:-help}
[ $# -gt 0 ] && shift

case "$cmd" in
  help|-h|--help)
    sed -n '2,9p' dev | sed 's/^# \{0,1\}//'
    exit 0 ;;
esac

scripts/bootstrap.sh
PYBIN=.venv/bin

case "$cmd" in
  demo)
    exec "$PYBIN/kiosk" demo "$@" ;;
  kiosk)
    exec "$PYBIN/kiosk" "$@" ;;
  platform)
    exec "$PYBIN/o2o-platform" "$@" ;;
  test)
    exec scripts/test.sh "$@" ;;
  bench)
    name=${1:?name a benchmark, e.g. ./dev bench decision}; shift
    exec "$PYBIN/python" "bench/$name.py" "$@" ;;
  *)
    echo "unknown command: $cmd (try ./dev help)" >&2
    exit 2 ;;
esac
