#!/usr/bin/env bash
# Download the upstream sdists that specs/ build into out/sources, and check their hashes.
# rpmbuild never downloads: the build reads only what this script fetched.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p out/sources
while read -r file sha256; do
  [[ -z "$file" || "$file" == \#* ]] && continue
  target=out/sources/$file
  if [ ! -f "$target" ] || ! echo "$sha256  $target" | sha256sum -c --quiet - 2>/dev/null; then
    name=${file%-*}; version=${file##*-}; version=${version%.tar.gz}
    echo "fetch-sources: downloading $file" >&2
    tmp=$(mktemp -d)
    .venv/bin/python -m pip download -q --disable-pip-version-check --no-deps --no-binary :all: \
      -d "$tmp" "$name==$version"
    mv "$tmp/$file" "$target"
    rm -rf "$tmp"
    echo "$sha256  $target" | sha256sum -c --quiet -
  fi
done < specs/sources.txt
