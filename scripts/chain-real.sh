#!/usr/bin/env bash
# The real chain of README's "rpm-pyconfig chain" section: textual 0.62.0 and Jinja2 3.1.4 with
# everything they need, for every runtime this machine has, then the proof that dnf installs
# python3-textual (and each runtime's package) from the repository with every Requires:
# resolved, and that every runtime imports textual and jinja2 from that root.
# Long (5-8 minutes the first time on 2 busy cores, seconds afterwards): CI runs it as its own step, not inside pytest.
# Sdists are downloaded once into out/chain-sdists/SHA256/ and reused offline afterwards.
#
#   bash scripts/chain-real.sh [--build-only] [--subset] [--rebuild-from REPORT]
#
# --build-only: the chain without its dnf proof (the farm takes its SRPMs from it).
# --subset: rich and Jinja2 only (tests/data/chain-real/farm-requirements.txt), the same
# constraints: 6 of the 11 projects, 4 build backends, MarkupSafe's C extension (the farm's).
# --rebuild-from REPORT: the same SRPMs as the chain of REPORT (report.json of a chain built on
# another machine): what this machine needs besides is built here (the farm, in its roots).
set -euo pipefail
cd "$(dirname "$0")/.."
proof=1 rebuild=() requirements=tests/data/chain-real/requirements.txt
packages=(--package textual --package jinja2 --module textual)
while (($#)); do
  case "$1" in
    --build-only) proof=0 ;;
    --subset) requirements=tests/data/chain-real/farm-requirements.txt
              packages=(--package rich --package jinja2) ;;
    --rebuild-from) rebuild=(--rebuild-from "$2"); shift ;;
    *) echo "chain-real.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
bash scripts/setup.sh >/dev/null
registry=out/chain-real/registry
rm -rf "$registry" && mkdir -p "$registry" out/chain-sdists
.venv/bin/rpm-pyconfig probe --all --write "$registry" >/dev/null
constraints=()
while read -r line; do
  case "$line" in ''|'#'*) ;; *) constraints+=(-c "$line") ;; esac
done < tests/data/chain-real/constraints.txt
start=$SECONDS
.venv/bin/rpm-pyconfig --confdir "$registry" chain --macros macros/macros.pyconfig \
  --sdists out/chain-sdists --download out/chain-sdists -o out/chain-real/chain \
  -r "$requirements" "${constraints[@]}" ${rebuild[@]+"${rebuild[@]}"}
echo "chain-real: built in $((SECONDS - start)) s" >&2
((proof)) || exit 0
start=$SECONDS
.venv/bin/python -m tests.chainproof --confdir "$registry" --repo out/chain-real/chain/repo \
  --work out/chain-real/proof "${packages[@]}" --module jinja2 \
  --module rich --module markupsafe._speedups@cpython
echo "chain-real: dnf proof in $((SECONDS - start)) s" >&2
