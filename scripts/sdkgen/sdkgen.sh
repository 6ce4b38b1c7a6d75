#!/usr/bin/env bash
# Regenerates schema.json (provider/plugin/schema-file.ts) and, from it, the
# Python, Go, .NET and Java SDKs under sdk/<language> with Pulumi's own code
# generators, as Pulumi's provider repositories keep them. Each generator tool
# (scripts/sdkgen/{pulumi,dotnet,java}) is a Go module with its own pins,
# built once into a cache folder outside git (minutes cold). Each SDK folder
# records the sha256 of the schema it came from (schema.sha256):
# tests/plugin/generated-sdks.test.ts fails when schema.json changed and the
# SDKs were not regenerated.
#
# Usage: scripts/sdkgen/sdkgen.sh            # everything
#        scripts/sdkgen/sdkgen.sh --tools    # only build the tools, print their folder
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/scripts/sdkgen"
CACHE="${SDKGEN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/alicloud-managed-secrets/sdkgen}"
SUM="$(cat "$HERE"/common/*.go "$HERE"/common/go.mod "$HERE"/{pulumi,dotnet,java}/{main.go,go.mod,go.sum} | sha256sum | cut -c1-16)"
BIN="$CACHE/$SUM"

command -v go >/dev/null || { echo "sdkgen.sh: Go is needed to build the generators" >&2; exit 1; }
if ! [ -f "$BIN/.complete" ]; then
  mkdir -p "$BIN"
  start=$(date +%s)
  for tool in pulumi dotnet java; do
    (cd "$HERE/$tool" && CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "-s -w" -o "$BIN/sdkgen-$tool" .) >&2
  done
  touch "$BIN/.complete"
  echo "sdkgen.sh: built the generators in $(( $(date +%s) - start ))s" >&2
fi
if [ "${1:-}" = "--tools" ]; then echo "$BIN"; exit 0; fi

cd "$ROOT"
SCHEMA="$ROOT/provider/plugin/schema.json"
npx tsx provider/plugin/schema-file.ts >/dev/null
SCHEMA_SUM="$(sha256sum "$SCHEMA" | cut -d' ' -f1)"
VERSION="$(node -p 'require("./package.json").version')"

# Generated folders are replaced whole; the few files written here beside the generator's
# output (Go's go.mod, Java's pom.xml) come from scripts/sdkgen, never edited in sdk/.
regen() { rm -rf "sdk/$1"; mkdir -p "sdk/$1"; }

regen python
"$BIN/sdkgen-pulumi" "$SCHEMA" sdk/python python

# Go: the module keeps its go.mod/go.sum (scripts/sdkgen/go-sdk.mod pins the SDK's Pulumi version).
regen go
"$BIN/sdkgen-pulumi" "$SCHEMA" sdk/go go
cp "$HERE/go-sdk.mod" sdk/go/go.mod
cp "$HERE/go-sdk.sum" sdk/go/go.sum

regen dotnet
"$BIN/sdkgen-dotnet" "$SCHEMA" sdk/dotnet

regen java
"$BIN/sdkgen-java" "$SCHEMA" sdk/java
sed "s/@VERSION@/$VERSION/g" "$HERE/java-pom.xml" > sdk/java/pom.xml

for lang in python go dotnet java; do echo "$SCHEMA_SUM" > "sdk/$lang/schema.sha256"; done
echo "sdkgen.sh: sdk/{python,go,dotnet,java} from schema.json $SCHEMA_SUM (v$VERSION)" >&2
