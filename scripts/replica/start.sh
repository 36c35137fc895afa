#!/usr/bin/env bash
# Brings up, next to the local PostgreSQL (the primary, cluster <version>/main on 127.0.0.1:5432),
# what the replica and pooler tests need:
#   * a streaming replica on 127.0.0.1:5433 (cluster <version>/replica, a hot standby fed through
#     the physical slot fithub_replica on the primary, so it never falls further behind than
#     recovery can catch up with);
#   * PgBouncer on 127.0.0.1:6432 in transaction mode, every database name proxied to the primary.
# Idempotent: what is up and healthy is left alone (about a second when everything is), what is
# broken is rebuilt. Exits non-zero with the reason when a piece cannot be brought up; every wait
# is bounded. For the CI machine and developers' Debian machines, as root (pg_createcluster,
# pg_basebackup, apt's pgbouncer). scripts/replica/stop.sh stops both.
set -euo pipefail

PG_VERSION="${PG_VERSION:-$(ls /etc/postgresql | sort -V | tail -n 1)}"
PRIMARY_PORT=5432
REPLICA_CLUSTER=replica
REPLICA_PORT=5433
REPLICA_DATA="/var/lib/postgresql/$PG_VERSION/$REPLICA_CLUSTER"
REPLICA_CONF_DIR="/etc/postgresql/$PG_VERSION/$REPLICA_CLUSTER"
REPLICA_LOG="/var/log/postgresql/postgresql-$PG_VERSION-$REPLICA_CLUSTER.log"
SLOT=fithub_replica
BOUNCER_PORT=6432
STATE_DIR="${FITHUB_CI_STATE_DIR:-/var/lib/fithub-ci}"
BOUNCER_DIR="$STATE_DIR/pgbouncer"
# A base backup copies the whole primary, leftover test databases included: bounded too.
BASEBACKUP_TIMEOUT="${FITHUB_BASEBACKUP_TIMEOUT:-120}"

# Every connection attempt gives up after 5 s, and none goes through TLS (all of them stay on
# 127.0.0.1; the handshake would cost each probe more than its query). Nothing else from the
# caller's libpq environment applies: PGOPTIONS would reach PgBouncer, which refuses it.
export PGCONNECT_TIMEOUT=5 PGSSLMODE=disable
unset PGOPTIONS PGSERVICE PGSERVICEFILE PGTARGETSESSIONATTRS

die() {
  echo "scripts/replica/start.sh: $*" >&2
  exit 1
}
[ "$(id -u)" = 0 ] || die "run as root (pg_createcluster, pg_basebackup as postgres, apt-get)"

sql() { # PORT [DATABASE] -c ...: one row per line, columns separated by |
  local port=$1 db=postgres
  shift
  if [ "${1:-}" != -c ]; then db=$1 && shift; fi
  psql -X -w -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d "$db" "$@"
}
primary() { sql "$PRIMARY_PORT" "$@"; }
replica() { sql "$REPLICA_PORT" "$@"; }
bouncer() { sql "$BOUNCER_PORT" "$@"; }

