#!/usr/bin/env bash
# Issue 10's proof: generated specs build in a CLEAN build root, where only what they declare is
# installed.  The ten projects of tests/data/clean-proof/requirements.txt (kept as sdists in
# out/sources, specs/sources.txt) and the project's own fixtures (tests/data/specgen/*, their
# sdists made here) each get `rpm-pyconfig spec`'s dynamic spec, an empty root and an empty rpm
# database; `rpmbuild -br` (dependencies checked against that database alone) says what the
# build needs, dnf installs it from the chain's repository (their closure, built first by
# `rpm-pyconfig chain`), this project's own RPM (BuildRequires: rpm-pyconfig) and stubs for what
# Debian provides outside rpm; `rpmbuild -ba` runs WITHOUT --nodeps, with every runtime's
# %check; dnf installs the built packages into another empty root and every runtime imports
# them from there alone.  See tests/cleanproof.py.
# Which rpm-pyconfig runs: this checkout's (.venv, on PATH below) for the chain, its own RPM
# and `rpm-pyconfig spec`, the packager's machine; in the clean builds only the root's, installed
# by dnf: its macros and its /usr/bin/rpm-pyconfig with the root's site directories alone (not
# .venv's libraries), for the parse and every scriptlet, so that a Requires missing from
# specs/rpm-pyconfig.spec fails the proof.
#
#   bash scripts/clean-proof.sh [--subset]
#
# --subset: a representative part (the farm's, a few minutes per root): packaging (flit-core),
# urllib3 (hatchling), python-dateutil (setuptools-scm, a run-time dependency built by the
# chain, the python- prefix), Jinja2 (what rpm-pyconfig's own package requires, with MarkupSafe's
# C extension in the chain) and the c-extension fixture (C, every runtime's headers).  cffi is
# left out there: the farm's roots have no libffi-dev.  Of the test suites (tests.txt), the
# subset runs Jinja2's, with every runtime; the whole proof all of them.
# The whole proof on the 2-core machine: see README ("Clean build roots").
set -euo pipefail
cd "$(dirname "$0")/.."
subset=0
while (($#)); do
  case "$1" in
    --subset) subset=1 ;;
    *) echo "clean-proof.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
bash scripts/setup.sh >/dev/null
bash scripts/fetch-sources.sh
out=out/clean-proof
registry=$out/registry
# The clean builds' trees, outside this checkout: pytest looks for its configuration in every
# directory above the tests, and would take this checkout's pyproject.toml (filterwarnings =
# error...) for a project that has none of its own (packaging).  One per checkout and user.
work=${TMPDIR:-/var/tmp}/rpm-pyconfig-clean-proof.$(id -u).$(pwd | cksum | cut -d ' ' -f 1)
rm -rf "$registry" "$out/work" "$work" "$out/self" && mkdir -p "$registry" out/chain-sdists
.venv/bin/rpm-pyconfig probe --all --write "$registry" >/dev/null
# the packager's tool (the chain's builds run it); tests/cleanproof.py takes it off rpmbuild's PATH
export PATH=$PWD/.venv/bin:$PATH

requirements=tests/data/clean-proof/requirements.txt
if ((subset)); then
  requirements=$out/subset-requirements.txt
  # installer, pyproject-hooks: rpm-pyconfig's own RPM requires them (with Jinja2 and packaging)
  grep -i -E '^(packaging|urllib3|python-dateutil|jinja2|installer|pyproject-hooks)==' tests/data/clean-proof/requirements.txt > "$requirements"
fi
# The projects' own test suites (tests/data/clean-proof/tests.txt) and what they need: the
# subset (CI) runs one, Jinja2's, with every runtime, so its chain adds pytest's closure alone.
test_requirements=tests/data/clean-proof/test-requirements.txt tested='*'
if ((subset)); then
  test_requirements=$out/subset-test-requirements.txt tested=jinja2
  grep -i -E '^pytest==' tests/data/clean-proof/test-requirements.txt > "$test_requirements"
fi
constraints=()
while read -r line; do
  case "$line" in
    ''|'#'*) ;;
    # httpx's plugin makes the chain build hatchling 1.12.2; the subset has no plugin, and its
    # hatchling projects build with the root's own hatchling (Debian 13's is 1.27).
    hatchling==*) ((subset)) || constraints+=(-c "$line") ;;
    *) constraints+=(-c "$line") ;;
  esac
