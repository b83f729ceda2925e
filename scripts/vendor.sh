#!/usr/bin/env bash
# Re-vendors the third-party browser libraries into static/vendor/ from the npm registry.
# The app runs on government networks without internet, so nothing is loaded from a CDN.
# For maintainers: `make` never runs this. To upgrade, change a version below, run
# `bash scripts/vendor.sh`, update the table in static/vendor/README.md and commit the result.
set -euo pipefail
cd "$(dirname "$0")/.."

HTMX_VERSION=2.0.11
ECHARTS_VERSION=6.1.0
TOM_SELECT_VERSION=2.4.3

vendor_dir=static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() {  # fetch PACKAGE VERSION -> extracts the tarball into $work/PACKAGE/package
  local package=$1 version=$2
  mkdir -p "$work/$package"
  (cd "$work/$package" && npm pack --silent "$package@$version" >/dev/null && tar -xzf ./*.tgz)
}

fetch htmx.org "$HTMX_VERSION"
mkdir -p "$vendor_dir/htmx"
cp "$work/htmx.org/package/dist/htmx.min.js" "$vendor_dir/htmx/htmx.min.js"
cp "$work/htmx.org/package/LICENSE" "$vendor_dir/htmx/LICENSE"

fetch echarts "$ECHARTS_VERSION"
mkdir -p "$vendor_dir/echarts"
cp "$work/echarts/package/dist/echarts.min.js" "$vendor_dir/echarts/echarts.min.js"
cp "$work/echarts/package/LICENSE" "$vendor_dir/echarts/LICENSE"
# Apache-2.0 asks that the NOTICE travel with the code; the bundle embeds parts of d3 (BSD-3-Clause).
cp "$work/echarts/package/NOTICE" "$vendor_dir/echarts/NOTICE"
cp "$work/echarts/package/licenses/LICENSE-d3" "$vendor_dir/echarts/LICENSE-d3"

fetch tom-select "$TOM_SELECT_VERSION"
mkdir -p "$vendor_dir/tom-select"
# The source maps too: the manifest static storage refuses a sourceMappingURL to a missing file.
for file in js/tom-select.complete.min.js js/tom-select.complete.min.js.map \
  css/tom-select.default.min.css css/tom-select.default.min.css.map; do
  cp "$work/tom-select/package/dist/$file" "$vendor_dir/tom-select/"
done
cp "$work/tom-select/package/LICENSE" "$vendor_dir/tom-select/LICENSE"

echo "Vendored htmx.org $HTMX_VERSION, echarts $ECHARTS_VERSION and tom-select $TOM_SELECT_VERSION into $vendor_dir/"
sha256sum "$vendor_dir"/htmx/htmx.min.js "$vendor_dir"/echarts/echarts.min.js \
  "$vendor_dir"/tom-select/tom-select.complete.min.js "$vendor_dir"/tom-select/tom-select.default.min.css
