#!/bin/sh
# N app processes + nginx on 127.0.0.1 (tests, benchmarks, demos): see deploy/local.py.
#   deploy/local.sh run --workers 2     foreground, Ctrl-C stops all
#   deploy/local.sh start --workers 2   background;  deploy/local.sh stop
set -e
here="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-${VIRTUAL_ENV:-$here/.venv}/bin/python}"
[ -x "$python" ] || python=python3
exec "$python" "$here/deploy/local.py" "$@"
