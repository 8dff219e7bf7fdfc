# shellcheck shell=bash
# Sourced by the other scripts: run a slow step quietly but visibly; name the host's suite;
# enter the farm's build roots and undo their mounts.
#
#   step LOG LABEL COMMAND...
#
# prints "LABEL", sends the command's output (third-party chatter: apt, pip, setuptools
# banners, rpmbuild) to LOG, prints a progress line with the log's last line every 10 s,
# and on failure shows the log's last 40 lines and returns the command's status.

step() {
  local log=$1 label=$2
  shift 2
  mkdir -p "$(dirname "$log")"
  echo "$label" >&2
  local start=$SECONDS status=0 ticks=0 pid
  "$@" </dev/null >"$log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    ticks=$((ticks + 1))
    if ((ticks % 10 == 0)) && kill -0 "$pid" 2>/dev/null; then
      local last
      last=$(tail -n 1 "$log" 2>/dev/null | tr -d '\r' | cut -c1-80)
      echo "  ... $((SECONDS - start)) s${last:+: $last}" >&2
    fi
  done
  wait "$pid" || status=$?
  if ((status)); then
    echo "  failed (status $status) after $((SECONDS - start)) s; the end of $log:" >&2
    tail -n 40 "$log" | sed 's/^/  | /' >&2
    return "$status"
  fi
  if ((SECONDS - start >= 5)); then
    echo "  done in $((SECONDS - start)) s (log: $log)" >&2
  fi
}

# The Debian suite of this machine, as the farm names its roots: bookworm, trixie, sid.
host_suite() {
  # Debian unstable and testing have no VERSION_ID; unstable is what the farm builds for both.
  local VERSION_ID='' VERSION_CODENAME=''
  # shellcheck disable=SC1091
  . /etc/os-release
  case "$VERSION_ID" in 12) echo bookworm ;; 13) echo trixie ;; '') echo sid ;; *) echo "debian$VERSION_ID" ;; esac
}

# -- the farm's build roots (scripts/farm.sh makes them, scripts/declarative-proof.sh reuses
# them): entering one, mounting the host's system directories into it, and undoing every mount
# on the way out.  Mount points are read from /proc/mounts, which escapes blanks as \040: the
# callers' directories have none.

# unmount_below PREFIX: every mount whose target starts with PREFIX, deepest first.
unmount_below() {
  local prefix=$1 target
  awk -v p="$prefix" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r |
    while read -r target; do umount "$target" 2>/dev/null || umount -l "$target"; done
}

# mounted_below PREFIX: true when a mount target still starts with PREFIX.
mounted_below() {
  awk -v p="$1" 'index($2, p) == 1 { found = 1 } END { exit !found }' /proc/mounts
}

# mount_system_dirs ROOT: the host's /proc, /sys, /dev and /dev/pts bound into ROOT, and a
# private /dev/shm (Python's process pools need one; the host's must not be written).
# Idempotent: what is mounted already stays.
mount_system_dirs() {
  local root=$1 dir
  for dir in proc sys dev dev/pts; do
    mkdir -p "$root/$dir"
    mountpoint -q "$root/$dir" || mount --bind "/$dir" "$root/$dir"
  done
  mountpoint -q "$root/dev/shm" || mount -t tmpfs -o size=256m tmpfs "$root/dev/shm"
}

