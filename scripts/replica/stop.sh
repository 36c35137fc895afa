#!/usr/bin/env bash
# Stops what scripts/replica/start.sh brought up: PgBouncer on 127.0.0.1:6432 and the replica
# cluster <version>/replica on 127.0.0.1:5433. For developers; CI leaves them running.
#
# The slot fithub_replica is dropped too: a slot nobody reads makes the primary keep every WAL
# segment from then on, and the tests write plenty (each CREATE DATABASE logs its template).
# start.sh then rebuilds the replica from a fresh base backup (seconds on a primary without
# leftover databases). --purge also removes the replica cluster and PgBouncer's directory.
set -euo pipefail

PG_VERSION="${PG_VERSION:-$(ls /etc/postgresql | sort -V | tail -n 1)}"
REPLICA_CLUSTER=replica
SLOT=fithub_replica
STATE_DIR="${FITHUB_CI_STATE_DIR:-/var/lib/fithub-ci}"
BOUNCER_DIR="$STATE_DIR/pgbouncer"
export PGCONNECT_TIMEOUT=5 PGSSLMODE=disable

purge=
case "${1:-}" in
  "") ;;
  --purge) purge=1 ;;
  *)
    echo "usage: scripts/replica/stop.sh [--purge]" >&2
    exit 2
    ;;
esac
[ "$(id -u)" = 0 ] || {
  echo "scripts/replica/stop.sh: run as root" >&2
  exit 1
}

pid=$(cat "$BOUNCER_DIR/pgbouncer.pid" 2> /dev/null || true)
if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2> /dev/null)" = pgbouncer ]; then
  kill -TERM "$pid"
  for _ in $(seq 50); do [ -e "/proc/$pid" ] || break; sleep 0.2; done
  [ ! -e "/proc/$pid" ] || {
    echo "scripts/replica/stop.sh: pgbouncer (pid $pid) does not stop" >&2
    exit 1
  }
  echo "pgbouncer stopped (pid $pid)"
else
  echo "pgbouncer was not running"
fi

if pg_lsclusters -h 2> /dev/null | awk -v v="$PG_VERSION" -v c="$REPLICA_CLUSTER" '$1 == v && $2 == c { f = 1 } END { exit !f }'; then
  if [ -n "$purge" ]; then
    pg_dropcluster --stop "$PG_VERSION" "$REPLICA_CLUSTER"
    echo "replica $PG_VERSION/$REPLICA_CLUSTER stopped and removed"
  else
    pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" "$REPLICA_CLUSTER" stop -m fast 2> /dev/null || true
    echo "replica $PG_VERSION/$REPLICA_CLUSTER stopped"
  fi
else
  echo "replica $PG_VERSION/$REPLICA_CLUSTER does not exist"
fi

# Its walsender may take a moment to go after the replica stopped.
psql -X -w -q -At -h 127.0.0.1 -p 5432 -U postgres -d postgres -c "DO \$\$
BEGIN
  FOR i IN 1..50 LOOP
    EXIT WHEN NOT EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = '$SLOT' AND active);
    PERFORM pg_sleep(0.2);
  END LOOP;
  IF EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = '$SLOT') THEN
    PERFORM pg_drop_replication_slot('$SLOT');
    RAISE NOTICE 'slot $SLOT dropped on the primary';
  END IF;
END \$\$" 2>&1 | sed 's/^NOTICE:  //' \
  || echo "scripts/replica/stop.sh: could not drop slot $SLOT on the primary (is it down?)" >&2

if [ -n "$purge" ]; then
  rm -rf "$BOUNCER_DIR"
  echo "removed $BOUNCER_DIR"
fi
