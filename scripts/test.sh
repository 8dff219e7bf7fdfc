#!/usr/bin/env bash
# The whole test suite: lint, types, and pytest (unit tests plus real rpmbuild/rpmspec/rpm/rpmlint
# runs against /usr/bin/python3.11, /usr/bin/python3.11-dbg and /usr/bin/pypy3).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== ruff" && .venv/bin/ruff check --quiet .
echo "== mypy" && .venv/bin/mypy
echo "== pytest" && .venv/bin/python -m pytest "$@"
