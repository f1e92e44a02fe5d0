#!/usr/bin/env bash
# Start, stop or show the Dovetail services as background processes (role `all`: api + relay + consumers),
# then the GraphQL gateway in front of them (`dovetail-gateway`, GATEWAY_HTTP_PORT, default 8000).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STATE="${DOVETAIL_STATE_DIR:-$ROOT/.local}"
RUN="$STATE/run"; LOGS="$STATE/logs"
mkdir -p "$RUN" "$LOGS"
# name:port of every registered service (dovetail.services entry points; its http_port setting).
mapfile -t SERVICES < <("$ROOT/.venv/bin/python" -m dovetail_shared.registry ports)
GATEWAY_PORT="${GATEWAY_HTTP_PORT:-8000}"

alive() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

up() {
  for entry in "${SERVICES[@]}"; do
    name=${entry%%:*}; port=${entry##*:}
    if alive "$name"; then echo "[$name] already running (pid $(cat "$RUN/$name.pid")) on http://127.0.0.1:$port"; continue; fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "[$name] port $port is taken by another process: set ${name^^}_HTTP_PORT to another port" >&2; exit 1
    fi
    DOVETAIL_ENVIRONMENT="${DOVETAIL_ENVIRONMENT:-development}" setsid nohup "$ROOT/.venv/bin/dovetail-$name" all \
      >>"$LOGS/$name.log" 2>&1 < /dev/null &
    echo $! > "$RUN/$name.pid"
    for _ in $(seq 1 60); do
      if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then break; fi
      if ! alive "$name"; then echo "[$name] failed to start; log tail:" >&2; tail -n 30 "$LOGS/$name.log" >&2; exit 1; fi
      sleep 0.5
    done
    echo "[$name] running on http://127.0.0.1:$port (docs: /docs, log: $LOGS/$name.log)"
  done
  gateway_up
}

# The gateway calls each service at the port the registry gives it (GATEWAY_<SERVICE>_URL unless set).
gateway_up() {
  if alive gateway; then echo "[gateway] already running (pid $(cat "$RUN/gateway.pid")) on http://127.0.0.1:$GATEWAY_PORT/graphql"; return; fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$GATEWAY_PORT") 2>/dev/null; then
    echo "[gateway] port $GATEWAY_PORT is taken by another process: set GATEWAY_HTTP_PORT to another port" >&2; exit 1
  fi
  local urls=()
  for entry in "${SERVICES[@]}"; do
    name=${entry%%:*}; port=${entry##*:}; var="GATEWAY_${name^^}_URL"
    urls+=("$var=${!var:-http://127.0.0.1:$port}")
  done
  env "${urls[@]}" GATEWAY_HTTP_PORT="$GATEWAY_PORT" DOVETAIL_ENVIRONMENT="${DOVETAIL_ENVIRONMENT:-development}" \
    setsid nohup "$ROOT/.venv/bin/dovetail-gateway" >>"$LOGS/gateway.log" 2>&1 < /dev/null &
  echo $! > "$RUN/gateway.pid"
  for _ in $(seq 1 60); do
    if curl -fsS "http://127.0.0.1:$GATEWAY_PORT/readyz" >/dev/null 2>&1; then break; fi
    if ! alive gateway; then echo "[gateway] failed to start; log tail:" >&2; tail -n 30 "$LOGS/gateway.log" >&2; exit 1; fi
    sleep 0.5
  done
  echo "[gateway] running on http://127.0.0.1:$GATEWAY_PORT/graphql (GraphiQL in development, log: $LOGS/gateway.log)"
}

down() {
  for entry in gateway "${SERVICES[@]}"; do
    name=${entry%%:*}
    if alive "$name"; then
      pid=$(cat "$RUN/$name.pid"); kill -TERM "$pid"
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
      echo "[$name] stopped"
    else
      echo "[$name] not running"
    fi
    rm -f "$RUN/$name.pid"
  done
}

status() {
  rc=0
  for entry in "${SERVICES[@]}"; do
    name=${entry%%:*}; port=${entry##*:}
    if alive "$name"; then echo "[$name] running (pid $(cat "$RUN/$name.pid")) on http://127.0.0.1:$port"; else echo "[$name] stopped"; rc=3; fi
  done
  if alive gateway; then echo "[gateway] running (pid $(cat "$RUN/gateway.pid")) on http://127.0.0.1:$GATEWAY_PORT/graphql"; else echo "[gateway] stopped"; rc=3; fi
  return $rc
}

case "${1:-}" in
  up) up ;; down) down ;; status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
