#!/usr/bin/env bash
# Proof of `BuildSystem: pyconfig` (rpm >= 4.20) with real rpmbuild in the farm's build roots.
#
#   bash scripts/declarative-proof.sh [--skip-host] [SUITE...]   (as root; SUITE: trixie sid)
#
# For each suite, on an overlay of the farm's cached root (the root itself is never written;
# scripts/farm.sh makes it): this checkout goes to /farm/src (whose .venv the farm's setup.sh
# made), the macros into rpm's macros.d, the root's runtimes are probed into its
# /etc/rpm-pyconfig.d; then `rpm-pyconfig spec --declarative` writes the spec of a small
# setuptools project with a command (tests/data/declarative), `rpmbuild -ba` builds it with no
# hand-written build section, every package is installed into one directory, and for every
# runtime its command's first line must be `#!INTERPRETER SHEBANG_FLAGS` and the command must
# run with that interpreter and those flags.  Also: the chosen %pyconfig_unversioned runtime
# owns the unsuffixed command.
#
# Environment: RPM_PYCONFIG_FARM_CACHE (default /var/cache/rpm-pyconfig-farm): where the roots
# are; RPM_PYCONFIG_DECLARATIVE_TMP (default /var/tmp/rpm-pyconfig-declarative): the overlay's
# upper and work directories and the logs (removed at the end, logs kept).  Exit status: 0 when
# every suite passed, 1 when one failed, 2 on a usage error or a missing root.
# --skip-host: leave out the suite of the machine running this (tests/test_specgen_declarative.py
# builds the declarative spec with the host's own rpm there).  CI: after scripts/farm.sh, which
# makes the roots, run `bash scripts/declarative-proof.sh --skip-host`.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
cache=${RPM_PYCONFIG_FARM_CACHE:-/var/cache/rpm-pyconfig-farm}
tmp=${RPM_PYCONFIG_DECLARATIVE_TMP:-/var/tmp/rpm-pyconfig-declarative}

