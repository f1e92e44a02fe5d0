#!/usr/bin/env bash
# Local PostgreSQL for Dovetail: a project-owned cluster run as a plain process (no Docker).
#
#   scripts/infra/postgres.sh up             # install (apt) if needed, initdb once, start, create role + dbs
#   scripts/infra/postgres.sh down           # pg_ctl stop -m fast
#   scripts/infra/postgres.sh status         # exit 0 if running, 3 if stopped
#   scripts/infra/postgres.sh reset-test-db  # DROP DATABASE dovetail_test WITH (FORCE) + recreate
#
# Environment:
#   DOVETAIL_STATE_DIR  state root (default: <repo>/.local, git-ignored)
#   DOVETAIL_PG_PORT    TCP port on 127.0.0.1 (default: 55432)
#   DOVETAIL_PG_BIN     PostgreSQL server bin dir (default: newest /usr/lib/postgresql/*/bin)
#
# Layout under the state root:
#   postgres/         PGDATA (owned by the `postgres` system user when run as root)
#   postgres-run/     unix socket directory
#   postgres.log      server log (pg_ctl -l)
#
# Connection URLs (role dovetail / password dovetail):
#   postgresql://dovetail:dovetail@127.0.0.1:55432/dovetail
#   postgresql://dovetail:dovetail@127.0.0.1:55432/dovetail_test
#
# This is NOT the Debian default cluster (pg_ctlcluster / port 5432); that one is never touched.
# See docs/decisions/0003-local-infrastructure-without-docker.md.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
STATE_DIR="${DOVETAIL_STATE_DIR:-$REPO_ROOT/.local}"
PG_PORT="${DOVETAIL_PG_PORT:-55432}"
PG_HOST=127.0.0.1
APP_ROLE=dovetail
APP_PASSWORD=dovetail
APP_DBS=(dovetail dovetail_test)
TEST_DB=dovetail_test
START_TIMEOUT=60

log() { printf '[postgres] %s\n' "$*"; }
err() { printf '[postgres] ERROR: %s\n' "$*" >&2; }
die() { err "$*"; exit 1; }

usage() {
  echo "usage: $(basename "$0") up|down|status|reset-test-db" >&2
  exit 2
}

is_root() { [[ "$(id -u)" -eq 0 ]]; }
chown_pg() { if is_root; then chown postgres:postgres "$@"; fi; }

# Run a command as the cluster owner. PostgreSQL refuses to run as root, so as root we
# switch to the `postgres` system user; as any other user we run as that user.
# `cd /` avoids "could not change directory" noise when the caller's cwd is private.
# `9>&-` keeps our lock file descriptor out of long-lived server processes.
as_pg() {
  if is_root; then
    (cd / && runuser -u postgres -- "$@") 9>&-
  else
    (cd / && "$@") 9>&-
  fi
}

