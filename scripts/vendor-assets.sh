#!/usr/bin/env bash
# Fetch the browser assets the web app uses from the npm registry and copy their dist files (and licences)
# into nadzor/web/static/vendor/, so pages load nothing from the internet. Run it to upgrade; commit the result.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
dest="$here/nadzor/web/static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# name@version  dist file inside the package  file name in vendor/
assets=(
  "htmx.org@2.0.4 dist/htmx.min.js htmx.min.js"
  "vega@5.30.0 build/vega.min.js vega.min.js"
  "vega-lite@5.21.0 build/vega-lite.min.js vega-lite.min.js"
  "vega-embed@6.26.0 build/vega-embed.min.js vega-embed.min.js"
  "vega-interpreter@1.0.5 build/vega-interpreter.min.js vega-interpreter.min.js"
)
mkdir -p "$dest"
cd "$work"
: > "$dest/VERSIONS.txt"
for line in "${assets[@]}"; do
  read -r spec file out <<<"$line"
  name="${spec%@*}"
  tgz="$(npm pack --silent "$spec")"
  mkdir -p "x-$name" && tar -xzf "$tgz" -C "x-$name"
  cp "x-$name/package/$file" "$dest/$out"
  lic="$(ls "x-$name/package" | grep -i -m1 -E '^licen[cs]e' || true)"
  if [ -n "$lic" ]; then cp "x-$name/package/$lic" "$dest/LICENSE.$name.txt"; fi
  echo "$spec $file" >> "$dest/VERSIONS.txt"
done
echo "vendored into $dest:"; ls -la "$dest"