done < tests/data/clean-proof/constraints.txt
start=$SECONDS
rpm-pyconfig --confdir "$registry" chain --macros macros/macros.pyconfig \
  --sdists out/sources --download out/chain-sdists -o "$out/chain" \
  -r "$requirements" -r "$test_requirements" "${constraints[@]}"
echo "clean-proof: chain built in $((SECONDS - start)) s" >&2

# This checkout's own RPM: what BuildRequires: rpm-pyconfig installs in the clean root.
start=$SECONDS
if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
  tarball=$(bash scripts/make-source-tarball.sh)
else  # a copy without git (the farm's roots): its files, as make-source-tarball.sh names them
  version=$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
  tarball=out/sources/rpm-pyconfig-$version.tar.gz
  find . -mindepth 1 -maxdepth 1 ! -name .venv ! -name out -printf '%P\0' | sort -z |
    tar --null --exclude=__pycache__ -T - --transform "flags=rh;s,^,rpm-pyconfig-$version/," \
      -czf "$tarball"
fi
RPM_PYCONFIG_PATH=$PWD/$registry rpmbuild \
  --macros "$(rpm --showrc | sed -n 's/^Macro path: //p'):$PWD/macros/macros.pyconfig" \
  -bb --nodeps --define "_topdir $PWD/$out/self" --define "_sourcedir $PWD/${tarball%/*}" \
  --define "pyconfig_deps_root $PWD/$out/chain/root" \
  specs/rpm-pyconfig.spec > "$out/self.log" 2>&1 ||
  { tail -30 "$out/self.log" >&2; echo "clean-proof: rpm-pyconfig's own RPM did not build" >&2; exit 1; }
createrepo_c --quiet "$out/self/RPMS"
echo "clean-proof: rpm-pyconfig's own RPM built in $((SECONDS - start)) s" >&2

sources=()
while read -r line; do
  line=${line%%;*} line=${line%% *}  # a marker (pydantic's) is the chain's; the sdist is NAME==VERSION
  name=${line%%==*} version=${line#*==}
  # cffi's and rpm-pyconfig's (its RPM requires them), not of the ten
  case "$name" in pycparser | installer | pyproject-hooks) continue ;; esac
  # the sdist of NAME==VERSION in out/sources (file names spell the project in several ways)
  found=$(find out/sources -maxdepth 1 -iname "$(echo "$name" | sed 's/[-_.]/[-_.]/g')-$version.tar.gz" | head -1)
  [ -n "$found" ] || { echo "clean-proof: no sdist of $name $version in out/sources" >&2; exit 1; }
  sources+=("$found")
done < <(grep -v -e '^#' -e '^[[:space:]]*$' "$requirements")
spec_options=()
if ((subset)); then
  sources+=(tests/data/specgen/c-extension)
else
  # cffi for CPython only: PyPy bundles its own (an empty pypy3-cffi is refused).  libffi-dev is
  # Debian's: no RPM can stand for it here, so the spec has no BuildRequires for it (REVIEW).
  sources+=(out/sources/cffi-1.17.1.tar.gz tests/data/specgen/c-extension
            tests/data/specgen/cpython-only tests/data/specgen/dynamic-version)
  # pydantic 1.10's setup.py loads a module with SourceFileLoader.load_module, which Python 3.15
  # removed: it cannot be built there (requirements.txt's marker keeps it out of the chain too).
  spec_options+=(--spec-options "pydantic=--where \"python_version < '3.15'\"")
  spec_options+=(--spec-options "cffi=--where \"implementation_name == 'cpython'\""
                 --spec-options "cpython-only=--where \"implementation_name == 'cpython'\"")
fi
# the projects' own test suites: tests/data/clean-proof/tests.txt's spec options, per project
while read -r name options; do
  case "$name" in ''|'#'*) continue ;; esac
  # shellcheck disable=SC2254  # $tested is a pattern
  case "$name" in $tested) spec_options+=(--spec-options "$name=$options") ;; esac
done < tests/data/clean-proof/tests.txt
start=$SECONDS
status=0
.venv/bin/python -m tests.cleanproof --confdir "$registry" --chain "$out/chain" \
  --repo "$out/self/RPMS" --work "$work" ${spec_options[@]+"${spec_options[@]}"} \
  "${sources[@]}" || status=$?
echo "clean-proof: clean builds in $((SECONDS - start)) s" >&2
exit "$status"
