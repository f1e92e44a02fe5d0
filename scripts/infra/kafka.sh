#!/usr/bin/env bash
# Local Apache Kafka for Dovetail: one KRaft node (broker + controller) run as a plain JVM process.
#
#   scripts/infra/kafka.sh up      # fetch jars (Maven, once), render config, format storage (once), start, wait
#   scripts/infra/kafka.sh down    # SIGTERM, wait up to 30 s, then SIGKILL
#   scripts/infra/kafka.sh status  # exit 0 if running, 3 if stopped
#
# Environment:
#   DOVETAIL_STATE_DIR              state root (default: <repo>/.local, git-ignored)
#   DOVETAIL_KAFKA_PORT             client listener on 127.0.0.1 (default: 19092)
#   DOVETAIL_KAFKA_CONTROLLER_PORT  KRaft controller listener on 127.0.0.1 (default: 19093)
#   JAVA_HOME                       optional; otherwise `java` from PATH
#
# Inputs (committed):  deploy/local/kafka/{pom.xml,server.properties.template,log4j2.yaml}
# Layout under <state>/kafka/:
#   libs/               broker classpath, from `mvn dependency:copy-dependencies` on the pom
#   server.properties   rendered from the template on every `up`
#   data/               log.dirs (formatted once; data/meta.properties is the marker)
#   logs/server.log     broker log (log4j2); logs/kafka.out = JVM stdout/stderr
#   kafka.pid           pid of the running broker
#
# Bootstrap servers: 127.0.0.1:19092
# See docs/decisions/0003-local-infrastructure-without-docker.md.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
DEPLOY_DIR="$REPO_ROOT/deploy/local/kafka"
POM="$DEPLOY_DIR/pom.xml"
TEMPLATE="$DEPLOY_DIR/server.properties.template"
LOG4J_CONFIG="$DEPLOY_DIR/log4j2.yaml"

STATE_DIR="${DOVETAIL_STATE_DIR:-$REPO_ROOT/.local}"
KAFKA_HOST=127.0.0.1
KAFKA_PORT="${DOVETAIL_KAFKA_PORT:-19092}"
CONTROLLER_PORT="${DOVETAIL_KAFKA_CONTROLLER_PORT:-19093}"
BOOTSTRAP="$KAFKA_HOST:$KAFKA_PORT"
START_TIMEOUT=90
STOP_TIMEOUT=30
BROKER_HEAP=(-Xms256m -Xmx768m)
# Short-lived CLI JVMs (StorageTool, TopicCommand): small heap, fast startup.
TOOL_OPTS=(-Xms32m -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Djava.net.preferIPv4Stack=true)

log() { printf '[kafka] %s\n' "$*"; }
err() { printf '[kafka] ERROR: %s\n' "$*" >&2; }
die() { err "$*"; exit 1; }

usage() {
  echo "usage: $(basename "$0") up|down|status" >&2
  exit 2
}

# The Kafka version comes from the committed pom (single source of truth).
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n1)"
[[ -n "$KAFKA_VERSION" ]] || die "cannot read <kafka.version> from $POM"

mkdir -p "$STATE_DIR"
STATE_DIR="$(cd "$STATE_DIR" && pwd)"
KAFKA_DIR="$STATE_DIR/kafka"
LIBS_DIR="$KAFKA_DIR/libs"
DATA_DIR="$KAFKA_DIR/data"
LOGS_DIR="$KAFKA_DIR/logs"
CONFIG="$KAFKA_DIR/server.properties"
ADMIN_CONFIG="$KAFKA_DIR/admin-client.properties"
PID_FILE="$KAFKA_DIR/kafka.pid"
OUT_FILE="$LOGS_DIR/kafka.out"
LOCK_FILE="$KAFKA_DIR/kafka.lock"
MARKER_JAR="$LIBS_DIR/kafka_2.13-$KAFKA_VERSION.jar"

# ---------------------------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------------------------
ensure_tools() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    JAVA="$JAVA_HOME/bin/java"
  else
    JAVA="$(command -v java || true)"
  fi
  if [[ -z "$JAVA" ]] || ! command -v mvn >/dev/null 2>&1; then
    [[ "$(id -u)" -eq 0 ]] || die "java 17+ and maven are required (apt-get install openjdk-17-jre-headless maven)"
    log "java/maven missing; installing openjdk-17-jre-headless and maven via apt-get"
    export DEBIAN_FRONTEND=noninteractive
    local apt_log
    apt_log="$(mktemp /tmp/dovetail-apt-java.XXXXXX.log)"
    if ! { apt-get update -q && apt-get install -y -q --no-install-recommends openjdk-17-jre-headless maven; } >"$apt_log" 2>&1; then
      tail -n 30 "$apt_log" >&2 || true
      die "apt-get install of java/maven failed (full output: $apt_log)"
    fi
    rm -f "$apt_log"
    JAVA="$(command -v java)"
  fi
  local major
  major="$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
  [[ "${major%%.*}" -ge 17 ]] 2>/dev/null || die "Kafka $KAFKA_VERSION needs Java 17+, $JAVA is ${major:-unknown}"
}

