#!/usr/bin/env bash
# Local infrastructure for Dovetail (PostgreSQL + Kafka as plain processes, no Docker).
#
#   scripts/infra/all.sh up      # postgres up, then kafka up (stops at the first failure)
#   scripts/infra/all.sh down    # kafka down, then postgres down (tries both)
#   scripts/infra/all.sh status  # exit 0 if both run, 3 otherwise
#
# Honours the same environment as the individual scripts: DOVETAIL_STATE_DIR, DOVETAIL_PG_PORT,
# DOVETAIL_KAFKA_PORT, DOVETAIL_KAFKA_CONTROLLER_PORT.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PG="$SCRIPT_DIR/postgres.sh"
KAFKA="$SCRIPT_DIR/kafka.sh"

usage() {
  echo "usage: $(basename "$0") up|down|status" >&2
  exit 2
}

[[ $# -eq 1 ]] || usage
case "$1" in
  up)
    "$PG" up
    "$KAFKA" up
    ;;
  down)
    rc=0
    "$KAFKA" down || rc=1
    "$PG" down || rc=1
    exit "$rc"
    ;;
  status)
    rc=0
    "$PG" status || rc=$?
    krc=0
    "$KAFKA" status || krc=$?
    # 0 only when both are running; 3 when something is stopped; other codes are real errors.
    if (( rc != 0 && rc != 3 )); then exit "$rc"; fi
    if (( krc != 0 && krc != 3 )); then exit "$krc"; fi
    if (( rc == 0 && krc == 0 )); then exit 0; fi
    exit 3
    ;;
  *) usage ;;
esac