wait_for() { # SECONDS COMMAND...: runs COMMAND every 0.2 s until it succeeds, at most SECONDS
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

write_if_changed() { # FILE CONTENT: true when FILE had to be (re)written
  if [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; then return 1; fi
  printf '%s\n' "$2" > "$1.new"
  chown postgres:postgres "$1.new"
  chmod 640 "$1.new"
  mv "$1.new" "$1"
}

# One run at a time (CI and a developer, or two shells): the second waits for the first. The
# daemons started below get the lock's descriptor closed (9>&-), or they would hold it forever.
mkdir -p "$STATE_DIR"
exec 9> "$STATE_DIR/start.lock"
flock -w 60 9 || die "another scripts/replica/start.sh has held $STATE_DIR/start.lock for 60 s"

# ---- The primary, and what the replica needs from it (one round trip: the slot, then the
# settings a hot standby must match or exceed, then those a primary needs to feed a replica).

primary_state=$(primary -c "SELECT coalesce((SELECT coalesce(wal_status, 'unknown') FROM pg_replication_slots
                                             WHERE slot_name = '$SLOT' AND slot_type = 'physical'), 'missing')" \
  -c "SELECT name || ' = ' || setting FROM pg_settings
      WHERE name IN ('max_connections', 'max_worker_processes', 'max_wal_senders',
                     'max_prepared_transactions', 'max_locks_per_transaction') ORDER BY name" \
  -c "SELECT current_setting('wal_level') || ' ' || current_setting('max_wal_senders')
             || ' ' || current_setting('max_replication_slots')") \
  || die "cannot query the primary at 127.0.0.1:$PRIMARY_PORT (psql's error above; when it is down, start it:
pg_ctlcluster --skip-systemctl-redirect $PG_VERSION main start)"
slot_status=$(sed -n 1p <<< "$primary_state")       # reserved, extended, unreserved, lost or missing
standby_settings=$(sed -n 2,6p <<< "$primary_state") # "name = value" lines
read -r wal_level wal_senders max_slots < <(sed -n 7p <<< "$primary_state")
# These need a restart of the primary, which this script never does behind the tests' back.
[ "$wal_level" = replica ] || [ "$wal_level" = logical ] \
  || die "the primary has wal_level = $wal_level; set wal_level = replica and restart it"
[ "$wal_senders" -ge 4 ] || die "the primary has max_wal_senders = $wal_senders; set 4 or more and restart it"
[ "$max_slots" -ge 1 ] || die "the primary has max_replication_slots = 0; set 4 or more and restart it"

# ---- The replica.

replica_conf() {
  cat << EOF
# Written by scripts/replica/start.sh (FitHub): a hot standby of $PG_VERSION/main for tests.
listen_addresses = '127.0.0.1'
port = $REPLICA_PORT
hot_standby = on
# Test queries on the replica are never cancelled by replay (hot_standby_feedback keeps the
# rows they read from being vacuumed on the primary; the delays let replay wait for them).
hot_standby_feedback = on
max_standby_streaming_delay = -1
max_standby_archive_delay = -1
# Replies to the primary every second rather than every 10, so pg_stat_replication is current.
wal_receiver_status_interval = 1s
# A hot standby refuses to run with less than the primary's values of these.
$standby_settings
EOF
}
replica_hba() {
  cat << EOF
# Written by scripts/replica/start.sh (FitHub): trust, like the CI machine's primary.
local   all             all                                     trust
host    all             all             127.0.0.1/32            trust
host    replication     all             127.0.0.1/32            trust
EOF
}

cluster_field() { # N: field N of the replica's pg_lsclusters line (3 port, 4 status); nothing when there is no cluster
  pg_lsclusters -h 2> /dev/null | awk -v v="$PG_VERSION" -v c="$REPLICA_CLUSTER" -v n="$1" '$1 == v && $2 == c { print $n }'
}
running() { # [STATUS], as pg_lsclusters says it ("online,recovery" for a standby), or asks it
  case "${1-$(cluster_field 4)}" in online*) return 0 ;; *) return 1 ;; esac
}
start_replica() { # [STATUS]: true when it runs and accepts connections
  if ! running "$@"; then
    echo "replica: starting $PG_VERSION/$REPLICA_CLUSTER"
    timeout 70 pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" "$REPLICA_CLUSTER" start 9>&- || return 1
  fi
  wait_for 60 pg_isready -q -h 127.0.0.1 -p "$REPLICA_PORT"
}
streaming() { # the walsender feeding our slot streams
  [ "$(primary -c "SELECT r.state FROM pg_replication_slots s JOIN pg_stat_replication r ON r.pid = s.active_pid
                   WHERE s.slot_name = '$SLOT'")" = streaming ]
}
slot_inactive() {
  [ "$(primary -c "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$SLOT' AND active")" = 0 ]
}
resume_replay() { # PAUSE_STATE
  # Tests pause replay to watch the replica lag behind; one that died before resuming leaves it
  # paused, and everything after would wait for a replica that never catches up.
  if [ "$1" != "not paused" ]; then
    replica -c 'SELECT pg_wal_replay_resume()' > /dev/null
    echo "replica: replay was $1 (by a test that did not resume it?): resumed"
  fi
}

can_replicate() {
  psql -X -w -q -At "host=127.0.0.1 port=$PRIMARY_PORT user=postgres dbname=postgres replication=true" \
    -c IDENTIFY_SYSTEM > /dev/null 2>&1
}
allow_replication() { # on the primary, from 127.0.0.1 for postgres, without a password
  can_replicate && return
  local hba
  hba=$(primary -c 'SHOW hba_file')
  echo "primary: allowing replication connections from 127.0.0.1 for postgres (trust) in $hba"
  [ -e "$hba.before-fithub-replica" ] || cp -p "$hba" "$hba.before-fithub-replica"
  # First match wins in pg_hba.conf: the line goes before every other rule.
  awk '!done && !/^[[:space:]]*(#|$)/ {
         print "# scripts/replica/start.sh (FitHub): pg_basebackup and the replica on 127.0.0.1:5433."
         print "host    replication     postgres        127.0.0.1/32            trust"
         done = 1
       }
       { print }
       END { if (!done) print "host    replication     postgres        127.0.0.1/32            trust" }' \
    "$hba" > "$hba.fithub-new"
  chown --reference="$hba" "$hba.fithub-new"
  chmod --reference="$hba" "$hba.fithub-new"
  mv "$hba.fithub-new" "$hba"
  primary -c 'SELECT pg_reload_conf()' > /dev/null
  wait_for 10 can_replicate || die "the primary still refuses replication connections from 127.0.0.1 after
editing $hba: $(psql -X -w "host=127.0.0.1 port=$PRIMARY_PORT user=postgres dbname=postgres replication=true" \
    -c IDENTIFY_SYSTEM 2>&1 | head -n 1)"
}

