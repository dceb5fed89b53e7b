#!/usr/bin/env bash
# Re-fetches the vendored uPlot from its npm package and checks it.
#
# The dashboard's page draws its charts with uPlot (MIT), kept in this folder
# as the package's built files, so that building taskgraph never needs node
# or the network. This script is the only thing that does: it downloads the
# pinned release with `npm pack`, checks the tarball against the integrity
# hash the registry publishes for it (pinned below too), and copies the three
# files the page uses. Run it to check the vendored copy (the default: it
# fails if they differ) or, after changing VERSION and INTEGRITY, with
# --update to replace them.
set -euo pipefail
cd "$(dirname "$0")/uplot"

VERSION=1.6.32
INTEGRITY='sha512-KIMVnG68zvu5XXUbC4LQEPnhwOxBuLyW1AHtpm6IKTXImkbLgkMy+jabjLgSLMasNuGGzQm/ep3tOkyTxpiQIw=='
FILES=(dist/uPlot.iife.min.js dist/uPlot.min.css LICENSE)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "uplot@$VERSION" >/dev/null)
tgz="$tmp/uplot-$VERSION.tgz"
got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
if [ "$got" != "$INTEGRITY" ]; then
  echo "fetch-uplot: uplot@$VERSION has integrity $got, want $INTEGRITY" >&2
  exit 1
fi
tar -xzf "$tgz" -C "$tmp"

status=0
for f in "${FILES[@]}"; do
  name=$(basename "$f")
  if [ "${1:-}" = --update ]; then
    cp "$tmp/package/$f" "$name"
  elif ! cmp -s "$tmp/package/$f" "$name"; then
    echo "fetch-uplot: $name differs from uplot@$VERSION's $f" >&2
    status=1
  fi
done
[ "$status" = 0 ] && echo "fetch-uplot: uplot@$VERSION checked ($INTEGRITY)"
exit $status
