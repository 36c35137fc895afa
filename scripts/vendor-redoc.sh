#!/usr/bin/env bash
# Refreshes the vendored ReDoc bundle that /api/redoc/ serves (FitHub's docs never use a CDN).
# Usage: scripts/vendor-redoc.sh [VERSION]   (default: the version in fithub-api/assets/redoc/VERSION)
set -euo pipefail
cd "$(dirname "$0")/.."
dest=fithub-api/assets/redoc
version=${1:-$(cat "$dest/VERSION")}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "redoc@$version" >/dev/null && tar xzf redoc-*.tgz)
cp "$work/package/bundles/redoc.standalone.js" "$work/package/bundles/redoc.standalone.js.LICENSE.txt" "$dest/"
cp "$work/package/LICENSE" "$dest/LICENSE"
echo "$version" > "$dest/VERSION"
echo "vendored redoc $version into $dest"
