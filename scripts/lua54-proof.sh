#!/usr/bin/env bash
# The parse-time evaluator under rpm's Lua 5.4, the Lua of Fedora's, openSUSE's and RHEL's rpm
# (Debian's rpm, every other rpm here, links Lua 5.3).
#
#   bash scripts/lua54-proof.sh [SUITE...]      (as root; SUITE: bookworm trixie sid)
#
# For each suite whose farm root exists (scripts/farm.sh makes them; all three by default, and
# farm.sh --skip-host makes the two that are not the machine's own: rpm 4.20.1 and 6.1 on a
# Debian 12 machine, rpm 4.18 and 6.1 on a Debian 13 one; Fedora 37-38 linked rpm 4.18 with
# Lua 5.4, Fedora, openSUSE and RHEL 10 now have 4.19 or later),
# on an overlay of that root (the root itself is never written): that Debian release's own rpm
# source package rebuilt against liblua5.4-dev (dpkg-buildpackage, its test suite left out;
# the .debs cached per suite and source version, so a machine builds them once) and installed
# over the root's rpm; rpm must then say `Lua 5.4`.  This checkout goes to /farm/src (the
# farm's .venv), its macros into rpm's macros.d, the root's runtimes are probed into
# /etc/rpm-pyconfig.d; then, with CI=true (a missing tool is a failure):
#   - the tests that run rpm's Lua: tests/test_compiled.py (the compiled registry, zero forks
#     counted with strace, the fallback, the differential tests of the Lua and Python
#     evaluators), tests/test_stanzas.py, tests/test_macros.py, tests/test_rpm_integration.py;
#   - scripts/form2010-check.sh: the 2010 form stops the parse with the tool's message;
#   - specs/python-coverage.spec built with rpmbuild -ba, one package per runtime, from a
#     current compiled registry.
#
# Environment: RPM_PYCONFIG_FARM_CACHE (default /var/cache/rpm-pyconfig-farm): the roots, and
# the rebuilt packages in lua54/; RPM_PYCONFIG_LUA54_TMP (default /var/tmp/rpm-pyconfig-lua54):
# the overlays and the logs (overlays removed at the end, logs kept).  Exit status: 0 when every
# suite passed, 1 when one failed, 2 on a usage error or when no farm root exists.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
cache=${RPM_PYCONFIG_FARM_CACHE:-/var/cache/rpm-pyconfig-farm}
tmp=${RPM_PYCONFIG_LUA54_TMP:-/var/tmp/rpm-pyconfig-lua54}
jobs=$(nproc 2>/dev/null || echo 2)

