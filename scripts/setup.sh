#!/usr/bin/env bash
# Set up a Debian 12 machine (as root) for building and testing rpm-pyconfig.
# Idempotent and quick when everything is there already: safe to run before every job.
#   - Debian packages: rpm tools, the three runtimes the tests build for, headers for C extensions
#   - .venv: a virtual environment on the system Python 3.11 with the project installed
#   - out/sources: the upstream sdists the example specs build (checked against pinned hashes)
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(
  rpm rpm2cpio python3-rpm rpmlint debugedit   # rpmbuild, rpmspec, rpm -i --root, rpmlint
  python3-packaging                            # rpm's pythondistdeps generator crashes without it
  python3.11 python3.11-dev python3.11-dbg python3-venv python3-pip python3-setuptools python3-wheel
  pypy3 pypy3-dev                              # PyPy 3.9 and its Python.h
  python3-hatchling python3-poetry-core flit python3-setuptools-scm python3-hatch-vcs  # build backends the
                                               # generated specs of real projects use (offline)
  python3-jinja2 python3-pytest python3-hypothesis python3-exceptiongroup python3-tomli  # tests on PyPy 3.9
  gcc make ca-certificates
)
missing=()
for package in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv on /usr/bin/python3.11" >&2
  # Isolated from Debian's Python packages, so that the versions are the ones pyproject.toml
  # asks for; PyPI's "rpm" package gives it the system's rpm bindings (import rpm).
  /usr/bin/python3.11 -m venv .venv
fi
stamp=.venv/.rpm-pyconfig-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing rpm-pyconfig and its test tools into .venv" >&2
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  # editable_mode=compat is a plain path entry: imports cost the same as a normal install.
  .venv/bin/python -m pip install -q --disable-pip-version-check \
    --config-settings editable_mode=compat -e '.[test]'
  touch "$stamp"
fi

# Byte-compile: a spec parse must not pay for compiling our modules (and PYTHONDONTWRITEBYTECODE
# may be set, so imports would never write .pyc files themselves).
.venv/bin/python -m compileall -q rpm_pyconfig

bash scripts/fetch-sources.sh
