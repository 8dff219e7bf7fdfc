#!/usr/bin/env bash
# The whole test suite: lint, types, and pytest (unit tests plus real rpmbuild/rpmspec/rpm/rpmlint
# runs against /usr/bin/python3.11, /usr/bin/python3.11-dbg and /usr/bin/pypy3).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== the main job (README's first command): build specs/python-coverage.spec for every runtime"
bash scripts/build-coverage.sh
echo "== ruff" && .venv/bin/ruff check --quiet .
echo "== mypy" && .venv/bin/mypy
# Python 3.9 is supported: PyPy 3.9 runs the unit tests with Debian's jinja2 and packaging 23.
echo "== pytest under Python 3.9 (/usr/bin/pypy3), without the rpm tests"
/usr/bin/pypy3 -m pytest -q -p no:cacheprovider -m "not rpm"
echo "== pytest" && .venv/bin/python -m pytest "$@"
# The real chain (11 PyPI projects, 3 runtimes) and its dnf proof: 5-8 minutes the first time,
# seconds when out/chain-real is kept (what built stays built); its own step, not a pytest test.
echo "== the real chain: scripts/chain-real.sh" && bash scripts/chain-real.sh
