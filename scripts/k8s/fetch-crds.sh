#!/usr/bin/env bash
# Fetch the pinned operator CRDs into a cache folder (default ~/.cache/dovetail/k8s/crds-<versions>) and
# print it. Prometheus Operator (ServiceMonitor, PodMonitor) and CloudNativePG: its Go module's config/crd/bases. Strimzi: generated with io.strimzi:crd-generator
# (Java 21+; the Temurin 25 JDK under /usr/lib/jvm) exactly as Strimzi's build does.
set -euo pipefail
STRIMZI_VERSION=0.45.0   # kafka.strimzi.io/v1beta2; keep in sync with crds/strimzi-pom.xml
CNPG_VERSION=v1.27.1
PROMOP_VERSION=v0.85.0  # ServiceMonitor/PodMonitor
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="${DOVETAIL_CACHE:-$HOME/.cache/dovetail}/k8s/crds-strimzi-$STRIMZI_VERSION-cnpg-$CNPG_VERSION-promop-$PROMOP_VERSION"
if [[ -s "$OUT/.done" ]]; then echo "$OUT"; exit 0; fi
mkdir -p "$OUT/cnpg" "$OUT/strimzi" "$OUT/monitoring"
# CloudNativePG
export GOTOOLCHAIN=local GOFLAGS=-mod=mod
dir="$(go mod download -json "github.com/cloudnative-pg/cloudnative-pg@$CNPG_VERSION" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
cp "$dir"/config/crd/bases/postgresql.cnpg.io_*.yaml "$OUT/cnpg/"
chmod u+w "$OUT"/cnpg/*.yaml
dir="$(go mod download -json "github.com/prometheus-operator/prometheus-operator@$PROMOP_VERSION" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
cp "$dir"/example/prometheus-operator-crd/monitoring.coreos.com_{servicemonitors,podmonitors}.yaml "$OUT/monitoring/"
chmod u+w "$OUT"/monitoring/*.yaml
# Strimzi
java=""
for j in /usr/lib/jvm/temurin-25-jdk-amd64/bin/java "${JAVA_HOME:-/nonexistent}/bin/java"; do
  [[ -x "$j" ]] && { java="$j"; break; }
done
[[ -n "$java" ]] || { echo "need Java 21+ (e.g. /usr/lib/jvm/temurin-25-jdk-amd64)" >&2; exit 1; }
lib="$(mktemp -d)"; trap 'rm -rf "$lib"' EXIT
mvn -B -q -f "$HERE/crds/strimzi-pom.xml" dependency:copy-dependencies -DoutputDirectory="$lib" >&2
cp=$(ls "$lib"/*.jar | tr '\n' ':')
gen() { "$java" -cp "$cp" io.strimzi.crdgenerator.CrdGenerator --label app:strimzi \
  --label strimzi.io/crd-install:true --target-kube 1.16+ --crd-api-version v1 "$@" >&2; }
m=io.strimzi.api.kafka.model
gen --api-versions v1beta2 --storage-version v1beta2 --yaml \
  "$m.kafka.Kafka=$OUT/strimzi/040-Crd-kafka.yaml" \
  "$m.podset.StrimziPodSet=$OUT/strimzi/042-Crd-strimzipodset.yaml" \
  "$m.nodepool.KafkaNodePool=$OUT/strimzi/04A-Crd-kafkanodepool.yaml"
gen --api-versions v1alpha1,v1beta1,v1beta2 --storage-version v1beta2 --yaml \
  "$m.topic.KafkaTopic=$OUT/strimzi/043-Crd-kafkatopic.yaml" \
  "$m.user.KafkaUser=$OUT/strimzi/044-Crd-kafkauser.yaml"
echo ok >"$OUT/.done"
echo "$OUT"