say() { printf 'lua54-proof: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 2; }

# shellcheck source=scripts/lib.sh
. scripts/lib.sh  # in_root, mounts, choose_suites

choose_suites "bookworm trixie sid" "" "$@"
[ "$(id -u)" = 0 ] || die "must run as root (mount, chroot)"
present=()
for suite in "${suites[@]}"; do
  if [ -x "$cache/roots/$suite/farm/src/.venv/bin/rpm-pyconfig" ]; then
    present+=("$suite")
  elif (($#)); then
    die "no farm root with rpm-pyconfig in $cache/roots/$suite: run scripts/farm.sh $suite first"
  fi
done
((${#present[@]})) || die "no farm root with rpm-pyconfig in $cache/roots: run scripts/farm.sh first"

remove_overlays() { remove_root_overlays "$tmp" "${present[@]}"; }
unmount_on_exit "$tmp/" remove_overlays

mount_overlay() {
  mount_root_overlay "$cache/roots/$1" "$tmp/$1"
  cp /etc/resolv.conf "$tmp/$1/merged/etc/resolv.conf"  # apt-get in the root
}

# -- rpm against Lua 5.4 ---------------------------------------------------------------------

# The packages of rpm's source package, built against liblua5.4-dev into DEST (in the root;
# its package lists updated by the caller).  The build environment lands in the overlay only.
build_rpm_lua54() {
  local root=$1 dest=$2
  in_root "$root" apt-get install -y -q --no-install-recommends dpkg-dev build-essential fakeroot
  in_root "$root" sh -c 'rm -rf /farm/rpm-lua54 && mkdir -p /farm/rpm-lua54 && cd /farm/rpm-lua54 &&
    apt-get source -q rpm'
  in_root "$root" apt-get build-dep -y -q rpm
  # Lua 5.4 instead of 5.3: rpm's build finds Lua through pkg-config (lua.pc), which must be
  # 5.4's alone; Debian 12's rpm 4.18 names lua5.3.pc in its configure.ac (a Debian patch,
  # lua-libname.patch, applied by apt-get source; configure is regenerated from it).
  in_root "$root" sh -c 'apt-get install -y -q --no-install-recommends liblua5.4-dev &&
    apt-get remove -y -q liblua5.3-dev && cd /farm/rpm-lua54/rpm-*/ &&
    sed -i "s/liblua5\.3-dev/liblua5.4-dev/" debian/control &&
    grep -q "liblua5.4-dev" debian/control &&
    sed -i "s/\[lua5\.3 >= /[lua5.4 >= /" configure.ac && ! grep -q "lua5\.3" configure.ac'
  in_root "$root" sh -c "cd /farm/rpm-lua54/rpm-*/ &&
    DEB_BUILD_OPTIONS='nocheck nodoc parallel=$jobs' dpkg-buildpackage -b -uc -us"
  mkdir -p "$root$dest"
  find "$root/farm/rpm-lua54" -maxdepth 1 -name '*.deb' ! -name '*-dbgsym_*' \
    -exec cp -t "$root$dest" {} +
}

# The rebuilt packages that replace an installed one, installed with what they need (Lua 5.4).
install_rpm_lua54() {
  local root=$1 dir=$2 deb name wanted=()
  for deb in "$root$dir"/*.deb; do
    name=$(basename "$deb"); name=${name%%_*}
    if in_root "$root" dpkg-query -W -f '${Status}' "$name" 2>/dev/null | grep -q 'ok installed'; then
      wanted+=("$dir/$(basename "$deb")")
    fi
  done
  ((${#wanted[@]})) || { echo "none of the rebuilt packages is installed in the root"; return 1; }
  in_root "$root" apt-get install -y -q --no-install-recommends --allow-downgrades "${wanted[@]}"
  in_root "$root" sh -c 'for f in "$(command -v rpm)" /usr/lib/*/librpmio.so.*; do ldd "$f"; done' |
    grep -o 'liblua[0-9.]*\.so[0-9.]*' | sort -u
  local said
  said=$(in_root "$root" rpm --eval '%{lua:print(_VERSION)}')
  echo "rpm $(in_root "$root" rpm --version | awk '{print $NF}'): $said"
  [ "$said" = "Lua 5.4" ]
}

# The cached packages of SUITE's rpm source version (built when missing).
rpm_lua54() {
  local suite=$1 root=$2 version recipe dir
  in_root "$root" apt-get update -q > /dev/null
  version=$(in_root "$root" apt-cache showsrc rpm | sed -n 's/^Version: //p' | sort -rV | head -n 1)
  [ -n "$version" ] || { echo "no rpm source package in the root's archive"; return 1; }
  recipe=$( { declare -f build_rpm_lua54; echo "$version"; } | sha256sum | cut -c1-16)
  dir=$cache/lua54/$suite-$recipe
  if ! ls "$dir"/rpm_*.deb > /dev/null 2>&1; then
    echo "building rpm $version against Lua 5.4 (once per machine: $dir)"
    rm -rf "$cache/lua54/$suite-"*
    build_rpm_lua54 "$root" /farm/rpm-lua54/debs
    mkdir -p "$dir.new"
    cp "$root"/farm/rpm-lua54/debs/*.deb "$dir.new/"
    mv "$dir.new" "$dir"
  else
    echo "rpm $version against Lua 5.4: cached ($dir)"
  fi
  rm -rf "$root/farm/lua54-debs" && mkdir -p "$root/farm/lua54-debs"
  cp "$dir"/*.deb "$root/farm/lua54-debs/"
  install_rpm_lua54 "$root" /farm/lua54-debs
}

# -- the checkout and the proofs ----------------------------------------------------------------

install_checkout() {
  local root=$1
  install_checkout_in_root "$root"
  # strace: the tests that count the processes a parse starts run only with it
  in_root "$root" apt-get install -y -q --no-install-recommends strace
}

run_tests() {
  in_root "$1" bash -c 'cd /farm/src && CI=true .venv/bin/python -m pytest -q -p no:cacheprovider \
    tests/test_compiled.py tests/test_stanzas.py tests/test_macros.py tests/test_rpm_integration.py'
}

form2010() {
  in_root "$1" bash -c 'cd /farm/src && bash scripts/form2010-check.sh'
}

# specs/python-coverage.spec, from a compiled registry (written into rpm's macros.d only now:
# the tests make their own): one package per runtime.
build_coverage() {
  local root=$1
  mkdir -p "$root/farm/lua54-build/sources"
  cp "$top"/out/sources/coverage-*.tar.gz "$root/farm/lua54-build/sources/" 2>/dev/null ||
    { echo "no coverage sdist in $top/out/sources (scripts/setup.sh downloads it)"; return 1; }
  in_root "$root" bash -euc '
    cd /farm/lua54-build
    rpm-pyconfig compile
    rpm-pyconfig --foreach --raw --eval @name | sort > runtimes
    rpmbuild -ba --nodeps --define "_topdir /farm/lua54-build/top" \
      --define "_sourcedir /farm/lua54-build/sources" /farm/src/specs/python-coverage.spec
    find top/RPMS -name "*.rpm" ! -name "*-debug*" | sort'
  local runtimes built
  runtimes=$(wc -l < "$root/farm/lua54-build/runtimes")
  built=$(find "$root/farm/lua54-build/top/RPMS" -name '*coverage-[0-9]*.rpm' | wc -l)
  echo "coverage: $built packages for $runtimes runtimes"
  ((built == runtimes))
}

# All of it in one function: bash has read the whole script before running any of it, so an
# edit of this file during a run cannot change what the run does.
main() {
  local status=0
  for suite in "${present[@]}"; do
    root=$tmp/$suite/merged logs=$tmp/$suite/logs
    start=$SECONDS result=ok
    mount_overlay "$suite"
    say "$suite: overlay on $cache/roots/$suite at $root"
    if ! step "$logs/rpm.log" "lua54-proof: $suite: rpm against Lua 5.4" rpm_lua54 "$suite" "$root"; then
      say "$suite: FAILED: rpm against Lua 5.4 ($logs/rpm.log)"
      status=1; unmount_below "$tmp/$suite/"; continue
    fi
    rpm_said=$(tail -n 1 "$logs/rpm.log")
    if ! step "$logs/setup.log" "lua54-proof: $suite: the checkout, probe" install_checkout "$root"; then
      say "$suite: FAILED: the checkout ($logs/setup.log)"
      status=1; unmount_below "$tmp/$suite/"; continue
    fi
    step "$logs/tests.log" "lua54-proof: $suite: the tests that run rpm's Lua" run_tests "$root" || result=FAILED
    tail -n 1 "$logs/tests.log" | sed "s/^/lua54-proof: $suite: pytest: /" >&2
    step "$logs/form2010.log" "lua54-proof: $suite: the 2010 form" form2010 "$root" || result=FAILED
    tail -n 1 "$logs/form2010.log" | sed "s/^/lua54-proof: $suite: /" >&2
    step "$logs/coverage.log" "lua54-proof: $suite: rpmbuild -ba specs/python-coverage.spec" build_coverage "$root" || result=FAILED
    tail -n 1 "$logs/coverage.log" | sed "s/^/lua54-proof: $suite: /" >&2
    [ "$result" = ok ] || status=1
    say "$suite: $rpm_said, $((SECONDS - start)) s: $result (logs: $logs)"
    unmount_below "$tmp/$suite/"
  done
  exit "$status"
}
main
