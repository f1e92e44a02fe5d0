#!/usr/bin/env bash
# Build (once) a real kube-apiserver from the Go module proxy and cache it.
# k8s.io/kubernetes cannot be `go install`ed (its go.mod replaces the staging modules), so a scratch module
# requires it and replaces every staging module k8s.io/<m> by its matching v0.<minor>.<patch> release.
# The binary is cached in ~/.cache/dovetail (survives fresh clones on this machine) and copied to
# .cache/k8s/ (git-ignored); Go's own build cache persists as well. Prints the binary path.
set -euo pipefail
K8S_VERSION="${K8S_VERSION:-v1.31.14}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
GLOBAL="${DOVETAIL_CACHE:-$HOME/.cache/dovetail}/k8s"
LOCAL="$ROOT/.cache/k8s"
BIN="kube-apiserver-$K8S_VERSION"
mkdir -p "$GLOBAL" "$LOCAL"
if [[ -x "$LOCAL/$BIN" ]]; then echo "$LOCAL/$BIN"; exit 0; fi
if [[ -x "$GLOBAL/$BIN" ]]; then cp "$GLOBAL/$BIN" "$LOCAL/$BIN"; echo "$LOCAL/$BIN"; exit 0; fi
export GOTOOLCHAIN=local GOFLAGS=-mod=mod
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
cd "$work"
minor="${K8S_VERSION#v1.}"            # 31.14
staging="v0.${minor}"
go mod init dovetail.local/apiserver >/dev/null 2>&1
modfile="$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')"
{
  echo "require k8s.io/kubernetes $K8S_VERSION"
  # every `k8s.io/<m> => ./staging/src/k8s.io/<m>` in kubernetes' own go.mod
  grep -oE 'k8s\.io/[a-z0-9-]+ => \./staging' "$modfile" | awk -v v="$staging" '{print "replace " $1 " => " $1 " " v}'
} >>go.mod
cat >main.go <<'GO'
package main

import _ "k8s.io/kubernetes/cmd/kube-apiserver/app"

func main() {}
GO
go mod tidy >&2
pkg=k8s.io/component-base/version
ldflags="-s -w -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=${minor%%.*}"
nice -n 15 go build -trimpath -ldflags "$ldflags" -o "$GLOBAL/$BIN.tmp" k8s.io/kubernetes/cmd/kube-apiserver >&2
mv "$GLOBAL/$BIN.tmp" "$GLOBAL/$BIN"
cp "$GLOBAL/$BIN" "$LOCAL/$BIN"
echo "$LOCAL/$BIN"
