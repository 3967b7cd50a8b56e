#!/usr/bin/env bash
# Re-vendor the browser libraries Custos serves itself (no CDN: principle 5), from the npm registry.
# Run from the repository root with Node.js and npm; commit what changes under static/vendor/.
# Versions are pinned here; each library's licence is copied beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm init -y >/dev/null && npm install --no-audit --no-fund --silent \
    leaflet@1.9.4 leaflet.markercluster@1.5.3 tus-js-client@4.3.1 axe-core@4.14.1)
modules="$work/node_modules"

rm -rf static/vendor && mkdir -p static/vendor/leaflet static/vendor/leaflet.markercluster static/vendor/tus-js-client
cp "$modules/leaflet/dist/leaflet.js" "$modules/leaflet/dist/leaflet.css" static/vendor/leaflet/
cp -r "$modules/leaflet/dist/images" static/vendor/leaflet/
cp "$modules/leaflet/LICENSE" static/vendor/leaflet/LICENSE
cp "$modules/leaflet.markercluster/dist/leaflet.markercluster.js" \
   "$modules/leaflet.markercluster/dist/MarkerCluster.css" \
   "$modules/leaflet.markercluster/dist/MarkerCluster.Default.css" static/vendor/leaflet.markercluster/
cp "$modules/leaflet.markercluster/MIT-LICENCE.txt" static/vendor/leaflet.markercluster/LICENSE
cp "$modules/tus-js-client/dist/tus.min.js" static/vendor/tus-js-client/
cp "$modules/tus-js-client/LICENSE" static/vendor/tus-js-client/LICENSE
# axe-core is only injected by the browser tests (tests/browser), never served.
mkdir -p tests/browser/vendor
cp "$modules/axe-core/axe.min.js" tests/browser/vendor/axe.min.js
cp "$modules/axe-core/LICENSE" tests/browser/vendor/axe-core-LICENSE
{
    echo "Vendored by scripts/vendor_js.sh from the npm registry:"
    for package in leaflet leaflet.markercluster tus-js-client axe-core; do
        printf '  %s %s\n' "$package" "$(node -p "require('$modules/$package/package.json').version")"
    done
} > static/vendor/VERSIONS.txt
cat static/vendor/VERSIONS.txt
