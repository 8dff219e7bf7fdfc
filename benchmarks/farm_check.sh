#!/usr/bin/env bash
# The compiled registry in other rpm versions: build roots of the farm (Debian 13's rpm 4.20,
# unstable's rpm 6.1), used read-only except for ROOT/tmp/pyc.  The tool is not installed in
# a root: the host compiles the registries, and two stand-ins of rpm-pyconfig replay the host
# tool's output (a failure, and `compile --lua`) while counting their calls.
#   - every 2010-form spec (plain %() and %{expand:%()}, in every section) must stop (rc 1);
#   - zero-fork parses must start no tool process and give the fallback parse's text;
#   - medians of 15 wall-time runs: zero-fork against the static expansion, 3/8/100 runtimes.
# Usage (as root, from the worktree with .venv set up): benchmarks/farm_check.sh ROOT...
set -euo pipefail
cd "$(dirname "$0")/.."
tool=$PWD/.venv/bin/rpm-pyconfig
work=/tmp/pyc  # the same path on the host and in the roots: the fingerprint records paths
rm -rf "$work" && mkdir -p "$work"/bin-fail "$work"/bin-chunk
cp macros/macros.pyconfig specs/python-coverage.spec "$work"/
"$tool" spec tests/data/specgen/pure-markers-extras -o "$work"/gen.spec 2>/dev/null
for n in 3 8 100; do
  .venv/bin/python -c "
import sys; sys.path.insert(0, 'benchmarks'); from pathlib import Path; import spec_parse
spec_parse.make_registry(Path('$work/r$n'), $n)"
  RPM_PYCONFIG_PATH=$work/r$n "$tool" compile -o "$work/bc$n.macros" 2>/dev/null
done
RPM_PYCONFIG_PATH=$work/r3 "$tool" compile --lua > "$work"/chunk.lua
RPM_PYCONFIG_PATH=$work/r3 "$tool" --foreach --eval '%package -n @confpgk-x' \
  > "$work"/fail.out 2> "$work"/fail.err || true
printf '#!/bin/sh\ncat %s/fail.err >&2\ncat %s/fail.out\nexit 1\n' "$work" "$work" > "$work"/bin-fail/rpm-pyconfig
printf '#!/bin/sh\necho "$*" >> %s/calls.log\ncat %s/chunk.lua\n' "$work" "$work" > "$work"/bin-chunk/rpm-pyconfig
chmod +x "$work"/bin-*/rpm-pyconfig
for form in plain expand; do
  for section in preamble description build install files midline; do
    call="%(rpm-pyconfig --foreach --eval '%%package -n @confpgk-x')"
    [ "$form" = expand ] && call="%{expand:$call}"
    case $section in
      preamble) body="$call"$'\n%description\nd\n' ;;
      midline) body="Requires: $call"$'\n%description\nd\n' ;;
      description) body=$'%description\n'"$call"$'\n' ;;
      build) body=$'%description\nd\n%build\n'"$call"$'\n' ;;
      install) body=$'%description\nd\n%install\necho hi\n'"$call"$'\n' ;;
      files) body=$'%description\nd\n%files\n'"$call"$'\n' ;;
    esac
    printf 'Name: t\nVersion: 1\nRelease: 1\nSummary: s\nLicense: MIT\n%s\n%%changelog\n' "$body" \
      > "$work/f2010-$form-$section.spec"
  done
done
cat > "$work"/inside.sh <<'EOF'
#!/bin/bash
cd /tmp/pyc
now() { date +%s%N; }
echo "== $(rpm --version), $(rpm --eval '%{lua:print(_VERSION)}')"
for f in f2010-*.spec; do
  PATH=/tmp/pyc/bin-fail:/usr/bin:/bin rpmspec -P "$f" >/dev/null 2>err.txt && rc=0 || rc=$?
  echo "$f rc=$rc $(grep -m1 '^error' err.txt | cut -c1-80)"
done
export RPM_PYCONFIG_PATH=/tmp/pyc/r3
: > calls.log
PATH=/tmp/pyc/bin-chunk:/usr/bin:/bin rpmspec -P --load macros.pyconfig python-coverage.spec > fallback.out
echo "fallback parse: tool calls $(wc -l < calls.log)"
for spec in python-coverage.spec gen.spec; do for n in 3 8 100; do
  export RPM_PYCONFIG_PATH=/tmp/pyc/r$n
  : > calls.log
  PATH=/tmp/pyc/bin-chunk:/usr/bin:/bin rpmspec -P --load macros.pyconfig --load bc$n.macros $spec > zero.out
  same=""
  if [ "$spec$n" = python-coverage.spec3 ]; then cmp -s zero.out fallback.out && same=", same text as the fallback parse" || same=", DIFFERS from the fallback parse"; fi
  sed 's/%/%%/g' zero.out > static.spec
  s=(); z=()
  for i in $(seq 15); do
    t=$(now); rpmspec -P static.spec >/dev/null 2>&1; s+=($(( $(now) - t )))
    t=$(now); PATH=/tmp/pyc/bin-chunk:/usr/bin:/bin rpmspec -P --load macros.pyconfig --load bc$n.macros $spec >/dev/null 2>&1; z+=($(( $(now) - t )))
  done
  ms=$(printf '%s\n' "${s[@]}" | sort -n | sed -n 8p); mz=$(printf '%s\n' "${z[@]}" | sort -n | sed -n 8p)
  awk -v spec="$spec" -v n="$n" -v s="$ms" -v z="$mz" -v calls="$(wc -l < calls.log)" -v same="$same" \
    'BEGIN { printf "%s %3d runtimes: static %6.1f ms, zero-fork %6.1f ms, ratio %.2f, tool calls %d%s\n", spec, n, s / 1e6, z / 1e6, z / s, calls, same }' 
done; done
EOF
chmod +x "$work"/inside.sh
for root in "$@"; do
  rm -rf "$root/tmp/pyc" && cp -a "$work" "$root/tmp/pyc"
  chroot "$root" /tmp/pyc/inside.sh
done