# in_root ROOT COMMAND...: COMMAND inside ROOT with a clean environment (pip's settings kept)
# and no standard input (the host's, or a loop's `read`, is none of its business).
in_root() {
  local root=$1
  shift
  local environment=(HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive
    PATH=/farm/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
  local variable
  while IFS= read -r variable; do environment+=("$variable"); done < <(env | grep '^PIP_' || true)
  chroot "$root" /usr/bin/env -i "${environment[@]}" "$@" < /dev/null
}

# unmount_on_exit PREFIX [TEARDOWN]: on every way out (EXIT; INT, TERM and HUP exit 130 after
# the caller's `say interrupted`), run the caller's TEARDOWN function if any (it may stop what
# still uses the mounts, or unmount and remove its own directories), then undo every mount
# below PREFIX, and exit with the status the script had.
unmount_on_exit() {
  _exit_prefix=$1 _exit_teardown=${2:-}
  trap _unmount_and_exit EXIT
  trap 'say "interrupted"; exit 130' INT TERM HUP
}
_unmount_and_exit() {
  local status=$?
  trap - EXIT INT TERM HUP
  set +e  # every mount undone, whatever fails on the way
  [ -z "$_exit_teardown" ] || "$_exit_teardown"
  unmount_below "$_exit_prefix"
  exit "$status"
}

# -- overlays of the farm's roots (declarative-proof.sh, lua54-proof.sh): the root read-only
# below, the changes in a scratch directory, removed at the end.

# mount_root_overlay LOWER BASE: LOWER as an overlay on BASE/merged (BASE/upper, BASE/work,
# BASE/logs made), with the system directories; what was there before unmounted and removed.
mount_root_overlay() {
  local lower=$1 base=$2
  unmount_below "$base/"
  rm -rf "$base/upper" "$base/work" "$base/merged"
  mkdir -p "$base/upper" "$base/work" "$base/merged" "$base/logs"
  mount -t overlay overlay -o "lowerdir=$lower,upperdir=$base/upper,workdir=$base/work" "$base/merged"
  mount_system_dirs "$base/merged"
}

# remove_root_overlays TMP SUITE...: every mount below TMP undone, then the overlay of each
# SUITE (TMP/SUITE) removed, its logs kept; all left in place when a mount stays.  Uses the
# caller's `say`.
remove_root_overlays() {
  local tmp=$1 suite
  shift
  unmount_below "$tmp/"
  if mounted_below "$tmp/"; then
    say "cannot unmount everything below $tmp: left in place"
  else
    for suite in "$@"; do rm -rf "$tmp/$suite/upper" "$tmp/$suite/work" "$tmp/$suite/merged"; done
  fi
}

# install_checkout_in_root ROOT: the caller's checkout ($top) into ROOT's /farm/src, as the farm
# installed it there (the root's .venv, an editable install, then runs the new code), the
# macros into rpm's macros.d, the root's runtimes probed into its /etc/rpm-pyconfig.d.
install_checkout_in_root() {
  local root=$1 src=$1/farm/src
  # This checkout as it is (tracked and untracked, not ignored); the farm's .venv is an
  # editable install of /farm/src, so the new code is what runs.
  find "$src" -mindepth 1 -maxdepth 1 ! -name .venv ! -name out -exec rm -rf {} +
  (cd "$top" && git ls-files -z --cached --others --exclude-standard |
     tar --null --ignore-failed-read -T - -cf -) | tar -C "$src" -xf -
  in_root "$root" sh -c 'install -D -m 0644 /farm/src/macros/macros.pyconfig \
    "$(rpm --eval "%{_rpmconfigdir}")/macros.d/macros.pyconfig"'
  rm -rf "$root/etc/rpm-pyconfig.d" && mkdir -p "$root/etc/rpm-pyconfig.d"
  in_root "$root" rpm-pyconfig probe --all --write /etc/rpm-pyconfig.d
  in_root "$root" rpm-pyconfig check
}

# choose_suites "SUITE..." WHY ARGUMENT...: the farm suites the arguments name, in `suites`
# (all of SUITE... when they name none); --skip-host leaves out this machine's own suite and
# says WHY.  An unknown argument: the caller's `die` (status 2).  Uses the caller's `say`.
choose_suites() {
  local known=$1 why=$2 argument suite host skip_host=0 kept=()
  shift 2
  suites=()
  for argument in "$@"; do
    if [ "$argument" = --skip-host ]; then
      skip_host=1
    elif [[ " $known " == *" $argument "* ]]; then
      suites+=("$argument")
    else
      local listed=${known// /, }
      die "unknown argument '$argument' (expected --skip-host, ${listed%, *} or ${listed##*, })"
    fi
  done
  ((${#suites[@]})) || read -r -a suites <<< "$known"
  if ((skip_host)); then
    host=$(host_suite)
    for suite in "${suites[@]}"; do [ "$suite" = "$host" ] || kept+=("$suite"); done
    suites=(${kept[@]+"${kept[@]}"})
    say "host is $host: $why"
  fi
}
