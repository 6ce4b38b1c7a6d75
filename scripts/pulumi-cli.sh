#!/usr/bin/env bash
# Builds the Pulumi CLI from Go modules (the only way to get it on machines that
# cannot download release binaries) into a cache folder outside git, and prints
# that folder as its last line. Reused while the version is unchanged.
#
# A user who already has Pulumi installed does not need this.
set -euo pipefail

PULUMI_VERSION="${PULUMI_CLI_VERSION:-v3.274.1}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CACHE="${PULUMI_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/alicloud-managed-secrets/pulumi-cli}"
OUT="$CACHE/$PULUMI_VERSION"

LANGHOST_SRC="$ROOT/scripts/pulumi-language-nodejs/main.go"
LANGHOST_SUM="$(sha256sum "$LANGHOST_SRC" | cut -c1-16)"
if [ -x "$OUT/pulumi" ] && [ -f "$OUT/.complete" ] && [ "$(cat "$OUT/.langhost" 2>/dev/null)" = "$LANGHOST_SUM" ] \
   && [ -x "$OUT/pulumi-resource-pulumi-nodejs" ]; then
  echo "$OUT"
  exit 0
fi

command -v go >/dev/null || { echo "pulumi-cli.sh: Go is needed to build the Pulumi CLI" >&2; exit 1; }

WORK="$CACHE/build-$PULUMI_VERSION"
rm -rf "$WORK"
mkdir -p "$WORK" "$OUT"
cd "$WORK"
# pkg/v3's own go.mod replaces the clipboard module; a wrapper must repeat that
# (replace directives of dependencies are ignored). Its sdk replace points at a
# sibling folder of Pulumi's repo: here the sdk comes from the proxy instead.
cat > go.mod <<GOMOD
module managed-secrets.local/pulumi-cli

go 1.26

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
GOMOD
start=$(date +%s)
go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$PULUMI_VERSION" >&2
if ! [ -x "$OUT/pulumi" ] || ! [ -f "$OUT/.complete" ]; then
  CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
    -o "$OUT/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2
  touch "$OUT/.complete"
fi

# Pulumi's own pulumi-language-nodejs is its own Go module, and the proxy serves
# no version of it (it has no tags; every pseudo-version asked for is refused
# with "403 This module version is not available"). Our test stand-in does the
# one thing the engine needs of it: run the program. See its header comment.
mkdir -p langhost
cp "$LANGHOST_SRC" langhost/main.go
CGO_ENABLED=0 go build -mod=mod -trimpath -ldflags "-s -w" -o "$OUT/pulumi-language-nodejs" ./langhost >&2
echo "$LANGHOST_SUM" > "$OUT/.langhost"

# The dynamic-provider plugin is a script shipped in the @pulumi/pulumi npm package;
# the CLI looks for plugins beside its own binary.
for f in pulumi-resource-pulumi-nodejs pulumi-analyzer-policy; do
  src="$ROOT/node_modules/@pulumi/pulumi/$f"
  [ -f "$src" ] && cp "$src" "$OUT/$f" && chmod +x "$OUT/$f"
done
echo "pulumi-cli.sh: built $PULUMI_VERSION in $(( $(date +%s) - start ))s, $(du -sh "$OUT/pulumi" | cut -f1)" >&2
rm -rf "$WORK"
echo "$OUT"
