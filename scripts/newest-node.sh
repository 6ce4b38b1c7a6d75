#!/usr/bin/env bash
# Prints the path of the newest Node.js the npm registry serves (the top of the supported range,
# engines ">=22"), installing it once from the registry's `node` package into a cache outside the
# clone, one folder per major, next to .ci/run's Node 22. Offline, the newest cached major serves.
# Not under /root: tests may run node as another user.
set -euo pipefail
CACHE=/opt/alicloud-managed-secrets
if major=$(npm view node version 2>/dev/null | cut -d. -f1) && [ -n "$major" ]; then
  dir=$CACHE/node$major
  if ! [ -x "$dir/node_modules/node/bin/node" ]; then
    npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "node@$major" >&2
    chmod -R a+rX "$CACHE"
  fi
else
  dir=$(ls -d "$CACHE"/node[0-9]* 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] || { echo "newest-node.sh: the npm registry is not answering and no Node.js is cached in $CACHE" >&2; exit 1; }
fi
echo "$dir/node_modules/node/bin/node"
