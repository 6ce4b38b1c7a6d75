#!/usr/bin/env bash
# Builds Pulumi's YAML language host (pulumi-language-yaml) from Go modules with
# its own pins, into a cache folder outside git, and prints that folder as its
# last line. Reused while the version is unchanged. The engine finds it on PATH
# when it runs a `runtime: yaml` program (tests/engine-yaml).
#
# Forcing it onto the CLI's pkg version (scripts/pulumi-cli.sh) does not
# compile: it builds against the pkg/sdk versions its own go.mod names, as a
# released binary would.
set -euo pipefail

YAML_VERSION="${PULUMI_YAML_VERSION:-v1.25.0}"
CACHE="${PULUMI_YAML_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/alicloud-managed-secrets/pulumi-yaml}"
OUT="$CACHE/$YAML_VERSION"

if [ -x "$OUT/pulumi-language-yaml" ] && [ -f "$OUT/.complete" ]; then
  echo "$OUT"
  exit 0
fi

command -v go >/dev/null || { echo "pulumi-yaml.sh: Go is needed to build pulumi-language-yaml" >&2; exit 1; }

WORK="$CACHE/build-$YAML_VERSION"
rm -rf "$WORK"
mkdir -p "$WORK" "$OUT"
cd "$WORK"
start=$(date +%s)
# `go install pkg@version` builds a module's command with exactly its own go.mod (its
# requirements and replace directives), with no wrapper module to drift from them.
GOBIN="$OUT" CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" \
  "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@$YAML_VERSION" >&2
touch "$OUT/.complete"
echo "pulumi-yaml.sh: built pulumi-language-yaml $YAML_VERSION in $(( $(date +%s) - start ))s, $(du -sh "$OUT/pulumi-language-yaml" | cut -f1)" >&2
rm -rf "$WORK"
echo "$OUT"
