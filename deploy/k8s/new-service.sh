#!/usr/bin/env bash
# Create base/<name>/ from base/_template: `deploy/k8s/new-service.sh joint_programs 8103`.
# Then add `- <dir>` to base/kustomization.yaml, its topics to components/kafka-strimzi/topics.yaml
# (tests/k8s fails until every topic the code declares has a KafkaTopic) and its role/schema to
# components/postgres-cnpg/cluster.yaml.
set -euo pipefail
name="$1"; port="$2"
dir="$(cd "$(dirname "$0")" && pwd)/base/${name//_/-}"
svc="${name//_/-}"; up="$(echo "$name" | tr '[:lower:]-' '[:upper:]_')"
[[ -e "$dir" ]] && { echo "$dir exists" >&2; exit 1; }
mkdir -p "$dir"
for f in "$(dirname "$0")"/base/_template/*.yaml; do
  # The command keeps the registry's name (dovetail-<name>, ADR 0006); Kubernetes names use the wire name.
  sed -e "s/dovetail-__SVC__\"/dovetail-$name\"/g" -e "s/__SVC__/$svc/g" -e "s/__UP__/$up/g" -e "s/__PORT__/$port/g" "$f" >"$dir/$(basename "$f")"
done
echo "created $dir"