build_replica() { # REASON
  echo "replica: building $PG_VERSION/$REPLICA_CLUSTER on 127.0.0.1:$REPLICA_PORT ($1)"
  allow_replication
  if [ -n "$(cluster_field 4)" ]; then
    timeout 70 pg_dropcluster --stop "$PG_VERSION" "$REPLICA_CLUSTER" 2> /dev/null \
      || die "cannot drop the broken replica cluster $PG_VERSION/$REPLICA_CLUSTER"
  fi
  # A half-removed cluster (configuration or data directory left) would stop pg_createcluster.
  rm -rf "$REPLICA_CONF_DIR" "$REPLICA_DATA"
  # A new slot, reserving WAL from now on: the base backup below starts after it.
  if [ "$slot_status" != missing ]; then
    wait_for 15 slot_inactive || die "slot $SLOT on the primary is still in use by another process"
    primary -c "SELECT pg_drop_replication_slot('$SLOT')" > /dev/null
  fi
  primary -c "SELECT pg_create_physical_replication_slot('$SLOT', true)" > /dev/null
  pg_createcluster "$PG_VERSION" "$REPLICA_CLUSTER" -p "$REPLICA_PORT" -d "$REPLICA_DATA" > /dev/null \
    || die "pg_createcluster $PG_VERSION $REPLICA_CLUSTER failed"
  write_if_changed "$REPLICA_CONF_DIR/conf.d/90-fithub-replica.conf" "$(replica_conf)" || true
  write_if_changed "$REPLICA_CONF_DIR/pg_hba.conf" "$(replica_hba)" || true
  # The initdb'ed files make way for a copy of the primary (the directory stays: its parent
  # belongs to root); -R writes standby.signal and primary_conninfo, -S streams through the
  # slot, -c fast does not wait for the next checkpoint.
  find "$REPLICA_DATA" -mindepth 1 -delete
  local started=$EPOCHREALTIME databases
  databases=$(primary -c "SELECT count(*) || ' databases (' || count(*) FILTER (WHERE datname LIKE 'fithub\_test\_%')
                          || ' fithub_test_*), ' || pg_size_pretty(sum(pg_database_size(datname)))
                          FROM pg_database")
  timeout "$BASEBACKUP_TIMEOUT" runuser -u postgres -- pg_basebackup -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres \
    -w -D "$REPLICA_DATA" -R -X stream -S "$SLOT" -c fast \
    || die "pg_basebackup from 127.0.0.1:$PRIMARY_PORT failed or took over $BASEBACKUP_TIMEOUT s (primary: $databases)"
  printf 'replica: base backup of %s in %.1f s (primary: %s)\n' "$(du -sh "$REPLICA_DATA" | cut -f1)" \
    "$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')" "$databases"
  start_replica || die "the new replica does not start: see $REPLICA_LOG"
  [ "$(replica -c 'SELECT pg_is_in_recovery()')" = t ] || die "the new replica on 127.0.0.1:$REPLICA_PORT is not in recovery"
  wait_for 60 streaming || die "the new replica does not stream from the primary within 60 s: see $REPLICA_LOG"
}

# Why the existing replica must be rebuilt, or nothing when it can be kept.
broken=
read -r cluster_port cluster_status < <(pg_lsclusters -h 2> /dev/null \
  | awk -v v="$PG_VERSION" -v c="$REPLICA_CLUSTER" '$1 == v && $2 == c { print $3, $4 }') || true
if [ -z "${cluster_status:-}" ]; then
  broken="no cluster yet"
elif [ "$slot_status" = missing ]; then
  broken="slot $SLOT missing on the primary"
elif [ "$slot_status" = lost ]; then
  broken="the primary removed WAL that slot $SLOT needed"
elif [ "$cluster_port" != "$REPLICA_PORT" ]; then
  broken="cluster not on port $REPLICA_PORT"
else
  changed=
  write_if_changed "$REPLICA_CONF_DIR/conf.d/90-fithub-replica.conf" "$(replica_conf)" && changed=1
  write_if_changed "$REPLICA_CONF_DIR/pg_hba.conf" "$(replica_hba)" && changed=1
  if [ -n "$changed" ] && running "$cluster_status"; then
    echo "replica: configuration changed: restarting"
    timeout 70 pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" "$REPLICA_CLUSTER" restart -m fast 9>&- || true
    cluster_status=
  fi
  if ! start_replica ${cluster_status:+"$cluster_status"}; then
    broken="does not start"
  else
    # (pg_get_wal_replay_pause_state fails outside recovery, hence the CASE.)
    IFS='|' read -r recovery pause_state < <(replica -c "SELECT pg_is_in_recovery(),
      CASE WHEN pg_is_in_recovery() THEN pg_get_wal_replay_pause_state() END" 2> /dev/null || true)
    if [ "${recovery:-}" != t ]; then
      broken="not in recovery (promoted?)"
    else
      resume_replay "$pause_state"
      wait_for 30 streaming || broken="not streaming from the primary"
    fi
  fi
fi
if [ -n "$broken" ]; then
  build_replica "$broken"
  resume_replay "$(replica -c 'SELECT pg_get_wal_replay_pause_state()')"
fi

# Caught up: a transaction committed on the primary is replayed on the replica. Each -c is a
# transaction of its own, so the LSN read second lies after the first one's commit record.
target=$(primary -c 'SELECT pg_current_xact_id()' -c 'SELECT pg_current_wal_lsn()' | tail -n 1)
lag=
behind() { # sets lag to the bytes between the replica's replay and target; true while positive
  lag=$(replica -c "SELECT greatest(0, pg_wal_lsn_diff('$target', pg_last_wal_replay_lsn()))")
  [ "$lag" != 0 ]
}
first_lag=0
if behind; then
  first_lag=$lag
  wait_for 60 eval '! behind' || die "the replica has not replayed the primary's WAL up to $target within 60 s
($lag bytes behind): see $REPLICA_LOG"
fi
echo "replica 127.0.0.1:$REPLICA_PORT streaming (lag $first_lag bytes)"

# ---- PgBouncer, transaction mode, in front of the primary.

if ! command -v pgbouncer > /dev/null; then
  echo "pgbouncer: installing Debian's package"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer > /dev/null
  # The package's own service (where policy-rc.d lets it start) would take port 6432.
  if [ -x /etc/init.d/pgbouncer ]; then
    /etc/init.d/pgbouncer stop > /dev/null 2>&1 || true
    update-rc.d pgbouncer disable > /dev/null 2>&1 || true
  fi
fi

bouncer_ini() {
  cat << EOF
; Written by scripts/replica/start.sh (FitHub): the tests' pooler in front of $PG_VERSION/main.
[databases]
; Any database name, e.g. a test's fresh fithub_test_*, goes to the same name on the primary.
* = host=127.0.0.1 port=$PRIMARY_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BOUNCER_PORT
unix_socket_dir = $BOUNCER_DIR
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 20
; trust still wants the user in auth_file; the primary trusts 127.0.0.1 in turn.
auth_type = trust
auth_file = $BOUNCER_DIR/userlist.txt
admin_users = postgres
stats_users = postgres
; sqlx sends extra_float_digits, FitHub sends statement_timeout as options.
ignore_startup_parameters = extra_float_digits,options
; Errors only: the tests open thousands of connections, and the log is never rotated.
log_connections = 0
log_disconnections = 0
logfile = $BOUNCER_DIR/pgbouncer.log
pidfile = $BOUNCER_DIR/pgbouncer.pid
EOF
}
bouncer_pid() { # our pgbouncer's pid, when it runs
  local pid
  pid=$(cat "$BOUNCER_DIR/pgbouncer.pid" 2> /dev/null) || return 1
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2> /dev/null)" = pgbouncer ] && echo "$pid"
}
bouncer_healthy() { # the admin console says transaction mode, and a query reaches the primary
  [ "$(bouncer pgbouncer -c 'SHOW CONFIG' 2> /dev/null | awk -F '|' '$1 == "pool_mode" { print $2 }')" = transaction ] \
    && [ "$(bouncer postgres -c 'SELECT 1' 2> /dev/null)" = 1 ]
}

install -d -o postgres -g postgres -m 750 "$BOUNCER_DIR"
changed=
write_if_changed "$BOUNCER_DIR/pgbouncer.ini" "$(bouncer_ini)" && changed=1
write_if_changed "$BOUNCER_DIR/userlist.txt" '"postgres" ""' && changed=1
pid=$(bouncer_pid) || pid=
if [ -z "$changed" ] && [ -n "$pid" ] && bouncer_healthy; then
  state=running
else
  if [ -n "$pid" ]; then
    kill -TERM "$pid"
    wait_for 10 test ! -e "/proc/$pid" || die "pgbouncer (pid $pid) does not stop"
  fi
  taken=$(ss -Hltnp "sport = :$BOUNCER_PORT")
  [ -z "$taken" ] || die "port $BOUNCER_PORT is taken by another process: $taken"
  runuser -u postgres -- pgbouncer -q -d "$BOUNCER_DIR/pgbouncer.ini" 9>&- \
    || die "pgbouncer does not start: see $BOUNCER_DIR/pgbouncer.log"
  wait_for 30 bouncer_healthy || die "pgbouncer on 127.0.0.1:$BOUNCER_PORT does not answer in transaction mode
within 30 s: see $BOUNCER_DIR/pgbouncer.log"
  state=started
fi
echo "pgbouncer 127.0.0.1:$BOUNCER_PORT transaction mode, to 127.0.0.1:$PRIMARY_PORT ($state, pid $(bouncer_pid))"
