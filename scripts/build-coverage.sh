#!/usr/bin/env bash
# The main job, end to end on a fresh Debian 12 or 13 machine (as root):
#   1. set up (Debian packages, .venv with rpm-pyconfig, the coverage sdist)
#   2. probe this machine's Python runtimes into out/registry
#   3. rpmbuild specs/python-coverage.spec: one subpackage per runtime
#   4. install every built RPM together into out/root and run coverage with each interpreter
#   5. print a table: runtime, package, files, C tracer
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
bash scripts/setup.sh
export PATH="$top/.venv/bin:$PATH"

echo "== probing this machine's Python runtimes into out/registry" >&2
rm -rf out/registry && mkdir -p out/registry
rpm-pyconfig probe --all --write out/registry
export RPM_PYCONFIG_PATH=$top/out/registry
rpm-pyconfig check
rpm-pyconfig list

rm -rf out/rpmbuild
# The macros file joins rpm's own macro path (--macros): rpm >= 4.20 forgets --load FILE when
# it re-reads its configuration for a BuildArch: noarch spec. --nodeps: Debian's rpm database
# is empty (the build tools come from apt), so rpm cannot see them.
macros="$(rpm --showrc | sed -n 's/^Macro path: //p'):$top/macros/macros.pyconfig"
step out/logs/rpmbuild-coverage.log "== rpmbuild -ba specs/python-coverage.spec (log: out/logs/rpmbuild-coverage.log)" \
  rpmbuild -ba --nodeps --macros "$macros" \
    --define "_topdir $top/out/rpmbuild" --define "_sourcedir $top/out/sources" \
    specs/python-coverage.spec
rpms=(out/rpmbuild/RPMS/*/*.rpm)

echo "== installing ${#rpms[@]} RPMs together into out/root" >&2
rm -rf out/root && mkdir -p out/root
# rpm's own status counts (a file conflict between subpackages must fail); grep only hides
# Debian's "use alien" notice.
installed=0
rpm -i --root "$top/out/root" --dbpath /var/lib/rpm --nodeps "${rpms[@]}" > out/logs/rpm-install.log 2>&1 ||
  installed=$?
grep -v -i -e alien -e 'assuming you know' out/logs/rpm-install.log >&2 || true
if ((installed)); then
  echo "build-coverage: rpm -i of the built packages failed (exit $installed)" >&2
  exit 1
fi

demo=$(mktemp -d)
printf 'def f(x):\n    if x:\n        return 1\n    return 2\n\nf(1)\n' > "$demo/demo.py"
printf '\n%-15s %-24s %6s  %-12s %s\n' RUNTIME PACKAGE FILES "C TRACER" "coverage report (expect 80%)"
failed=0
# Captured first: the status of a process substitution would go unchecked.
runtimes=$(rpm-pyconfig --foreach --raw --eval '@name @confpkg @confbin @conf_sitearch @ext_suffix @implementation')
[ -n "$runtimes" ] || { echo "build-coverage: the registry names no runtime" >&2; exit 1; }
while read -r name prefix python sitearch suffix implementation; do
  rpm_file=$(ls out/rpmbuild/RPMS/*/"$prefix"-coverage-[0-9]*.rpm)
  files=$(rpm -qpl "$rpm_file" 2>/dev/null | wc -l)
  tracer=no
  [ -f "out/root$sitearch/coverage/tracer$suffix" ] && tracer=yes
  report=$(cd "$demo" && PYTHONPATH="$top/out/root$sitearch" "$python" -m coverage run demo.py &&
           PYTHONPATH="$top/out/root$sitearch" "$python" -m coverage report | tail -1 | awk '{print $NF}') || report=FAILED
  printf '%-15s %-24s %6s  %-12s %s\n' "$name" "$prefix-coverage" "$files" "$tracer" "$report"
  # coverage builds its C tracer for CPython only; the report must be right everywhere.
  if [ "$report" != "80%" ] || { [ "$implementation" = cpython ] && [ "$tracer" != yes ]; }; then
    failed=1
  fi
done <<< "$runtimes"
rm -rf "$demo"
echo
echo "RPMs: ${rpms[*]}"
if ((failed)); then
  echo "build-coverage: a runtime's package did not work as expected (see the table)" >&2
  exit 1
fi
