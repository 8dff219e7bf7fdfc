#!/usr/bin/env bash
# out/sources/rpm-pyconfig-VERSION.tar.gz from the files git tracks, as they are in the work
# tree (so uncommitted edits of tracked files are included): Source0 of specs/rpm-pyconfig.spec.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
mkdir -p out/sources
git ls-files -z | tar --null -T - --transform "flags=rh;s,^,rpm-pyconfig-$version/," \
  -czf "out/sources/rpm-pyconfig-$version.tar.gz"
echo "out/sources/rpm-pyconfig-$version.tar.gz"
