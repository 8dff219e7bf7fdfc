#!/usr/bin/env bash
# The seed's own form, %(rpm-pyconfig --foreach --eval "...") without and with %{expand:}, in
# every section a call can stand in (the preamble, mid-line, %description, %build, %install,
# %files): each call that fails must stop `rpmspec -P` with the tool's own message.
#
#   bash scripts/form2010-check.sh
#
# Run where rpm-pyconfig is on PATH and RPM_PYCONFIG_PATH names a registry (the calls run the
# tool; no macros file is needed).  Prints a line per case, then "2010 form: N of 12 stopped
# with the tool's message"; exit status 1 unless all did.
set -uo pipefail
work=$(mktemp -d "${TMPDIR:-/tmp}/rpm-pyconfig-form2010.XXXXXX")
trap 'rm -rf "$work"' EXIT
stopped=0 total=0
for form in plain expand; do
  for section in preamble midline description build install files; do
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
    printf 'Name: t\nVersion: 1\nRelease: 1\nSummary: s\nLicense: MIT\n%s\n%%changelog\n' \
      "$body" > "$work/f2010.spec"
    rpmspec -P "$work/f2010.spec" > /dev/null 2> "$work/f2010.err" && rc=0 || rc=$?
    total=$((total + 1))
    if grep -q "unknown token '@confpgk'" "$work/f2010.err"; then
      said=", the tool's message"
      ((rc == 0)) || stopped=$((stopped + 1))
    else
      said=", NO MESSAGE"
    fi
    echo "2010 form, $form, $section: rc=$rc$said"
  done
done
echo "2010 form: $stopped of $total stopped with the tool's message"
((stopped == total))
