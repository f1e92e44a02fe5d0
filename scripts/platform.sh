#!/usr/bin/env bash
# Start, stop or show the Dovetail services as background processes (role `all`: api + relay + consumers).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STATE="${DOVETAIL_STATE_DIR:-$ROOT/.local}"
RUN="$STATE/run"; LOGS="$STATE/logs"
mkdir -p "$RUN" "$LOGS"
# name:port of every registered service (dovetail.services entry points; its http_port setting).
mapfile -t SERVICES < <("$ROOT/.venv/bin/python" -m dovetail_shared.registry ports)

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
}

down() {
  for entry in "${SERVICES[@]}"; do
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
  return $rc
}

case "${1:-}" in
  up) up ;; down) down ;; status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