run_tool() {
  "$JAVA" "${TOOL_OPTS[@]}" -Dlog4j2.level=WARN -cp "$LIBS_DIR/*" "$@"
}

# ---------------------------------------------------------------------------------------------
# Setup
# ---------------------------------------------------------------------------------------------
fetch_libs() {
  if [[ -f "$MARKER_JAR" ]]; then
    return
  fi
  log "fetching Kafka $KAFKA_VERSION jars from Maven Central into $LIBS_DIR"
  # Resolve into a temporary folder and swap it in, so an interrupted download never leaves a
  # half-filled libs/ behind (and an old version's jars never mix with the new ones).
  local tmp="$KAFKA_DIR/libs.tmp"
  rm -rf "$tmp"
  if ! mvn -B -q -f "$POM" -Dstyle.color=never dependency:copy-dependencies \
      -DoutputDirectory="$tmp" -DincludeScope=runtime >"$KAFKA_DIR/maven.log" 2>&1; then
    tail -n 40 "$KAFKA_DIR/maven.log" >&2 || true
    rm -rf "$tmp"
    die "maven could not resolve Kafka $KAFKA_VERSION (full output: $KAFKA_DIR/maven.log)"
  fi
  [[ -f "$tmp/kafka_2.13-$KAFKA_VERSION.jar" ]] || die "maven finished but kafka_2.13-$KAFKA_VERSION.jar is missing in $tmp"
  rm -rf "$LIBS_DIR"
  mv "$tmp" "$LIBS_DIR"
  log "fetched $(find "$LIBS_DIR" -name '*.jar' | wc -l) jars"
}

render_config() {
  [[ -f "$TEMPLATE" ]] || die "missing template $TEMPLATE"
  local tmp="$CONFIG.tmp"
  sed -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" \
      -e "s|@KAFKA_CONTROLLER_PORT@|$CONTROLLER_PORT|g" \
      -e "s|@KAFKA_DATA_DIR@|$DATA_DIR|g" \
      "$TEMPLATE" >"$tmp"
  if grep -q '@[A-Z_]*@' "$tmp"; then
    die "unrendered placeholder in $tmp: $(grep -o '@[A-Z_]*@' "$tmp" | sort -u | tr '\n' ' ')"
  fi
  {
    echo "# GENERATED from deploy/local/kafka/server.properties.template by scripts/infra/kafka.sh - do not edit."
    cat "$tmp"
  } >"$CONFIG"
  rm -f "$tmp"
  # Client settings for the readiness probe: fail fast instead of the 60 s default.
  cat >"$ADMIN_CONFIG" <<EOF
# GENERATED by scripts/infra/kafka.sh (readiness probe client settings).
request.timeout.ms=5000
default.api.timeout.ms=8000
socket.connection.setup.timeout.ms=2000
socket.connection.setup.timeout.max.ms=4000
EOF
}

format_storage() {
  # Formatting writes meta.properties (cluster id, node id); doing it again would create a new
  # cluster id that no longer matches the existing data, so it happens exactly once.
  if [[ -f "$DATA_DIR/meta.properties" ]]; then
    return
  fi
  mkdir -p "$DATA_DIR"
  local cluster_id
  cluster_id="$(run_tool kafka.tools.StorageTool random-uuid 2>>"$KAFKA_DIR/format.log" | tail -n1)"
  [[ -n "$cluster_id" ]] || die "StorageTool random-uuid failed (see $KAFKA_DIR/format.log)"
  log "formatting storage $DATA_DIR (cluster id $cluster_id)"
  if ! run_tool kafka.tools.StorageTool format -t "$cluster_id" -c "$CONFIG" >>"$KAFKA_DIR/format.log" 2>&1; then
    tail -n 20 "$KAFKA_DIR/format.log" >&2 || true
    die "StorageTool format failed (full output: $KAFKA_DIR/format.log)"
  fi
  echo "$cluster_id" >"$KAFKA_DIR/cluster.id"
}

take_lock() {
  mkdir -p "$KAFKA_DIR"
  exec 9>"$LOCK_FILE"
  flock -w 180 9 || die "another kafka.sh is still running (lock $LOCK_FILE)"
}

# ---------------------------------------------------------------------------------------------
# State queries
# ---------------------------------------------------------------------------------------------
# Prints the broker pid if OUR broker (started with this state dir's server.properties) is alive.
running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # Guard against pid reuse: it must be a kafka.Kafka JVM started with our config file.
  local cmdline
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  [[ "$cmdline" == *"kafka.Kafka $CONFIG"* ]] || return 1
  echo "$pid"
}

