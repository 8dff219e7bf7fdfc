#!/usr/bin/env bash
# The compiled registry in the farm's build roots (Debian 13's rpm 4.20, unstable's rpm 6.1),
# with this checkout installed there the way scripts/farm.sh installs it (/farm/src, its
# .venv made by an earlier farm run).  The cached roots stay untouched: each runs as an
# overlay (the root read-only below, the changes in a scratch directory, removed after).
#   - every 2010-form spec (scripts/form2010-check.sh: plain %() and %{expand:%()}, in
#     every section) must stop (rc 1) with the tool's own message;
#   - the compiled registry's own tests (tests/test_compiled.py, the fast ones), and the
#     drop-in reader against the root's own configparser (tests/test_dropin.py);
#   - benchmarks/spec_parse.py RUNS: zero-fork and fallback against the static expansion.
#   --zero-fork: the benchmark's static and zero-fork parses only (spec_parse.py --zero-fork).
#   --instructions: also the instructions of each parse (spec_parse.py --instructions), with
#     Debian's valgrind and strace installed into the overlay first (the cached root never
#     gets them): the measure a machine busy with other work does not move.
# Usage (as root): benchmarks/farm_check.sh [-n RUNS] [--zero-fork] [--instructions] SUITE...
#   (SUITE: trixie, sid, ...)
# Environment: RPM_PYCONFIG_FARM_CACHE (default /var/cache/rpm-pyconfig-farm), TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=10
bench_options=""
if [ "${1:-}" = -n ]; then runs=$2; shift 2; fi
install_tools=0
while [ $# -gt 0 ]; do
  case $1 in
    --zero-fork) bench_options="$bench_options --zero-fork"; shift ;;
    --instructions) bench_options="$bench_options --instructions"; install_tools=1; shift ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: $0 [-n RUNS] SUITE..." >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "$0: must run as root (mount, chroot)" >&2; exit 2; }
cache=${RPM_PYCONFIG_FARM_CACHE:-/var/cache/rpm-pyconfig-farm}
scratch=$(mktemp -d "${TMPDIR:-/var/tmp}/rpm-pyconfig-farm-check.XXXXXX")
merged=""
unmount() {
  [ -n "$merged" ] || return 0
  local dir
  for dir in dev/pts dev proc; do
    if mountpoint -q "$merged/$dir"; then umount "$merged/$dir" || umount -l "$merged/$dir"; fi
  done
  if mountpoint -q "$merged"; then umount "$merged" || umount -l "$merged"; fi
  merged=""
}
cleanup() {
  unmount
  # only when nothing is mounted below it any more (a bind mount of /dev would be emptied)
  if ! awk -v p="$scratch/" 'index($2, p) == 1 { found = 1 } END { exit !found }' /proc/mounts
  then rm -rf "$scratch"; fi
}
trap cleanup EXIT

inside=$(cat <<'EOF'
set -uo pipefail
cd /farm/src
if [ "$INSTALL_TOOLS" = 1 ]; then
  apt-get -qq update > /tmp/tools.log 2>&1 &&
    DEBIAN_FRONTEND=noninteractive apt-get -qq install --no-install-recommends valgrind strace \
      >> /tmp/tools.log 2>&1 || { echo "cannot install valgrind and strace:"; tail /tmp/tools.log; exit 1; }
fi
echo "== $(rpm --version), $(rpm --eval '%{lua:print(_VERSION)}'), $(python3 --version)"
.venv/bin/python -c "
import sys; sys.path.insert(0, 'benchmarks'); from pathlib import Path; import spec_parse
spec_parse.make_registry(Path('/tmp/farm-check-registry'), 3)"
export RPM_PYCONFIG_PATH=/tmp/farm-check-registry PATH=/farm/src/.venv/bin:/usr/bin:/bin
bash scripts/form2010-check.sh
.venv/bin/python -m pytest -q -p no:cacheprovider tests/test_compiled.py tests/test_stanzas.py \
  tests/test_dropin.py \
  -k 'not lua_equals and not never_answers' 2>&1 | tail -1
.venv/bin/python benchmarks/spec_parse.py $BENCH_OPTIONS "$RUNS"
EOF
)

status=0
for suite in "$@"; do
  lower=$cache/roots/$suite
  [ -x "$lower/farm/src/.venv/bin/python" ] || {
    echo "$0: $lower has no /farm/src/.venv: run scripts/farm.sh for $suite first" >&2
    status=1; continue; }
  base=$scratch/$suite
  mkdir -p "$base/upper" "$base/work" "$base/merged"
  merged=$base/merged
  mount -t overlay overlay -o "lowerdir=$lower,upperdir=$base/upper,workdir=$base/work" "$merged"
  mount --bind /proc "$merged/proc"
  mount --bind /dev "$merged/dev"
  mount --bind /dev/pts "$merged/dev/pts"
  # this checkout as farm.sh copies it: tracked and untracked files, not ignored ones
  find "$merged/farm/src" -mindepth 1 -maxdepth 1 ! -name .venv ! -name out -exec rm -rf {} +
  git ls-files -z --cached --others --exclude-standard | xargs -0 cp -d --parents -t "$merged/farm/src"
  chroot "$merged" /usr/bin/env -i HOME=/root LANG=C.UTF-8 RUNS="$runs" BENCH_OPTIONS="$bench_options" \
    INSTALL_TOOLS=$install_tools \
    /bin/bash -c "$inside" || status=1
  unmount
done
exit $status
