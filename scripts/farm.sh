#!/usr/bin/env bash
# The farm: the same SRPMs rebuilt on Debian 12, 13 and unstable, each with its own registry.
#
#   bash scripts/farm.sh [--skip-host] [--clean-only] [--clean-full] [SUITE...]
#                                                        (as root; SUITE: bookworm trixie sid)
#
# On the host: probe its runtimes, `rpmbuild -bs` specs/python-coverage.spec and the spec
# `rpm-pyconfig spec` generates for MarkupSafe (a real sdist with a C extension).  Then, in a
# cached `debootstrap --variant=minbase` root per suite: install this checkout with its own
# scripts/setup.sh and the root's Python, probe the root's runtimes into its /etc/rpm-pyconfig.d
# (the root decides the subpackages), `rpmbuild --rebuild` both SRPMs, install every built
# package side by side into one fresh directory, and have every interpreter run its own:
# coverage (with its C tracer on CPython) and markupsafe (with its own extension module).
# Then the real chain (scripts/chain-real.sh: textual + Jinja2, 11 projects) of the host is
# rebuilt in the root from the host's SRPMs, with what the root's Debian lacks built there, and
# proven with dnf without --nodeps; and the real applications (tests/test_application.py) go
# through generate, rpmbuild, install, run, upgrade, rpm -V, erase and rpmlint in the root.
# Unstable also gets a free-threaded CPython built from Debian's own source package, in
# Fedora's layout (/usr/lib64, python3.Xt), built once per machine.
#
# Environment: RPM_PYCONFIG_FARM_CACHE (default /var/cache/rpm-pyconfig-farm) holds the roots,
# the free-threaded build and the logs; nothing else is written outside it and the roots.
# RPM_PYCONFIG_FARM_MIRROR (default http://deb.debian.org/debian), RPM_PYCONFIG_FARM_FT_VERSION
# (default 3.13).  --skip-host: leave out the suite of the machine running this (CI).
# --clean-only: in each root, only the project's install, probe and the clean build roots step.
# --clean-full: that step runs the whole proof (scripts/clean-proof.sh: issue 10's ten projects,
# cffi among them, and three fixtures; about an hour per root on 2 busy cores, its chain the
# most) instead of its --subset; it first installs Debian's libffi-dev in the root (cffi's C
# extension links libffi; the host has it, the roots' recipe does not).
# Exit status: non-zero when any suite failed; the table says which phase and which log.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

cache=${RPM_PYCONFIG_FARM_CACHE:-/var/cache/rpm-pyconfig-farm}
mirror=${RPM_PYCONFIG_FARM_MIRROR:-http://deb.debian.org/debian}
ft_version=${RPM_PYCONFIG_FARM_FT_VERSION:-3.13}
# make -j for the free-threaded build: this machine's processors (not part of its cache key:
# the result does not depend on it).
jobs=$(nproc 2>/dev/null || echo 2)

say() { printf 'farm: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 2; }

# shellcheck source=scripts/lib.sh
. scripts/lib.sh  # host_suite, in_root, mounts

clean_only=0 clean_full=0 arguments=()
for argument in "$@"; do  # --clean-only/--clean-full are the farm's own; choose_suites reads the rest
  case "$argument" in
    --clean-only) clean_only=1 ;;
    --clean-full) clean_full=1 ;;
    *) arguments+=("$argument") ;;
  esac
done
# What the clean build roots step runs, as its table and messages name it.
clean_step="clean-proof.sh --subset"
((clean_full)) && clean_step="clean-proof.sh"
choose_suites "bookworm trixie sid" "skipped (the main job covers it)" ${arguments[@]+"${arguments[@]}"}
((${#suites[@]})) || { say "no suite left to build"; exit 0; }
[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot, mount)"

label() { case "$1" in bookworm) echo "Debian 12" ;; trixie) echo "Debian 13" ;; sid) echo "Debian unstable" ;; esac; }

mkdir -p "$cache/roots" "$cache/logs" "$cache/host" "$cache/freethreaded"
cache=$(cd "$cache" && pwd -P)
exec 9>"$cache/lock"
flock -n 9 || { say "another farm run holds $cache/lock: waiting"; flock 9; }

# -- mounts: everything mounted below the cache is ours, and is undone on every exit path ----

# unmount_below, mounted_below, mount_system_dirs, in_root, unmount_on_exit: lib.sh.  Blanks
# would not survive /proc/mounts (\040): the cache path has none.
case "$cache" in
  *[[:space:]]*) die "the cache directory must not contain blanks: '$cache'" ;;
  /) die "the cache directory must not be /" ;;
esac
# Everything below ROOT, then ROOT itself (run_suite bind-mounts it onto itself).
unmount_root() {
  unmount_below "$1/"
  if mountpoint -q "$1"; then umount "$1" 2>/dev/null || umount -l "$1"; fi
}
# rm -rf of a root only when nothing is mounted below it (a bind mount of /dev would be emptied).
remove_root() {
  unmount_below "$1/"
  if mounted_below "$1/"; then
    die "cannot unmount everything below $1: not removing it"
  fi
  rm -rf "$1"
}
step_pid=
stop_step() {  # the step still running when the farm is left (its own session: see run_step)
  [ -z "$step_pid" ] || { kill -- "-$step_pid" 2>/dev/null; wait "$step_pid" 2>/dev/null; }
}
unmount_on_exit "$cache/" stop_step