port_open() {
  (exec 3<>"/dev/tcp/$KAFKA_HOST/$1") 2>/dev/null
}

describe_port_owner() {
  if command -v ss >/dev/null 2>&1; then
    ss -ltnpH "sport = :$1" 2>/dev/null | awk '{print "    " $0}' || true
  fi
}

# The broker answers a metadata request (lists topics) within a few seconds.
broker_answers() {
  run_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" \
    --command-config "$ADMIN_CONFIG" --list >"$KAFKA_DIR/probe.log" 2>&1
}

show_log_tail() {
  local f
  for f in "$OUT_FILE" "$LOGS_DIR/server.log"; do
    if [[ -s "$f" ]]; then
      echo "----- last lines of $f -----" >&2
      tail -n 25 "$f" >&2
    fi
  done
}

wait_ready() {
  local pid="$1" deadline=$((SECONDS + START_TIMEOUT))
  while true; do
    if ! kill -0 "$pid" 2>/dev/null; then
      show_log_tail
      rm -f "$PID_FILE"
      die "broker process $pid exited during startup"
    fi
    if port_open "$KAFKA_PORT" && broker_answers; then
      return 0
    fi
    if (( SECONDS >= deadline )); then
      show_log_tail
      die "broker (pid $pid) not ready on $BOOTSTRAP after ${START_TIMEOUT}s; it is left running, stop it with '$0 down'"
    fi
    sleep 1
  done
}

# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------
cmd_up() {
  take_lock
  ensure_tools
  fetch_libs
  local pid
  if pid="$(running_pid)"; then
    if ! grep -q "^listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT," "$CONFIG" 2>/dev/null; then
      die "our broker (pid $pid) is already running with other ports ($(grep '^listeners=' "$CONFIG" 2>/dev/null)); run '$0 down' first"
    fi
    [[ -f "$ADMIN_CONFIG" ]] || render_config
    wait_ready "$pid"
    log "reusing running broker (pid $pid) on $BOOTSTRAP, state dir $KAFKA_DIR"
    return 0
  fi
  rm -f "$PID_FILE"
  local port var
  for port in "$KAFKA_PORT" "$CONTROLLER_PORT"; do
    if port_open "$port"; then
      var=DOVETAIL_KAFKA_PORT
      [[ "$port" == "$CONTROLLER_PORT" ]] && var=DOVETAIL_KAFKA_CONTROLLER_PORT
      err "port $port on $KAFKA_HOST is already in use by something that is not this project's broker ($KAFKA_DIR):"
      describe_port_owner "$port" >&2
      die "stop that process or choose another port with $var=<port>"
    fi
  done
  mkdir -p "$LOGS_DIR"
  render_config
  format_storage

  log "starting Kafka $KAFKA_VERSION (KRaft broker+controller) on $BOOTSTRAP, controller 127.0.0.1:$CONTROLLER_PORT"
  # setsid: own session, so the broker survives the calling shell/terminal; stdin from /dev/null
  # and stdout/stderr to a file so callers piping our output never wait on the broker;
  # 9>&- keeps the lock fd out of the long-lived JVM.
  {
    echo "===== $(date -u +%Y-%m-%dT%H:%M:%SZ) starting kafka.Kafka $CONFIG ====="
  } >>"$OUT_FILE"
  setsid nohup "$JAVA" "${BROKER_HEAP[@]}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true -Djava.net.preferIPv4Stack=true \
    -Dkafka.logs.dir="$LOGS_DIR" \
    -Dlog4j2.configurationFile="$LOG4J_CONFIG" \
    -cp "$LIBS_DIR/*" kafka.Kafka "$CONFIG" \
    </dev/null >>"$OUT_FILE" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"
  wait_ready "$pid"
  log "ready (pid $pid): bootstrap servers $BOOTSTRAP, log $LOGS_DIR/server.log"
}

cmd_down() {
  take_lock
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    log "not running (state dir $KAFKA_DIR)"
    return 0
  fi
  log "stopping broker (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null; do
    if (( SECONDS >= deadline )); then
      err "broker (pid $pid) did not stop within ${STOP_TIMEOUT}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 1
      break
    fi
    sleep 0.5
  done
  rm -f "$PID_FILE"
  log "stopped"
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    if port_open "$KAFKA_PORT"; then
      log "running (pid $pid) on $BOOTSTRAP, state dir $KAFKA_DIR"
    else
      log "running (pid $pid) but $BOOTSTRAP is not accepting connections yet, state dir $KAFKA_DIR"
    fi
    exit 0
  fi
  log "stopped (port $KAFKA_PORT, state dir $KAFKA_DIR)"
  exit 3
}

[[ $# -eq 1 ]] || usage
case "$1" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) usage ;;
esac
