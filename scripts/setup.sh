#!/usr/bin/env bash
# Set up a Debian machine (12, 13 or unstable; as root) for building and testing rpm-pyconfig.
# Idempotent and quick when everything is there already: safe to run before every job.
#   - Debian packages, by the distribution's unversioned names (python3-dev, python3-dbg,
#     pypy3...), so each release brings its own runtimes: rpm tools, those runtimes, headers
#   - .venv: a virtual environment on the system /usr/bin/python3, rpm-pyconfig installed,
#     test tools pinned by scripts/test-constraints.txt
#   - out/sources: the upstream sdists the specs and tests build (checked against pinned hashes)
# Third-party output goes to out/logs/setup-*.log, shown when a step fails.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
logs=$PWD/out/logs

apt_packages=(
  rpm rpm2cpio python3-rpm rpmlint debugedit   # rpmbuild, rpmspec, rpm -i --root, rpmlint
  file                                         # rpm >= 4.20 builds -debuginfo: find-debuginfo needs it
  python3-packaging                            # rpm's pythondistdeps generator crashes without it
  python3-installer                            # rpm-pyconfig places wheels with it (PyPy's unit tests too)
  python3 python3-dev python3-dbg python3-venv python3-pip python3-setuptools python3-wheel
  pypy3 pypy3-dev                              # PyPy and its Python.h
  python3-hatchling python3-poetry-core flit python3-setuptools-scm python3-hatch-vcs  # build backends the
                                               # generated specs of real projects use (offline)
  python3-jinja2 python3-pytest python3-hypothesis  # the unit tests under the other runtimes (PyPy)
  gcc make git ca-certificates
  dnf createrepo-c                             # real dependency resolution: chain and app proofs
  debootstrap                                  # the farm's build roots of other Debian releases
  strace                                       # the tests that prove a parse starts no process
)
# Only where the distribution has them: backports pytest needs on Python < 3.11 (PyPy 3.9),
# and pyproject_hooks for the build-backend tests under the other runtimes (Debian 13 on).
optional_packages=(python3-exceptiongroup python3-tomli python3-pyproject-hooks)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
has_candidate() {  # not "| grep -q": with pipefail, apt-cache's SIGPIPE would say no
  local policy
  policy=$(apt-cache policy "$1" 2>/dev/null)
  [[ $policy == *"Candidate: "[^\(]* ]]
}

missing=() optional=()
for package in "${apt_packages[@]}"; do installed "$package" || missing+=("$package"); done
for package in "${optional_packages[@]}"; do installed "$package" || optional+=("$package"); done
if ((${#missing[@]})) || { ((${#optional[@]})) && ! compgen -G '/var/lib/apt/lists/*_Packages' >/dev/null; }; then
  export DEBIAN_FRONTEND=noninteractive
  step "$logs/setup-apt-update.log" "setup: apt-get update" \
    apt-get -o DPkg::Lock::Timeout=600 update
fi
for package in ${optional[@]+"${optional[@]}"}; do
  if has_candidate "$package"; then
    missing+=("$package")
  else
    echo "setup: $package: not in this distribution (not needed there)" >&2
  fi
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  step "$logs/setup-apt-install.log" "setup: installing Debian packages: ${missing[*]}" \
    apt-get -o DPkg::Lock::Timeout=600 install -y "${missing[@]}"
fi

# The venv must be on the distribution's python3, whatever version that is.
if [ -x .venv/bin/python ] && ! cmp -s <(.venv/bin/python -c 'import sys; print(sys.version)' 2>/dev/null) \
                                     <(/usr/bin/python3 -c 'import sys; print(sys.version)'); then
  echo "setup: .venv is not on this machine's /usr/bin/python3: making it again" >&2
  rm -rf .venv
fi
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv on /usr/bin/python3 ($(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])'))" >&2
  # Isolated from Debian's Python packages, so that the versions are the pinned ones;
  # PyPI's "rpm" package gives it the system's rpm bindings (import rpm).
  /usr/bin/python3 -m venv .venv
fi
stamp=.venv/.rpm-pyconfig-installed
constraints=scripts/test-constraints.txt
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ "$constraints" -nt "$stamp" ]; then
  pip=(.venv/bin/python -m pip install --disable-pip-version-check -c "$constraints")
  step "$logs/setup-pip.log" "setup: installing pip, setuptools, wheel ($constraints) into .venv" \
    "${pip[@]}" --upgrade pip setuptools wheel
  # Built with the pinned setuptools just installed (no build isolation, which would fetch the
  # newest). editable_mode=compat is a plain path entry: imports cost what a normal install does.
  step "$logs/setup-pip-project.log" \
    "setup: installing rpm-pyconfig (editable) and its test tools ($constraints) into .venv" \
    "${pip[@]}" --no-build-isolation --config-settings editable_mode=compat -e '.[test]'
  touch "$stamp"
fi

# packaging for the other runtimes' unit tests (scripts/test.sh) where the distribution's is
# older than the 24.2 that reading metadata needs (Debian 12 ships 23.0, which its PyPy 3.9
# reads): packaging 25.0 from PyPI, a release that runs on Python 3.9 (26.4, .venv's, needs 3.10).
runtime_packaging=.venv/runtime-packaging
if [ ! -f "$runtime_packaging/packaging/licenses/__init__.py" ]; then
  step "$logs/setup-pip-runtime-packaging.log" \
    "setup: installing packaging 25.0 for runtimes whose own is older than 24.2 ($runtime_packaging)" \
    .venv/bin/python -m pip install --disable-pip-version-check --no-deps --only-binary=:all: \
      --python-version 3.9 --target "$runtime_packaging" packaging==25.0
fi

# Byte-compile: a spec parse must not pay for compiling our modules (and PYTHONDONTWRITEBYTECODE
# may be set, so imports would never write .pyc files themselves).
.venv/bin/python -m compileall -q rpm_pyconfig

# The interpreter and package directory macros.pyconfig's fallback runs directly (-I -S,
# without the console script's site) when no compiled registry is loaded, as the package's
# macros.d/macros.pyconfig-python names them: load it after macros.pyconfig to have that.
.venv/bin/python -c 'import sys
from rpm_pyconfig.compiled import direct_macros, direct_run
direct = direct_run()
sys.stdout.write("" if direct is None else direct_macros(direct))' > .venv/macros.pyconfig-python.new
mv .venv/macros.pyconfig-python.new .venv/macros.pyconfig-python

bash scripts/fetch-sources.sh
