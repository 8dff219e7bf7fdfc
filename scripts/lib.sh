# Sourced by the other scripts: run a slow step quietly but visibly; name the host's suite.
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