# Paths that pip's configuration names (find-links, constraint files, ...) and that exist on the
# host only: bind-mounted read-only at the same place inside the root.
mount_pip_paths() {
  local root=$1 word path made=$1/farm/pip-mountpoints
  mkdir -p "$root/farm" && touch "$made"
  for word in $( (cat /etc/pip.conf /etc/xdg/pip/pip.conf "$HOME/.config/pip/pip.conf" 2>/dev/null |
                  sed -n 's/^[^#;[]*=//p'; env | sed -n 's/^PIP_[A-Z_]*=//p') | tr -s ' \t' '\n\n'); do
    path=${word#file://}
    path=${path%/}
    # A file:// package index (PEP 503) links to files beside its simple/ directory.
    [ "${path##*/}" != simple ] || path=${path%/simple}
    [[ "$path" == /* && -e "$path" ]] || continue
    mountpoint -q "$root$path" && continue
    # Only where the root has nothing of its own: no such path, a mount point made by an earlier
    # run, or directories without a file in them.
    if [ -e "$root$path" ] && ! grep -qxF "$path" "$made"; then
      [ -d "$root$path" ] && [ -z "$(find "$root$path" ! -type d -print -quit)" ] || continue
    fi
    if [ -d "$path" ]; then mkdir -p "$root$path"; else mkdir -p "$(dirname "$root$path")"; touch "$root$path"; fi
    grep -qxF "$path" "$made" || echo "$path" >> "$made"
    mount --bind "$path" "$root$path"
    mount -o remount,bind,ro "$root$path"
    echo "bind-mounted read-only for pip: $path"
  done
}

# -- running steps: progress, logs, timings --------------------------------------------------

times_file=$cache/logs/times.txt
: > "$times_file"
# run_step SUITE PHASE LOG COMMAND...: runs COMMAND with its output in LOG, prints a line every
# 30 s while it runs, and its duration; on failure the log's tail and where the log is.
run_step() {
  local suite=$1 phase=$2 log=$3 start=$SECONDS pid status elapsed
  shift 3
  say "[$suite] $phase ... (log: $log)"
  # A separate shell, so that errexit holds inside the step whatever context calls run_step.
  # Its own session (setsid), so that an interruption can end the whole step.
  setsid bash -euo pipefail -c '"$@"' farm-step "$@" > "$log" 2>&1 &
  pid=$! step_pid=$!
  while ! wait_for "$pid" 30; do
    elapsed=$((SECONDS - start))
    say "[$suite] $phase: still running after ${elapsed}s: $(tail -n 1 "$log" | cut -c1-100)"
  done
  status=0
  wait "$pid" || status=$?
  step_pid=
  elapsed=$((SECONDS - start))
  printf '%s\t%s\t%s\n' "$suite" "$phase" "$elapsed" >> "$times_file"
  if ((status)); then
    say "[$suite] FAILED in phase '$phase' after ${elapsed}s (exit $status); last lines of $log:"
    tail -n 25 "$log" | sed 's/^/    /' >&2
    return "$status"
  fi
  say "[$suite] $phase: done in ${elapsed}s"
}
wait_for() {  # wait_for PID SECONDS: true when PID has ended
  local pid=$1 n=$(($2 * 2))
  while ((n--)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  ! kill -0 "$pid" 2>/dev/null
}

# -- the build roots (cached; rebuilt when this recipe changes) ------------------------------

# The date of the archive a root was made from (its apt lists; a cached root keeps them).
archive_date() {
  local file
  file=$(find "$1/var/lib/apt/lists" -maxdepth 1 -name '*_InRelease' -print -quit 2>/dev/null)
  [ -n "$file" ] || { echo unknown; return; }
  date -u -d "$(sed -n 's/^Date: //p' "$file" | head -n 1)" +%F 2>/dev/null || echo unknown
}

# Debian packages of every root: rpm tools, build tools, every CPython with headers and debug
# build, PyPy (found by name in the root's archive: the farm takes every runtime it offers).
# The build backends (flit, poetry-core, hatchling) are in the root before the free-threaded
# step, which copies Debian's versions of them (a fresh root has not run setup.sh yet); the
# tool itself needs installer.
base_packages="rpm rpm2cpio python3-rpm rpmlint debugedit file python3-packaging gcc make
  ca-certificates python3-dev python3-dbg python3-venv python3-pip python3-setuptools python3-wheel
  pypy3 pypy3-dev flit python3-poetry-core python3-hatchling python3-installer"
recipe_root() {
  local suite=$1 root=$2 start=$SECONDS
  debootstrap --variant=minbase --include=ca-certificates "$suite" "$root" "$mirror"
  printf '%s\t%s\t%s\n' "$suite" "  debootstrap" $((SECONDS - start)) >> "$times_file"
  start=$SECONDS
  printf 'Acquire::Check-Valid-Until "false";\nAcquire::Check-Date "false";\n' \
    > "$root/etc/apt/apt.conf.d/99farm"
  printf 'deb %s %s main\ndeb-src %s %s main\n' "$mirror" "$suite" "$mirror" "$suite" \
    > "$root/etc/apt/sources.list"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  mount_system_dirs "$root"
  in_root "$root" apt-get update -q
  local versioned
  versioned=$(in_root "$root" apt-cache pkgnames python3. |
              sed -n 's/^\(python3\.[0-9][0-9]*\)-dbg$/\1/p' | sort -V |
              sed 's/.*/&-dev &-dbg/' | tr '\n' ' ')
  echo "runtimes in the archive: $versioned"
  # shellcheck disable=SC2086
  in_root "$root" apt-get install -y -q --no-install-recommends $base_packages $versioned
  in_root "$root" apt-get clean
  unmount_below "$root/"
  printf '%s\t%s\t%s\n' "$suite" "  apt-get install (rpm, compilers, runtimes)" $((SECONDS - start)) >> "$times_file"
}

make_root() {
  local suite=$1 root=$cache/roots/$suite stamp=$cache/roots/$suite.stamp recipe
  recipe=$( { declare -f recipe_root; echo "$base_packages $mirror $suite"; } |
            sha256sum | cut -c1-16)
  if [ -d "$root" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$recipe" ]; then
    say "[$suite] build root: cached ($root, recipe $recipe)"
    return 0
  fi
  remove_root "$root.new"
  run_step "$suite" "build root (debootstrap + apt-get install)" "$cache/logs/$suite/root.log" recipe_root "$suite" "$root.new" || return
  remove_root "$root"
  rm -f "$stamp"
  unmount_below "$root.new/"
  mv "$root.new" "$root"
  echo "$recipe" > "$stamp"
}

# -- per run: the host's network settings into the root ---------------------------------------

prepare_root() {
  local root=$1 file
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  # An earlier run interrupted during apt leaves dpkg half-done: finish it.
  in_root "$root" dpkg --configure -a
  mkdir -p "$root/usr/local/share/ca-certificates"
  find "$root/usr/local/share/ca-certificates" -name '*.crt' -delete
  for file in /usr/local/share/ca-certificates/*.crt; do [ -e "$file" ] && cp "$file" "$root/usr/local/share/ca-certificates/"; done
  in_root "$root" update-ca-certificates --fresh > /dev/null
  # pip's configuration as on the host, plus the CA bundle (pip does not use the system's).
  rm -f "$root/etc/xdg/pip/pip.conf" "$root/root/.config/pip/pip.conf"
  for file in /etc/xdg/pip/pip.conf "$HOME/.config/pip/pip.conf"; do
    [ -f "$file" ] || continue
    mkdir -p "$(dirname "$root${file/#$HOME//root}")"
    cp "$file" "$root${file/#$HOME//root}"
  done
  if [ -f /etc/pip.conf ]; then cp /etc/pip.conf "$root/etc/pip.conf"; else printf '[global]\n' > "$root/etc/pip.conf"; fi
  grep -q '^\[global\]' "$root/etc/pip.conf" || printf '[global]\n' >> "$root/etc/pip.conf"
  sed -i '/^cert[[:space:]]*=/d; /^\[global\]/a cert = /etc/ssl/certs/ca-certificates.crt' "$root/etc/pip.conf"
  mount_pip_paths "$root"
}

# -- the free-threaded CPython (unstable only; cached tarball, its own stamp) ------------------

ft_name=python${ft_version}t
recipe_freethreaded() {
  local root=$1 tarball=$2
  in_root "$root" apt-get install -y -q --no-install-recommends dpkg-dev xz-utils pkg-config \
    libssl-dev zlib1g-dev libffi-dev libbz2-dev liblzma-dev libsqlite3-dev libexpat1-dev
  rm -rf "$root/farm/ft" && mkdir -p "$root/farm/ft"
  # Debian's own source package; its upstream tarball, without Debian's layout patches: the point
  # is a non-Debian (Fedora) layout.
  # The newest version the mirror still serves (it may list a source it no longer has).
  local version
  for version in $(in_root "$root" apt-cache showsrc "python$ft_version" | sed -n 's/^Version: //p' | sort -rVu); do
    rm -rf "$root/farm/ft"/*
    in_root "$root" sh -c "cd /farm/ft && apt-get source --download-only -q python$ft_version=$version" && break
    echo "python$ft_version $version: not on the mirror, trying an older source"
  done
  local orig
  orig=$(cd "$root/farm/ft" && ls python"$ft_version"_*.orig.tar.*)
  echo "building $ft_name from $orig"
  in_root "$root" sh -c "cd /farm/ft && mkdir src && tar -xf $orig -C src --strip-components=1"
  # Fedora's layout: prefix /usr, platlib and stdlib's extension modules under /usr/lib64,
  # python3.Xt names; no PGO/LTO, no test suite (time); static libpython (no library path to
  # set up).
  in_root "$root" sh -c "cd /farm/ft/src && ./configure -q --prefix=/usr --libdir=/usr/lib64 \
    --with-platlibdir=lib64 --disable-gil --without-ensurepip --with-system-expat \
    --disable-test-modules \
    && make -s -j$jobs && make -s altinstall DESTDIR=/farm/ft/dest"
  local dest=$root/farm/ft/dest
  # Keep what is free-threaded by name; drop what would overwrite Debian's files (man pages,
  # idle/pydoc without the t).
  local file
  while IFS= read -r file; do
    case "$file" in
      ./usr/bin/"$ft_name" | ./usr/bin/"$ft_name"-config | ./usr/lib64/"$ft_name"/* | ./usr/lib/"$ft_name"/* | \
      ./usr/include/"$ft_name"/* | ./usr/lib64/libpython"$ft_version"t.a | ./usr/lib64/pkgconfig/python-"$ft_version"t*.pc) ;;
      *) echo "not installed (not free-threaded by name): $file"; rm -f "$dest/$file" ;;
    esac
  done < <(cd "$dest" && find . -type f -o -type l)
  mkdir -p "$dest/usr/lib/$ft_name/site-packages" "$dest/usr/lib64/$ft_name/site-packages"
  tar -C "$dest" -czf "$tarball.new" usr
  mv "$tarball.new" "$tarball"
  rm -rf "$root/farm/ft"
}

# In the root, every run: the cached build unpacked, pip/setuptools/wheel for its own site
# directory (pure Python, installed there by the root's pip), since %build runs
# `python -m pip wheel --no-build-isolation` with every runtime; then a check that it is what
# it claims.  The build backends Debian gives its own CPythons (python3-flit-core,
# python3-poetry-core, python3-hatchling: the real chain's projects use them) go there too, in
# the versions Debian has in this root, as a distribution would package them for this runtime.
ft_backends="flit_core poetry-core hatchling"
unpack_freethreaded() {
  local root=$1 tarball=$2
  tar -C "$root" -xzf "$tarball"
  if ! in_root "$root" "/usr/bin/$ft_name" -c 'import pip, setuptools, wheel' 2>/dev/null; then
    in_root "$root" python3 -m pip install --break-system-packages --no-compile \
      --target "/usr/lib/$ft_name/site-packages" pip setuptools wheel
  fi
  if ! in_root "$root" "/usr/bin/$ft_name" -c 'import flit_core, poetry.core, hatchling' 2>/dev/null; then
    local pinned
    # shellcheck disable=SC2086
    pinned=$(in_root "$root" python3 -c 'import sys, importlib.metadata as m
print(" ".join(f"{n}=={m.version(n)}" for n in sys.argv[1:]))' $ft_backends)
    echo "build backends for $ft_name, as Debian has them for python3: $pinned"
    # shellcheck disable=SC2086
    in_root "$root" python3 -m pip install --break-system-packages --no-compile \
      --target "/usr/lib/$ft_name/site-packages" $pinned ||
      { echo "not on PyPI in Debian's versions: the newest instead"
        # shellcheck disable=SC2086
        in_root "$root" python3 -m pip install --break-system-packages --no-compile \
          --target "/usr/lib/$ft_name/site-packages" $ft_backends; }
  fi
  in_root "$root" "/usr/bin/$ft_name" -c 'import sys, sysconfig
assert sysconfig.get_config_var("Py_GIL_DISABLED"), "not a free-threaded build"
assert not sys._is_gil_enabled(), "the GIL is enabled"
print(sys.executable, sys.version, sysconfig.get_config_var("EXT_SUFFIX"))'
}

install_freethreaded() {
  local suite=$1 root=$cache/roots/$1 recipe tarball
  recipe=$( { declare -f recipe_freethreaded; echo "$ft_version"; } | sha256sum | cut -c1-16)
  tarball=$cache/freethreaded/$ft_name-$suite-$recipe.tar.gz
  if [ -f "$tarball" ]; then
    say "[$suite] free-threaded CPython: cached ($tarball)"
  else
    find "$cache/freethreaded" -name "$ft_name-$suite-*.tar.gz" -delete
    run_step "$suite" "free-threaded CPython build" "$cache/logs/$suite/freethreaded-build.log" \
      recipe_freethreaded "$root" "$tarball" || return
  fi
  run_step "$suite" "free-threaded CPython into the root" "$cache/logs/$suite/freethreaded.log" \
    unpack_freethreaded "$root" "$tarball"
}

# -- on the host: the SRPMs every root rebuilds -----------------------------------------------

build_srpms() {
  local out=$cache/host
  rm -rf "$out/registry" "$out/specs" "$out/rpmbuild"
  mkdir -p "$out/registry" "$out/specs" "$out/rpmbuild/tmp"
  "$top/.venv/bin/rpm-pyconfig" probe --all --write "$out/registry"
  # MarkupSafe 2.1.5's PKG-INFO (Metadata-Version 2.1) lists no Requires-Dist: the registry's
  # default runtime asks its build backend (setuptools) for them.
  RPM_PYCONFIG_PATH=$out/registry "$top/.venv/bin/rpm-pyconfig" spec \
    "$top/out/sources/MarkupSafe-2.1.5.tar.gz" -o "$out/specs/python-markupsafe.spec"
  # The macros file joins rpm's own macro path: rpm >= 4.20 forgets --load for noarch specs.
  local spec macros
  macros="$(rpm --showrc | sed -n 's/^Macro path: //p'):$top/macros/macros.pyconfig"
  for spec in "$top/specs/python-coverage.spec" "$out/specs/python-markupsafe.spec"; do
    PATH=$top/.venv/bin:$PATH RPM_PYCONFIG_PATH=$out/registry \
      rpmbuild -bs --nodeps --macros "$macros" \
      --define "_topdir $out/rpmbuild" --define "_tmppath $out/rpmbuild/tmp" \
      --define "_sourcedir $top/out/sources" "$spec"
  done
}

# -- in each root -----------------------------------------------------------------------------

install_project() {
  local root=$1 src=$1/farm/src
  mkdir -p "$src/out/sources" "$root/farm/bin"
  # This checkout as it is (tracked and untracked files, not ignored ones); the root's .venv
  # and downloads are kept between runs (setup.sh refreshes them when needed).
  find "$src" -mindepth 1 -maxdepth 1 ! -name .venv ! -name out -exec rm -rf {} +
  (cd "$top" && git ls-files -z --cached --others --exclude-standard |
     tar --null --ignore-failed-read -T - -cf -) | tar -C "$src" -xf -
  cp "$top"/out/sources/*.tar.gz "$src/out/sources/" 2>/dev/null || true
  in_root "$root" bash -c 'cd /farm/src && bash scripts/setup.sh'
  ln -sfn /farm/src/.venv/bin/rpm-pyconfig "$root/farm/bin/rpm-pyconfig"
  # As a distribution package of rpm-pyconfig installs them (specs/rpm-pyconfig.spec).
  in_root "$root" sh -c 'install -D -m 0644 /farm/src/macros/macros.pyconfig \
    "$(rpm --eval "%{_rpmconfigdir}")/macros.d/macros.pyconfig"'
}

probe_root() {
  local root=$1
  rm -rf "$root/etc/rpm-pyconfig.d" && mkdir -p "$root/etc/rpm-pyconfig.d"
  in_root "$root" rpm-pyconfig probe --all --write /etc/rpm-pyconfig.d
  in_root "$root" rpm-pyconfig check
  in_root "$root" rpm-pyconfig list
}

rebuild() {
  local root=$1 srpm=$2
  in_root "$root" rpmbuild --rebuild --nodeps --define "_topdir /farm/rpmbuild" "/farm/srpms/$srpm"
}

install_rpms() {
  local root=$1
  rm -rf "$root/farm/inst" && mkdir -p "$root/farm/inst"
  in_root "$root" sh -c 'rpm -i --root /farm/inst --dbpath /var/lib/rpm --nodeps /farm/rpmbuild/RPMS/*/*.rpm'
  in_root "$root" rpm -qa --root /farm/inst --dbpath /var/lib/rpm | sort | sed 's/^/installed: /'
  # --nodeps: the root's rpm database is empty (its Python comes from apt).  The Requires between
  # the built packages themselves must still hold: rpm lists every unmet one of the whole set;
  # those naming coverage or markupsafe are ours, and must be none.
  rm -rf "$root/farm/deptest" && mkdir -p "$root/farm/deptest"
  local unmet
  unmet=$(in_root "$root" sh -c 'rpm -i --test --root /farm/deptest --dbpath /var/lib/rpm \
    /farm/rpmbuild/RPMS/*/*.rpm 2>&1; true' | awk -F ' is needed by ' 'NF == 2 && tolower($1) ~ /coverage|markupsafe/')
  rm -rf "$root/farm/deptest"
  if [ -n "$unmet" ]; then
    echo "Requires between the built packages that none of them provides:"
    echo "$unmet"
    return 1
  fi
  echo "every Requires between the built packages is provided by one of them"
}

# Run inside the root, once per runtime: NAME IMPLEMENTATION PYTHON SITELIB SITEARCH EXT_SUFFIX.
# Prints one line per check: "ok|FAIL RUNTIME CHECK DETAIL".
verify_script='
name=$1 implementation=$2 python=$3 sitelib=$4 sitearch=$5 suffix=$6
inst=/farm/inst
export PYTHONPATH=$inst$sitelib
[ "$sitearch" = "$sitelib" ] || PYTHONPATH=$PYTHONPATH:$inst$sitearch
work=$(mktemp -d)
cd "$work"
printf "def f(x):\n    if x:\n        return 1\n    return 2\n\nf(1)\n" > demo.py
# coverage: its own package, the demo measured right, and on CPython its own C tracer in use
# (asked for: Python 3.14 defaults to sys.monitoring); --debug=sys names the core in use.
core=
[ "$implementation" = cpython ] && core=ctrace
ok=ok
run=$(COVERAGE_CORE=$core "$python" -m coverage run --debug=sys demo.py 2>&1) || ok=FAIL
core_used=$(printf "%s\n" "$run" | sed -n "s/^ *core: *//p" | head -n 1)
report=$("$python" -m coverage report 2>&1 | tail -n 1 | awk "{print \$NF}")
module=coverage
[ "$implementation" = cpython ] && module=coverage.tracer
where=$("$python" -c "import $module as m; print(m.__file__)" 2>&1 | tail -n 1)
case "$where" in "$inst"/*) ;; *) ok=FAIL ;; esac
[ "$report" = "80%" ] || ok=FAIL
if [ "$implementation" = cpython ]; then
  [ "$core_used" = CTracer ] || ok=FAIL
  case "$where" in *"$suffix") ;; *) ok=FAIL ;; esac
fi
echo "$ok $name coverage report=$report core=${core_used:-none} from=$where"
[ "$ok" = ok ] || printf "%s\n" "$run" | tail -n 5 | sed "s/^/    /"
# markupsafe (the generated spec): its own package and, on CPython, its own extension module.
ok=ok
# PyPy may go without the extension (its package says which): what it ships must load.
speedups=$("$python" -c "import markupsafe, os
assert markupsafe.__file__.startswith(\"$inst/\"), markupsafe.__file__
assert str(markupsafe.escape(\"<a>\")) == \"&lt;a&gt;\"
shipped = os.path.exists(os.path.join(os.path.dirname(markupsafe.__file__), \"_speedups$suffix\"))
if shipped or \"$implementation\" == \"cpython\":
    import markupsafe._speedups as s
    print(s.__file__)
else:
    print(\"none (pure Python)\")" 2>&1 | tail -n 1)
case "$speedups" in "$inst"/*"$suffix") ;; "none (pure Python)") [ "$implementation" = cpython ] && ok=FAIL ;; *) ok=FAIL ;; esac
echo "$ok $name markupsafe extension=$speedups"
cd / && rm -rf "$work"
'

verify() {
  local root=$1
  printf '%s' "$verify_script" > "$root/farm/verify.sh"
  in_root "$root" rpm-pyconfig --foreach --raw \
    --eval '@name @implementation @confbin @conf_sitelib @conf_sitearch @ext_suffix' > "$root/farm/runtimes.txt"
  local line said check
  while read -r -a line; do
    said=$(in_root "$root" bash /farm/verify.sh "${line[@]}" 2>&1) || true
    printf '%s\n' "$said"
    # A runtime that crashes or prints nothing must count as failed, not vanish from the count.
    for check in coverage markupsafe; do
      grep -qE "^(ok|FAIL) ${line[0]} $check " <<< "$said" ||
        echo "FAIL ${line[0]} $check: no result (the check printed nothing for this runtime)"
    done
  done < "$root/farm/runtimes.txt"
}

# -- the real chain: the host's SRPMs rebuilt in the root (issue 12) -----------------------------

# The chain's cache key in a root: what decides what its builds produce besides the SRPMs and
# sdists themselves (which the chain's own state.json keys by their sha256): the root's Debian
# packages, its registry, the free-threaded runtime's build tools, and this project's code
# (the specs run it while rpm parses them, and its macros).
chain_key() {
  local root=$1
  {
    sha256sum "$root/var/lib/dpkg/status"
    (cd "$root/etc/rpm-pyconfig.d" && find . -type f -print0 | sort -z | xargs -0r sha256sum)
    ls "$root/usr/lib/$ft_name/site-packages" 2>/dev/null || true
    (cd "$root/farm/src" && find rpm_pyconfig macros templates pyproject.toml \
       -type f ! -name '*.pyc' -print0 | sort -z | xargs -0r sha256sum)
  } | sha256sum | cut -c1-16
}

# The chain of scripts/chain-real.sh --subset in the root (rich and Jinja2: 6 projects, 4 build
# backends, a C extension), with --rebuild-from the host's report: the SRPM the host built for
# each of them is rebuilt as it is, with the root's registry; what the root's Debian lacks (a
# build backend in the version asked for) is built there from its sdist.  Then the
# same dnf proof as on the host: stubs from the root's registry, dnf without --nodeps, every
# runtime of the root imports the top modules.  Resumable: kept in the root while its key holds.
farm_chain() {
  local root=$1 dir=$1/farm/src/out/chain-real key
  rm -rf "$root/farm/hostchain" && mkdir -p "$root/farm/hostchain/repo/SRPMS" "$root/farm/src/out/chain-sdists"
  cp "$top/out/chain-real/chain/report.json" "$root/farm/hostchain/"
  cp "$top"/out/chain-real/chain/repo/SRPMS/*.src.rpm "$root/farm/hostchain/repo/SRPMS/"
  cp -a -n "$top/out/chain-sdists/." "$root/farm/src/out/chain-sdists/"
  key=$(chain_key "$root")
  if [ "$(cat "$dir/farm-key" 2>/dev/null)" != "$key" ]; then
    [ ! -d "$dir" ] || echo "the root, its registry or this project changed since the last chain here: starting afresh"
    rm -rf "$dir"
  else
    echo "resuming the chain built here with the same key ($key): what built stays built"
  fi
  mkdir -p "$dir" && echo "$key" > "$dir/farm-key"
  local status=0
  in_root "$root" bash -c 'cd /farm/src && bash scripts/chain-real.sh --subset --rebuild-from /farm/hostchain/report.json' ||
    status=$?
  # The builds' summary even when the proof failed (the report is written either way).
  [ -f "$dir/chain/report.json" ] || return "$((status ? status : 1))"
  # Each project the host built (at that version) came from the host's SRPM: rebuilt here, or
  # kept from an earlier rebuild of the same SRPM (the chain keys it by the SRPM's sha256).
  python3 -c 'import json, os, sys
host = {(r["package"], r["version"]): os.path.basename(r["srpm"])
        for r in json.load(open(sys.argv[1]))["results"] if r.get("srpm")}
here = json.load(open(sys.argv[2]))["results"]
rebuilt, extra, wrong = [], [], []
for r in here:
    srpm = os.path.basename(r["srpm"])
    if (r["package"], r["version"]) not in host:
        extra.append(r["package"])
    elif srpm == host[(r["package"], r["version"])] and (
            r["result"].startswith(("rebuilt", "kept")) or "(rebuilt)" in r["result"]):
        rebuilt.append(r["package"])
    else:
        name, result = r["package"], r["result"]
        wrong.append(f"{name} ({result}, {srpm})")
rpms = len({p for r in here for p in r["rpms"]})
names = " ".join(sorted(set(extra))) or "none"
print(f"chain: {len(set(rebuilt))} host SRPMs rebuilt, {len(set(extra))} built here ({names}), "
      f"{rpms} RPMs, {len(host)} SRPMs in the host chain")
if wrong or not rebuilt:
    print("not rebuilt from the host SRPM: " + (" ".join(wrong) or "none at all"))
    sys.exit(1)' "$root/farm/hostchain/report.json" "$dir/chain/report.json" || return
  return "$status"
}

# -- the real applications (issue 13): tests/test_application.py in the root ---------------------

farm_apps() {
  local root=$1
  if [ -d "$top/out/app-sources" ]; then
    mkdir -p "$root/farm/src/out/app-sources"
    cp -a -n "$top/out/app-sources/." "$root/farm/src/out/app-sources/"
  fi
  # CI=true: in a root every tool and runtime is there, so a skip is a failure.
  in_root "$root" bash -c 'cd /farm/src && CI=true .venv/bin/python -m pytest -q -p no:cacheprovider tests/test_application.py'
}

# -- clean build roots (issue 10): scripts/clean-proof.sh --subset in the root ------------------

# A representative part of the proof (packaging, urllib3, python-dateutil, Jinja2 and the
# c-extension fixture, a few minutes per root): each generated spec built against an empty rpm database
# that dnf fills with only what it declares, without --nodeps.  The chain it needs is kept in
# the root's checkout (out/clean-proof/chain) and resumed.
farm_clean() {
  local root=$1
  mkdir -p "$root/farm/src/out/chain-sdists"
  cp -a -n "$top/out/chain-sdists/." "$root/farm/src/out/chain-sdists/" 2>/dev/null || true
  if ((clean_full)); then
    # The root's package lists may be older than its archive now: fetched again if need be.
    in_root "$root" apt-get install -y -q --no-install-recommends libffi-dev ||
      { in_root "$root" apt-get update -q && in_root "$root" apt-get install -y -q --no-install-recommends libffi-dev; }
    in_root "$root" bash -c 'cd /farm/src && bash scripts/clean-proof.sh'
  else
    in_root "$root" bash -c 'cd /farm/src && bash scripts/clean-proof.sh --subset'
  fi
}

# -- one suite, end to end ---------------------------------------------------------------------

declare -A result_rpm result_runtimes result_packages result_imports result_time result_status \
  result_chain result_apps result_archive result_clean
run_suite() {
  local suite=$1 root=$cache/roots/$1 logs=$cache/logs/$1 start=$SECONDS srpm
  rm -rf "$logs" && mkdir -p "$logs"
  result_status[$suite]="FAILED: build root (see $logs/root.log)"
  make_root "$suite" || return 1
  # The root as a mount point of its own: `unshare --mount` inside the chroot (the application
  # tests run their commands in a private mount namespace) must change the propagation of /,
  # which only a mount point has.  First, so that the mounts below land on it.
  mountpoint -q "$root" || mount --bind "$root" "$root"
  mount_system_dirs "$root"
  result_status[$suite]="FAILED: prepare ($logs/prepare.log)"
  run_step "$suite" "network and pip settings from the host" "$logs/prepare.log" prepare_root "$root" || return 1
  result_rpm[$suite]=$(in_root "$root" rpm --version | awk '{print $NF}')
  result_archive[$suite]=$(archive_date "$root")
  if [ "$suite" = sid ]; then
    result_status[$suite]="FAILED: free-threaded CPython ($logs/freethreaded*.log)"
    install_freethreaded "$suite" || return 1
  fi
  result_status[$suite]="FAILED: setup.sh in the root ($logs/setup.log)"
  run_step "$suite" "install the project (scripts/setup.sh)" "$logs/setup.log" install_project "$root" || return 1
  result_status[$suite]="FAILED: probe/check ($logs/probe.log)"
  run_step "$suite" "probe --all, check" "$logs/probe.log" probe_root "$root" || return 1
  result_runtimes[$suite]=$(grep -c . <(in_root "$root" rpm-pyconfig --foreach --raw --eval @name))
  local failures=()
  if ((clean_only)); then
    run_clean "$suite" "$root" "$logs"
    result_time[$suite]=$((SECONDS - start))
    unmount_root "$root"
    if ((${#failures[@]})); then result_status[$suite]="FAILED: ${failures[*]}"; return 1; fi
    result_status[$suite]=ok
    return 0
  fi
  rm -rf "$root/farm/srpms" "$root/farm/rpmbuild" && mkdir -p "$root/farm/srpms"
  cp "$cache"/host/rpmbuild/SRPMS/*.src.rpm "$root/farm/srpms/"
  for srpm in "$root"/farm/srpms/*.src.rpm; do
    srpm=$(basename "$srpm")
    result_status[$suite]="FAILED: rpmbuild --rebuild $srpm ($logs/rebuild-${srpm%%-[0-9]*}.log)"
    run_step "$suite" "rpmbuild --rebuild $srpm" "$logs/rebuild-${srpm%%-[0-9]*}.log" rebuild "$root" "$srpm" || return 1
  done
  result_packages[$suite]=$(find "$root/farm/rpmbuild/RPMS" -name '*.rpm' | wc -l)
  result_status[$suite]="FAILED: rpm -i of every package together ($logs/install.log)"
  run_step "$suite" "install every package together" "$logs/install.log" install_rpms "$root" || return 1
  result_packages[$suite]="${result_packages[$suite]}/$(grep -c '^installed: ' "$logs/install.log" || true)"
  result_status[$suite]="FAILED: verify ($logs/verify.log)"
  run_step "$suite" "every interpreter runs its own" "$logs/verify.log" verify "$root" || return 1
  local passed total
  passed=$(grep -c '^ok ' "$logs/verify.log" || true)
  total=$(grep -c -e '^ok ' -e '^FAIL ' "$logs/verify.log" || true)
  result_imports[$suite]="$passed/$total"
  grep -e '^ok ' -e '^FAIL ' "$logs/verify.log" | sed "s/^/    [$suite] /" >&2
  ((passed == total && total > 0)) || failures+=("$((total - passed)) checks ($logs/verify.log)")
  # The chain and the applications run even when a check above failed: each says its own.
  if run_step "$suite" "real chain: the host's SRPMs rebuilt, dnf proof (chain-real.sh)" "$logs/chain.log" farm_chain "$root"; then
    result_chain[$suite]=$(sed -n 's/^chain: \([0-9]*\) host SRPMs rebuilt, \([0-9]*\) built here.*/\1+\2/p' "$logs/chain.log")
  else
    result_chain[$suite]=$(sed -n 's/^chain: \([0-9]*\) host SRPMs rebuilt, \([0-9]*\) built here.*/\1+\2,/p' "$logs/chain.log")FAILED
    failures+=("real chain ($logs/chain.log)")
  fi
  sed -n 's/^chain-real: \(built\|dnf proof\) in \([0-9]*\) s$/\1\t\2/p' "$logs/chain.log" |
    while IFS=$'\t' read -r what seconds; do
      printf '%s\t  %s\t%s\n' "$suite" "chain: ${what/built/rebuild and build}" "$seconds" >> "$times_file"
    done
  grep -e '^chain: ' -e '^chainproof: ' "$logs/chain.log" | sed "s/^/    [$suite] /" >&2 || true
  if run_step "$suite" "real applications (tests/test_application.py)" "$logs/apps.log" farm_apps "$root"; then
    result_apps[$suite]=$(grep -oE '[0-9]+ passed' "$logs/apps.log" | tail -n 1 | cut -d' ' -f1)
  else
    result_apps[$suite]=FAILED
    failures+=("applications ($logs/apps.log)")
  fi
  tail -n 1 "$logs/apps.log" | sed "s/^/    [$suite] applications: /" >&2
  run_clean "$suite" "$root" "$logs"
  result_time[$suite]=$((SECONDS - start))
  unmount_root "$root"
  if ((${#failures[@]})); then
    result_status[$suite]="FAILED: ${failures[*]}"
    return 1
  fi
  result_status[$suite]=ok
}

# run_clean SUITE ROOT LOGS: the clean build roots step and its results (failures: the caller's).
run_clean() {
  local suite=$1 root=$2 logs=$3
  if run_step "$suite" "clean build roots ($clean_step)" "$logs/clean.log" farm_clean "$root"; then
    result_clean[$suite]=$(sed -n 's/^cleanproof: \([0-9]*\) of \([0-9]*\) built in a clean root$/\1\/\2/p' "$logs/clean.log")
  else
    result_clean[$suite]=FAILED
    failures+=("clean build roots ($logs/clean.log)")
  fi
  sed -n 's/^clean-proof: \(.*\) in \([0-9]*\) s$/\1\t\2/p' "$logs/clean.log" |
    while IFS=$'\t' read -r what seconds; do
      printf '%s\t  %s\t%s\n' "$suite" "clean: $what" "$seconds" >> "$times_file"
    done
  grep -e '^cleanproof: ' "$logs/clean.log" | sed "s/^/    [$suite] /" >&2 || true
}

# The steps run in a separate bash (run_step): they see these functions and settings.
export -f $(declare -F | awk '{print $3}')
export cache mirror ft_version ft_name ft_backends jobs top base_packages verify_script times_file clean_full

# -- main --------------------------------------------------------------------------------------

# All of it in one function: bash has read the whole script before running any of it, so an
# edit of this file during a (long) run cannot change what the run does.
main() {
  if ! command -v debootstrap > /dev/null; then
    say "installing debootstrap on the host"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q debootstrap > /dev/null
  fi
  [ -x "$top/.venv/bin/rpm-pyconfig" ] || die "no .venv in $top: run scripts/setup.sh first"
  mkdir -p "$cache/logs/host"
  ((clean_only)) || run_step host "rpmbuild -bs (coverage, generated MarkupSafe spec)" "$cache/logs/host/srpms.log" build_srpms ||
    die "the SRPMs could not be built on the host: see $cache/logs/host/srpms.log"
  # The real chain's SRPMs, as the host builds them (the checkout's out/chain-real: test.sh has
  # built it just before; resumed, so seconds then).
  ((clean_only)) || run_step host "the real chain on the host (scripts/chain-real.sh --build-only)" "$cache/logs/host/chain.log" \
    bash "$top/scripts/chain-real.sh" --build-only ||
    die "the real chain failed on the host: see $cache/logs/host/chain.log"

  failed=0
  for suite in "${suites[@]}"; do
    suite_start=$SECONDS
    run_suite "$suite" || failed=1
    [ -n "${result_time[$suite]:-}" ] || result_time[$suite]=$((SECONDS - suite_start))
    unmount_root "$cache/roots/$suite"
  done

  printf '\n%-16s %-7s %-9s %-10s %-8s %-10s %-6s %-7s %6s  %s\n' DISTRIBUTION RPM RUNTIMES PACKAGES IMPORTS CHAIN APPS CLEAN TIME RESULT
  for suite in "${suites[@]}"; do
    printf '%-16s %-7s %-9s %-10s %-8s %-10s %-6s %-7s %5ss  %s\n' "$(label "$suite")" "${result_rpm[$suite]:--}" \
      "${result_runtimes[$suite]:--}" "${result_packages[$suite]:--}" "${result_imports[$suite]:--}" \
      "${result_chain[$suite]:--}" "${result_apps[$suite]:--}" "${result_clean[$suite]:--}" "${result_time[$suite]}" "${result_status[$suite]}"
  done
  printf '\nPACKAGES: built/installed together; IMPORTS: checks passed (coverage with its tracer, markupsafe with its extension, per runtime)\n'
  printf 'CLEAN: generated specs built in a clean root (empty rpm database, dnf, no --nodeps) / tried (scripts/%s)\n' "$clean_step"
  printf 'CHAIN: host SRPMs of the real chain rebuilt in the root + projects built there besides, then the dnf proof; APPS: tests/test_application.py passed in the root\n'
  for suite in "${suites[@]}"; do
    printf '%s: archive of %s\n' "$(label "$suite")" "${result_archive[$suite]:-unknown}"
  done
  # Debian unstable moves every day, but a cached root does not: only the phases that fetch
  # from the archive (making the root, apt-get in setup.sh, the free-threaded build's sources)
  # or from PyPI can break because of sid; the others are this project's.
  if [[ " ${suites[*]} " == *" sid "* && "${result_status[sid]}" != ok ]]; then
    printf '\nNOTE: Debian unstable failed. Its archive changes every day; this root was made from the archive of %s.\n' \
      "${result_archive[sid]:-unknown}"
    case "${result_status[sid]}" in
      *"build root"* | *setup.sh* | *free-threaded*)
        printf 'The failing phase fetches from today'"'"'s archive (or PyPI): a sid change, not this project, is the likely cause (see its log).\n' ;;
      *)
        printf 'The failing phase uses the cached root only (no archive access): the cause is this project or PyPI downloads, not a sid change.\n' ;;
    esac
    printf 'To try today'"'"'s sid afresh: rm -rf %s/roots/sid %s/roots/sid.stamp\n' "$cache" "$cache"
  fi
  printf '\nTimes (s):\n'
  awk -F '\t' '{ printf "  %-9s %-58s %6ss\n", $1, $2, $3 }' "$times_file"
  return "$failed"
}
main; exit $?