say() { printf 'declarative-proof: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 2; }

# shellcheck source=scripts/lib.sh
. scripts/lib.sh  # host_suite, in_root, mounts

# the suites with rpm >= 4.20
choose_suites "trixie sid" "its own rpm is tests/test_specgen_declarative.py's" "$@"
((${#suites[@]})) || { say "no suite left"; exit 0; }
[ "$(id -u)" = 0 ] || die "must run as root (mount, chroot)"
for suite in "${suites[@]}"; do
  [ -x "$cache/roots/$suite/farm/src/.venv/bin/rpm-pyconfig" ] ||
    die "no farm root with rpm-pyconfig in $cache/roots/$suite: run scripts/farm.sh $suite first"
done

# -- mounts: everything below $tmp is ours and undone on every exit path (lib.sh) ------------
remove_overlays() { remove_root_overlays "$tmp" "${suites[@]}"; }
unmount_on_exit "$tmp/" remove_overlays

mount_overlay() { mount_root_overlay "$cache/roots/$1" "$tmp/$1"; }

# -- in the root ------------------------------------------------------------------------------
install_checkout() {
  install_checkout_in_root "$1"
  in_root "$1" rpm --version
}

# The project, its sdist (the root's setuptools), the declarative spec, the build, the install.
build_project() {
  local root=$1 unversioned=$2
  in_root "$root" bash -euxc '
    rm -rf /farm/decl && mkdir -p /farm/decl/project /farm/decl/sources /farm/decl/rpmbuild
    cp -a /farm/src/tests/data/declarative/. /farm/decl/project/
    cd /farm/decl/project
    python3 -c "import setuptools.build_meta as b; print(b.build_sdist(\"/farm/decl/sources\"))"
    cd /farm/decl
    rpm-pyconfig spec --declarative sources/decl_demo-1.0.tar.gz -o python-decl-demo.spec
    # The packager chooses who owns /usr/bin/decl-demo: a BuildOption of the install section.
    sed -i "/^BuildSystem:/a BuildOption(install): --set unversioned=$1" python-decl-demo.spec
    cat python-decl-demo.spec
    ! grep -E "^%(prep|build|install|check|files)" python-decl-demo.spec
    rpmbuild -ba --nodeps --define "_topdir /farm/decl/rpmbuild" \
      --define "_sourcedir /farm/decl/sources" python-decl-demo.spec
    rpm -i --root /farm/decl/inst --dbpath /var/lib/rpm --nodeps /farm/decl/rpmbuild/RPMS/*/*.rpm
    rpm -qa --root /farm/decl/inst --dbpath /var/lib/rpm | sort
  ' build "$unversioned"
}

# Every runtime: its command's first line, and the command run from the installed tree.
verify_commands() {
  local root=$1 unversioned=$2 line failed=0
  in_root "$root" rpm-pyconfig --foreach --raw \
    --eval '@name|@implementation|@interpreter|@purelib|@platlib|@script_suffix|@shebang_flags' \
    > "$root/farm/decl/runtimes.txt"
  # '|' between the values: script_suffix and shebang_flags may be empty.
  while IFS='|' read -r name implementation interpreter purelib platlib suffix flags; do
    [ "$suffix" = "" ] && suffix="-$name"  # the default runtime's: it gave way to $unversioned
    [ "$name" = "$unversioned" ] && suffix=""
    local command=/usr/bin/decl-demo$suffix
    local first want="#!$interpreter${flags:+ $flags}"
    first=$(head -n 1 "$root/farm/decl/inst$command")
    local ran
    ran=$(in_root "$root" env PYTHONPATH="/farm/decl/inst$purelib:/farm/decl/inst$platlib" \
      "/farm/decl/inst$command" 2>&1) || ran="FAILED: $ran"
    # The command prints: implementation, -s in effect, -P in effect.
    local s_flag=0 p_flag=0
    case "$flags" in *s*) s_flag=1 ;; esac
    case "$flags" in *P*) p_flag=1 ;; esac
    local expect="$implementation $s_flag $p_flag"
    if [ "$first" = "$want" ] && [ "$ran" = "$expect" ]; then
      echo "ok   $name $command: '$first', runs: $ran"
    else
      echo "FAIL $name $command: first line '$first' (want '$want'), ran '$ran' (want '$expect')"
      failed=1
    fi
  done < "$root/farm/decl/runtimes.txt"
  return "$failed"
}

status=0
for suite in "${suites[@]}"; do
  root=$tmp/$suite/merged logs=$tmp/$suite/logs
  start=$SECONDS
  mount_overlay "$suite"
  say "$suite: overlay on $cache/roots/$suite at $root"
  if ! install_checkout "$root" > "$logs/setup.log" 2>&1; then
    say "$suite: FAILED installing the checkout ($logs/setup.log)"; tail -n 20 "$logs/setup.log" >&2
    status=1; unmount_below "$tmp/$suite/"; continue
  fi
  rpm_version=$(tail -n 1 "$logs/setup.log")
  # The runtime that owns the unsuffixed command: the last one (never the registry's default).
  unversioned=$(in_root "$root" rpm-pyconfig --foreach --raw --eval '@name' | tail -n 1)
  if ! build_project "$root" "$unversioned" > "$logs/build.log" 2>&1; then
    say "$suite: FAILED building the declarative spec ($logs/build.log)"; tail -n 30 "$logs/build.log" >&2
    status=1; unmount_below "$tmp/$suite/"; continue
  fi
  if verify_commands "$root" "$unversioned" > "$logs/verify.log" 2>&1; then
    result=ok
  else
    result=FAILED status=1
  fi
  # The generated %check ran: one `rpm-pyconfig check-imports` per runtime, each saying it
  # imported decl_demo from the buildroot.
  runtimes=$(wc -l < "$root/farm/decl/runtimes.txt")
  checks=$(grep -cE '^rpm-pyconfig: .+: imported [0-9]+ module\(s\) from .+/BUILDROOT: (.+ )?decl_demo( |$)' \
             "$logs/build.log" || true)
  if [ "$checks" = "$runtimes" ]; then
    echo "ok   %check imported decl_demo with each of the $runtimes runtimes"
  else
    echo "FAIL %check ran $checks imports for $runtimes runtimes" && result=FAILED status=1
  fi >> "$logs/verify.log"
  # The generated %generate_buildrequires ran (rpmbuild -ba runs it; --nodeps leaves the
  # check of what it printed to tests/test_specgen_declarative.py): each runtime's build
  # backend asked in that runtime's copy of the sources.
  asked=$(grep -cE "^rpm-pyconfig: [^:]+: the build backend 'setuptools.build_meta' adds " \
            "$logs/build.log" || true)
  if [ "$asked" = "$runtimes" ]; then
    echo "ok   %generate_buildrequires asked the build backend with each of the $runtimes runtimes"
  else
    echo "FAIL %generate_buildrequires asked the build backend $asked times for $runtimes runtimes" &&
      result=FAILED status=1
  fi >> "$logs/verify.log"
  cat "$logs/verify.log"
  packages=$(find "$root/farm/decl/rpmbuild/RPMS" -name '*.rpm' | wc -l)
  say "$suite: $rpm_version, $packages packages, $runtimes runtimes, unversioned: $unversioned, $((SECONDS - start)) s: $result"
  unmount_below "$tmp/$suite/"
done
exit "$status"
