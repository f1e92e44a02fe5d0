#!/usr/bin/env bash
# make k8s-validate: render every variant, then let a real kube-apiserver (with etcd, on loopback) judge
# it with the pinned Strimzi, CloudNativePG and Prometheus Operator CRDs installed; show that broken
# manifests are refused; run the policy test. Stops everything it started.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
K8S="$ROOT/deploy/k8s"
VARIANTS=(overlays/dev overlays/prod)
NAMESPACES=(dovetail)
ETCD_PORT="${K8S_VALIDATE_ETCD_PORT:-23790}"
API_PORT="${K8S_VALIDATE_API_PORT:-26443}"
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }

step "render every variant (kubectl kustomize)"
mkdir -p "$work/rendered"
for v in "${VARIANTS[@]}"; do
  out="$work/rendered/${v//\//-}.yaml"
  kubectl kustomize "$K8S/$v" >"$out"
  echo "$v: $(grep -c '^kind:' "$out") objects"
done

step "tools: kube-apiserver (cached build), etcd, CRDs"
apiserver="$(bash "$ROOT/scripts/k8s/build-apiserver.sh")"
if ! command -v etcd >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server >/dev/null
fi
crds="$(bash "$ROOT/scripts/k8s/fetch-crds.sh")"
echo "apiserver $apiserver; etcd $(etcd --version | head -1); CRDs $crds"

step "start etcd and kube-apiserver on loopback"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$work/tls.key" -out "$work/tls.crt" 2>/dev/null
openssl genrsa -out "$work/sa.key" 2048 2>/dev/null
openssl rsa -in "$work/sa.key" -pubout -out "$work/sa.pub" 2>/dev/null
token="$(openssl rand -hex 16)"
echo "$token,validator,validator,system:masters" >"$work/tokens.csv"
etcd --data-dir "$work/etcd" --unsafe-no-fsync \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" >"$work/etcd.log" 2>&1 &
pids+=($!)
"$apiserver" --etcd-servers="http://127.0.0.1:$ETCD_PORT" --bind-address=127.0.0.1 \
  --advertise-address=127.0.0.1 --secure-port="$API_PORT" \
  --tls-cert-file="$work/tls.crt" --tls-private-key-file="$work/tls.key" \
  --token-auth-file="$work/tokens.csv" --authorization-mode=RBAC \
  --service-account-issuer=https://kubernetes.default.svc --service-account-key-file="$work/sa.pub" \
  --service-account-signing-key-file="$work/sa.key" --service-cluster-ip-range=10.0.0.0/24 \
  --enable-priority-and-fairness=false --endpoint-reconciler-type=none >"$work/apiserver.log" 2>&1 &
pids+=($!)
export KUBECONFIG="$work/kubeconfig"
kubectl config set-cluster v --server="https://127.0.0.1:$API_PORT" --certificate-authority="$work/tls.crt" >/dev/null
kubectl config set-credentials v --token="$token" >/dev/null
kubectl config set-context v --cluster=v --user=v >/dev/null
kubectl config use-context v >/dev/null
for _ in $(seq 1 120); do
  kubectl get --raw /readyz >/dev/null 2>&1 && break
  sleep 0.5
done
kubectl get --raw /readyz >/dev/null || { tail -20 "$work/apiserver.log"; exit 1; }
kubectl version | grep -i "server version"

step "install CRDs and namespaces"
kubectl apply --server-side -f "$crds/strimzi" -f "$crds/cnpg" -f "$crds/monitoring" >/dev/null
kubectl wait --for condition=established --timeout=60s crd --all >/dev/null
for ns in "${NAMESPACES[@]}"; do kubectl create namespace "$ns" >/dev/null; done
echo "$(kubectl get crd -o name | wc -l) CRDs established"

step "apply every variant with --server-side --dry-run=server"
for f in "$work"/rendered/*.yaml; do
  kubectl apply --server-side --dry-run=server -f "$f" >"$work/apply.out"
  echo "$(basename "$f"): $(wc -l <"$work/apply.out") objects accepted"
done

step "deliberately broken manifests are refused by the API server"
failed=0
for f in "$K8S"/tests/broken/*.yaml; do
  if kubectl apply --server-side --dry-run=server -f "$f" >"$work/broken.out" 2>&1; then
    echo "NOT REFUSED: $(basename "$f")"; failed=1
  else
    echo "refused $(basename "$f"): $(grep -m1 -i -E 'error|invalid' "$work/broken.out" | cut -c1-160)"
  fi
done
[[ $failed == 0 ]]

step "policy test (tests/k8s)"
K8S_RENDERED_DIR="$work/rendered" "$ROOT/.venv/bin/pytest" -q -p no:cacheprovider "$ROOT/tests/k8s"
step "k8s-validate: OK"