# ---------------------------------------------------------------------------------------------
# Binaries
# ---------------------------------------------------------------------------------------------
find_pg_bin() {
  if [[ -n "${DOVETAIL_PG_BIN:-}" ]]; then
    [[ -x "$DOVETAIL_PG_BIN/postgres" ]] || die "DOVETAIL_PG_BIN=$DOVETAIL_PG_BIN has no postgres binary"
    echo "$DOVETAIL_PG_BIN"
    return 0
  fi
  # Highest installed major version (sort -V: 9.6 < 15 < 16).
  local p best=""
  while IFS= read -r p; do
    [[ -x "$p" ]] && best="$p"
  done < <(printf '%s\n' /usr/lib/postgresql/*/bin/postgres | sort -V)
  if [[ -n "$best" ]]; then dirname "$best"; fi
  return 0
}

ensure_installed() {
  PG_BIN="$(find_pg_bin)"
  if [[ -z "$PG_BIN" ]]; then
    is_root || die "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin and not root; install the 'postgresql' package"
    log "PostgreSQL not installed; installing the Debian 'postgresql' package via apt-get"
    export DEBIAN_FRONTEND=noninteractive
    local apt_log
    apt_log="$(mktemp /tmp/dovetail-apt-postgres.XXXXXX.log)"
    if ! { apt-get update -q && apt-get install -y -q --no-install-recommends postgresql; } >"$apt_log" 2>&1; then
      tail -n 30 "$apt_log" >&2 || true
      die "apt-get install postgresql failed (full output: $apt_log)"
    fi
    rm -f "$apt_log"
    PG_BIN="$(find_pg_bin)"
    [[ -n "$PG_BIN" ]] || die "apt-get install postgresql finished but no /usr/lib/postgresql/*/bin/postgres exists"
    log "installed $("$PG_BIN/postgres" --version)"
  fi
  if is_root && ! id postgres >/dev/null 2>&1; then
    die "system user 'postgres' does not exist (it is created by the Debian postgresql-common package)"
  fi
}

# ---------------------------------------------------------------------------------------------
# Paths
# ---------------------------------------------------------------------------------------------
# The server runs as the `postgres` user, which must be able to traverse every parent directory
# of its data directory. We add o+x to the state dir itself (which we own), but we never loosen
# permissions on directories above it (e.g. a home directory with mode 0700). If the postgres
# user still cannot reach the state dir, we fall back to
#   /var/tmp/dovetail-<first 12 hex of sha256(state dir path)>/
# which holds postgres/, postgres-run/ and postgres.log instead. The hash is taken of the state
# dir path (by default <repo>/.local, i.e. it is per repo checkout), so it is stable between
# `up`, `status` and `down` and distinct checkouts/state dirs never share a cluster.
resolve_paths() {
  mkdir -p "$STATE_DIR"
  STATE_DIR="$(cd "$STATE_DIR" && pwd)"
  PG_ROOT="$STATE_DIR"
  if is_root; then
    chmod o+x "$STATE_DIR"
    if ! runuser -u postgres -- test -x "$STATE_DIR" 2>/dev/null; then
      local hash
      hash="$(printf '%s' "$STATE_DIR" | sha256sum | cut -c1-12)"
      PG_ROOT="/var/tmp/dovetail-$hash"
      mkdir -p "$PG_ROOT"
      chmod 0755 "$PG_ROOT"
      FALLBACK_NOTE="state dir $STATE_DIR is not reachable by the postgres user; using $PG_ROOT"
    fi
  fi
  PGDATA="$PG_ROOT/postgres"
  SOCKET_DIR="$PG_ROOT/postgres-run"
  LOG_FILE="$PG_ROOT/postgres.log"
  LOCK_FILE="$PG_ROOT/postgres.lock"
  # Unix socket paths are limited to ~107 bytes; with a deep checkout use a short /tmp path.
  if (( ${#SOCKET_DIR} + ${#PG_PORT} + 10 > 100 )); then
    SOCKET_DIR="/tmp/dovetail-pg-$(printf '%s' "$PGDATA" | sha256sum | cut -c1-12)"
  fi
}

take_lock() {
  exec 9>"$LOCK_FILE"
  flock -w 120 9 || die "another postgres.sh is still running (lock $LOCK_FILE)"
}

# ---------------------------------------------------------------------------------------------
# State queries
# ---------------------------------------------------------------------------------------------
# Prints the postmaster pid if OUR cluster (this PGDATA) is running.
running_pid() {
  [[ -f "$PGDATA/postmaster.pid" ]] || return 1
  local pid
  pid="$(head -n1 "$PGDATA/postmaster.pid" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # Guard against pid reuse after a crash: the process must be a postgres with our data dir.
  local cmdline
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  [[ "$cmdline" == *postgres* ]] || return 1
  [[ "$(readlink -f "/proc/$pid/cwd" 2>/dev/null || echo "$PGDATA")" == "$(readlink -f "$PGDATA")" ]] || return 1
  echo "$pid"
}

# After a crash (kill -9) the dead postmaster can linger as a zombie until its parent (init) reaps
# it; postgres then still sees "another postmaster (PID n)" in postmaster.pid and refuses to start.
# Give the reaper a few seconds. We never delete postmaster.pid ourselves: orphaned backends may
# still hold the shared memory, and postgres' own stale-lock check is the safe judge.
wait_for_stale_postmaster() {
  [[ -f "$PGDATA/postmaster.pid" ]] || return 0
  local pid deadline=$((SECONDS + 15))
  pid="$(head -n1 "$PGDATA/postmaster.pid" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  while [[ "$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null)" == "Z" ]] && (( SECONDS < deadline )); do
    sleep 0.5
  done
}

# Port the running cluster actually listens on (line 4 of postmaster.pid).
running_port() { sed -n 4p "$PGDATA/postmaster.pid" 2>/dev/null; }

port_in_use() {
  (exec 3<>"/dev/tcp/$PG_HOST/$1") 2>/dev/null
}

describe_port_owner() {
  if command -v ss >/dev/null 2>&1; then
    ss -ltnpH "sport = :$1" 2>/dev/null | awk '{print "    " $0}' || true
  fi
}

# ---------------------------------------------------------------------------------------------
# Setup
# ---------------------------------------------------------------------------------------------
init_cluster() {
  if [[ -f "$PGDATA/PG_VERSION" ]]; then
    local have want
    have="$(cat "$PGDATA/PG_VERSION")"
    want="$("$PG_BIN/postgres" --version | sed -E 's/.* ([0-9]+)(\.[0-9]+)*.*/\1/')"
    [[ "$have" == "$want" ]] || die "data dir $PGDATA was created by PostgreSQL $have but $PG_BIN is $want; remove it (data is lost) or set DOVETAIL_PG_BIN"
    return
  fi
  if [[ -d "$PGDATA" ]] && [[ -n "$(ls -A "$PGDATA" 2>/dev/null)" ]]; then
    die "$PGDATA exists, is not empty and is not a PostgreSQL data dir; remove it"
  fi
  log "initdb $PGDATA ($("$PG_BIN/postgres" --version))"
  mkdir -p "$PGDATA"
  chown_pg "$PGDATA"
  chmod 0700 "$PGDATA"
  local locale=C
  locale -a 2>/dev/null | grep -qix 'c.utf-\?8' && locale=C.UTF-8
  # Local (unix socket) connections: peer auth (admin as the postgres user).
  # TCP connections: password (scram-sha-256) only.
  if ! as_pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres --encoding=UTF8 --locale="$locale" \
      --auth-local=peer --auth-host=scram-sha-256 --data-checksums >"$PG_ROOT/postgres-initdb.log" 2>&1; then
    cat "$PG_ROOT/postgres-initdb.log" >&2
    die "initdb failed"
  fi
  # Our settings live in dovetail.conf (rewritten on every `up`); include it once.
  printf "\n# Dovetail: project settings, rewritten by scripts/infra/postgres.sh\ninclude_if_exists = 'dovetail.conf'\n" \
    >>"$PGDATA/postgresql.conf"
}

write_config() {
  mkdir -p "$SOCKET_DIR"
  chown_pg "$SOCKET_DIR"
  chmod 0755 "$SOCKET_DIR"
  touch "$LOG_FILE"
  chown_pg "$LOG_FILE"
  local conf="$PGDATA/dovetail.conf"
  cat >"$conf" <<EOF
# Generated by scripts/infra/postgres.sh on every 'up' - do not edit.
listen_addresses = '$PG_HOST'
port = $PG_PORT
unix_socket_directories = '$SOCKET_DIR'
max_connections = 200
shared_buffers = 128MB
# Durability stays ON: tests exercise crash safety.
fsync = on
synchronous_commit = on
full_page_writes = on
# Server log: stderr, which pg_ctl -l sends to $LOG_FILE.
logging_collector = off
log_destination = 'stderr'
log_line_prefix = '%m [%p] %q%u@%d '
log_timezone = 'UTC'
timezone = 'UTC'
EOF
  chown_pg "$conf"
  chmod 0600 "$conf"
}

psql_admin() {
  as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCKET_DIR" -p "$PG_PORT" -U postgres -d postgres
}

ensure_role_and_dbs() {
  psql_admin <<SQL >/dev/null
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$APP_ROLE') THEN
    CREATE ROLE $APP_ROLE LOGIN CREATEDB PASSWORD '$APP_PASSWORD';
  ELSE
    ALTER ROLE $APP_ROLE LOGIN CREATEDB PASSWORD '$APP_PASSWORD';
  END IF;
END
\$\$;
SQL
  local db
  for db in "${APP_DBS[@]}"; do
    psql_admin <<SQL >/dev/null
SELECT 'CREATE DATABASE $db OWNER $APP_ROLE' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$db')
\gexec
ALTER DATABASE $db OWNER TO $APP_ROLE;
SQL
  done
}

wait_ready() {
  local deadline=$((SECONDS + START_TIMEOUT))
  until "$PG_BIN/pg_isready" -q -h "$PG_HOST" -p "$PG_PORT" -d postgres; do
    if (( SECONDS >= deadline )); then
      tail -n 30 "$LOG_FILE" >&2 || true
      die "server did not become ready on $PG_HOST:$PG_PORT within ${START_TIMEOUT}s (log: $LOG_FILE)"
    fi
    sleep 0.5
  done
}

print_urls() {
  local db
  for db in "${APP_DBS[@]}"; do
    log "  postgresql://$APP_ROLE:$APP_PASSWORD@$PG_HOST:$PG_PORT/$db"
  done
}

# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------
cmd_up() {
  ensure_installed
  resolve_paths
  if [[ -n "${FALLBACK_NOTE:-}" ]]; then log "$FALLBACK_NOTE"; fi
  take_lock
  local pid
  if pid="$(running_pid)"; then
    local port
    port="$(running_port)"
    if [[ "$port" != "$PG_PORT" ]]; then
      die "our cluster ($PGDATA, pid $pid) is already running on port $port, not $PG_PORT; run '$0 down' first or set DOVETAIL_PG_PORT=$port"
    fi
    log "already running (pid $pid) on $PG_HOST:$PG_PORT, data dir $PGDATA - reusing it"
  else
    if port_in_use "$PG_PORT"; then
      err "port $PG_PORT on $PG_HOST is already in use by something that is not this project's cluster ($PGDATA):"
      describe_port_owner "$PG_PORT" >&2
      die "stop that process or choose another port with DOVETAIL_PG_PORT=<port>"
    fi
    init_cluster
    write_config
    wait_for_stale_postmaster
    log "starting on $PG_HOST:$PG_PORT (data dir $PGDATA, log $LOG_FILE)"
    if ! as_pg "$PG_BIN/pg_ctl" start -D "$PGDATA" -l "$LOG_FILE" -w -t "$START_TIMEOUT" -s >/dev/null; then
      tail -n 30 "$LOG_FILE" >&2 || true
      die "pg_ctl start failed (log: $LOG_FILE)"
    fi
  fi
  wait_ready
  ensure_role_and_dbs
  log "ready: role '$APP_ROLE', databases: ${APP_DBS[*]}"
  print_urls
}

cmd_down() {
  PG_BIN="$(find_pg_bin)"
  resolve_paths
  if [[ -z "$PG_BIN" ]]; then
    log "PostgreSQL is not installed; nothing to stop"
    return 0
  fi
  take_lock
  local pid
  if pid="$(running_pid)"; then
    log "stopping (pid $pid, data dir $PGDATA)"
    as_pg "$PG_BIN/pg_ctl" stop -D "$PGDATA" -m fast -w -t 60 -s >/dev/null ||
      die "pg_ctl stop failed (log: $LOG_FILE)"
    log "stopped"
  else
    log "not running (data dir $PGDATA)"
  fi
}

cmd_status() {
  PG_BIN="$(find_pg_bin)"
  resolve_paths
  local pid
  if pid="$(running_pid)"; then
    local port ready=""
    port="$(running_port)"
    if [[ -n "$PG_BIN" ]] && ! "$PG_BIN/pg_isready" -q -h "$PG_HOST" -p "$port" -d postgres; then
      ready=" (not accepting connections yet)"
    fi
    log "running (pid $pid) on $PG_HOST:$port, data dir $PGDATA$ready"
    exit 0
  fi
  log "stopped (port $PG_PORT, data dir $PGDATA)"
  exit 3
}

cmd_reset_test_db() {
  ensure_installed
  resolve_paths
  running_pid >/dev/null || die "not running; start it with '$0 up'"
  [[ "$(running_port)" == "$PG_PORT" ]] || PG_PORT="$(running_port)"
  psql_admin <<SQL >/dev/null
DROP DATABASE IF EXISTS $TEST_DB WITH (FORCE);
CREATE DATABASE $TEST_DB OWNER $APP_ROLE;
SQL
  log "recreated database $TEST_DB (owner $APP_ROLE) on $PG_HOST:$PG_PORT"
}

[[ $# -eq 1 ]] || usage
case "$1" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  reset-test-db) cmd_reset_test_db ;;
  -h | --help | help) usage ;;
  *) usage ;;
esac
