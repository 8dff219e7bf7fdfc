#!/usr/bin/env bash
# Download the upstream sdists listed in specs/sources.txt into out/sources, and check their
# hashes. rpmbuild never downloads: the build reads only what this script fetched.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
mkdir -p out/sources
mapfile -t wanted < <(grep -v -e '^#' -e '^[[:space:]]*$' specs/sources.txt)
number=0
for line in "${wanted[@]}"; do
  read -r file sha256 <<<"$line"
  number=$((number + 1))
  target=out/sources/$file
  if [ ! -f "$target" ] || ! echo "$sha256  $target" | sha256sum -c --quiet - >/dev/null 2>&1; then
    name=${file%-*}; version=${file##*-}; version=${version%.tar.gz}
    tmp=$(mktemp -d)
    step "out/logs/fetch-$name.log" "fetch-sources: downloading $file ($number/${#wanted[@]})" \
      .venv/bin/python -m pip download --disable-pip-version-check --no-deps --no-binary "$name" \
        -d "$tmp" "$name==$version"
    mv "$tmp/$file" "$target"
    rm -rf "$tmp"
    echo "$sha256  $target" | sha256sum -c --quiet -
  fi
done
