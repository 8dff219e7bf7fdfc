#!/usr/bin/env bash
# The whole test suite: lint, types, and pytest (unit tests plus real rpmbuild/rpmspec/rpm/rpmlint
# runs against this machine's interpreters, as `rpm-pyconfig probe --all` finds them).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== the main job (README's first command): build specs/python-coverage.spec for every runtime"
bash scripts/build-coverage.sh
echo "== ruff" && .venv/bin/ruff check --quiet .
echo "== mypy" && .venv/bin/mypy

# The unit tests under every other runtime the probe finds (another language version or
# implementation than .venv's: PyPy 3.9 on Debian 12, PyPy 3.11 on Debian 13...), with the
# distribution's pytest, hypothesis, jinja2, packaging and installer (0.6 on Debian 12, 0.7 on
# 13; a packaging older than 24.2 is replaced by setup.sh's, from PyPI). A runtime that cannot
# import them is named; under CI=true that fails the run.
venv_runtime=$(.venv/bin/python -c 'import sys; print(sys.implementation.name, "%d.%d" % sys.version_info[:2])')
ran=0
# Captured first: the status of a process substitution would go unchecked.
runtimes=$(RPM_PYCONFIG_PATH=out/registry .venv/bin/rpm-pyconfig --foreach --raw \
             --eval '@name @interpreter @implementation @short_version')
[ -n "$runtimes" ] || { echo "test.sh: the probed registry names no runtime" >&2; exit 1; }
while read -r name interpreter implementation short_version; do
  if [ "$implementation $short_version" = "$venv_runtime" ]; then
    echo "== unit tests under $name ($interpreter): $implementation $short_version, as .venv: covered below"
    continue
  fi
  if ! "$interpreter" -c 'import pytest, hypothesis, jinja2, packaging, installer' 2>/dev/null; then
    echo "== unit tests under $name ($interpreter): cannot import pytest, hypothesis, jinja2, packaging, installer" >&2
    if [ "${CI:-}" = true ]; then exit 1; fi
    continue
  fi
  marks="not rpm"
  if ! "$interpreter" -c 'import pyproject_hooks' 2>/dev/null; then
    # Debian 12 packages no pyproject_hooks; .venv installs it and runs these tests below.
    echo "== $name cannot import pyproject_hooks: the build-backend tests run in .venv only"
    marks="not rpm and not backend"
  fi
  path=${PYTHONPATH:-}
  if ! "$interpreter" -c 'import packaging.licenses, packaging.metadata' 2>/dev/null; then
    # Reading metadata needs packaging >= 24.2; setup.sh puts 25.0 there from PyPI.
    echo "== $name's packaging is older than 24.2: its unit tests use .venv/runtime-packaging"
    path=$PWD/.venv/runtime-packaging${path:+:$path}
  fi
  echo "== unit tests under $name ($interpreter, $implementation $short_version), -m '$marks'"
  PYTHONPATH=$path "$interpreter" -m pytest -q -p no:cacheprovider -m "$marks"
  ran=$((ran + 1))
done <<< "$runtimes"
echo "== unit tests ran under $ran other runtime(s)"
echo "== pytest" && .venv/bin/python -m pytest "$@"

# The real chain (11 PyPI projects, 3 runtimes) and its dnf proof: 5-8 minutes the first time,
# seconds when out/chain-real is kept (what built stays built); its own step, not a pytest test.
echo "== the real chain: scripts/chain-real.sh" && bash scripts/chain-real.sh

# Clean build roots (issue 10): generated specs, each built against an empty rpm database that
# dnf fills with only what it declares, without --nodeps.  CI runs the representative --subset
# here and in each farm root (a few minutes each; its chain is kept in out/clean-proof); the
# whole proof (the ten projects and every fixture, about half an hour on a fresh 2-core
# machine) is `bash scripts/clean-proof.sh`, whose results README gives.
echo "== clean build roots: scripts/clean-proof.sh --subset" && bash scripts/clean-proof.sh --subset

# -- The farm (issue 8): the same SRPMs rebuilt in cached debootstrap build roots of the Debian
# releases other than this machine's (the steps above cover this one): every runtime of each
# root gets its subpackage, all install together, every interpreter runs its own.  Its table
# and the time of each part end the output; logs are in /var/cache/rpm-pyconfig-farm/logs.
echo "== farm: the Debian releases other than this machine's (scripts/farm.sh --skip-host)"
bash scripts/farm.sh --skip-host

# BuildSystem: pyconfig (rpm >= 4.20) built for real in the farm's roots of rpm 4.20 and 6.1
# (overlays: the roots are never written); the host's own rpm is covered by pytest.
echo "== declarative build system in the farm's roots (scripts/declarative-proof.sh --skip-host)"
bash scripts/declarative-proof.sh --skip-host

# rpm's Lua 5.4 (Fedora's, openSUSE's, RHEL's rpm; Debian's links 5.3): each farm root's rpm
# rebuilt against it (once per machine, cached), the tests that run rpm's Lua, the 2010 form and
# a real build there (overlays: the roots are never written).
echo "== rpm with Lua 5.4 in the farm's roots (scripts/lua54-proof.sh)"
bash scripts/lua54-proof.sh
