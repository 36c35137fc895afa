#!/usr/bin/env bash
# What the audit retention buys on PostgreSQL: the audit table's size after 1,000,000 writes
# spread evenly over the last 800 days, then after `fithub audit prune` with the default
# retention (400 days; whole months are dropped, see README "Running at scale"), and how long
# the prune took.
#
#   scripts/bench/audit_retention.sh
#
# It creates a fresh database (fithub_bench_audit, on the server of FITHUB_TEST_DATABASE_URL or
# the local one), migrates it with the fithub binary (FITHUB_BIN, default target/debug/fithub:
# build it first, `cargo build -p fithub-cli --bin fithub`), gives every month of those 800 days
# its partition the way the migrations do (fithub_audit_partition, V8; the purge itself only
# makes the months ahead, so without them the rows would all land in the default partition,
# which retention empties row by row), writes the rows with one INSERT ... SELECT, measures,
# prunes, measures again and drops the database. About a minute; nothing here asserts a figure.
#
# ROWS, DAYS and RETENTION_DAYS (passed as --retention-days; unset, the default applies) change
# the shape; KEEP=1 keeps the database for a look afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."

DB=fithub_bench_audit
ROWS="${ROWS:-1000000}"
DAYS="${DAYS:-800}"
RETENTION_DAYS="${RETENTION_DAYS:-}"
now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f s", b - a }'; }
# Without RETENTION_DAYS, fithub's built-in retention applies, not the environment's.
source scripts/bench/scratch_db.sh

started=$(now)
fithub migrate > /dev/null
echo "migrated $DB with $FITHUB_BIN in $(since "$started")"

# One partition per month of the span (UTC), through the migrations' own function, as V8 does
# for the rows it moves: audit_log_yYYYYmMM.
started=$(now)
bench -c "SELECT count(fithub_audit_partition(month)) FROM generate_series(
            date_trunc('month', (now() - make_interval(days => $DAYS)) AT TIME ZONE 'UTC'),
            date_trunc('month', now() AT TIME ZONE 'UTC'), interval '1 month') AS month" > /dev/null
# The rows: evenly spaced from now back to $DAYS days ago, shaped like the API's (an actor, an
# action on an object, a client address, a request id, a little JSON).
bench -c "INSERT INTO audit_log (occurred_at, actor_username, action, object_type, object_id,
                                 client_addr, request_id, details)
          SELECT now() - make_interval(secs => i * ($DAYS * 86400.0 / $ROWS)),
                 'bench_user_' || i % 1000,
                 (ARRAY['measurement.create', 'diet.update', 'auth.login', 'goal.delete'])[1 + i % 4],
                 'measurement', i::text,
                 '203.0.113.' || i % 250, gen_random_uuid()::text,
                 '{\"kind\":\"weight\",\"value\":' || (60 + i % 40) || '.5}'
          FROM generate_series(1, $ROWS) AS i"
echo "wrote $(sed ':a; s/\B[0-9]\{3\}\>/,&/; ta' <<< "$ROWS") audit rows over $DAYS days in $(since "$started")"
in_default=$(bench -c "SELECT count(*) FROM audit_log_default")
[ "$in_default" = 0 ] || echo "note: $in_default rows fell into audit_log_default (a month without its partition)"

measure() { # LABEL: one row of the table
  bench -F $'\t' -c "SELECT '$1', (SELECT count(*) FROM audit_log),
           count(*) FILTER (WHERE relid::regclass::text ~ '^audit_log_y[0-9]{4}m[0-9]{2}\$'),
           sum(pg_total_relation_size(relid)),
           (SELECT coalesce(to_char(min(occurred_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '-') FROM audit_log)
         FROM pg_partition_tree('audit_log') WHERE isleaf"
}
before=$(measure "before prune")

prune_flags=()
[ -z "$RETENTION_DAYS" ] || prune_flags=(--retention-days "$RETENTION_DAYS")
started=$(now)
pruned=$(fithub audit prune "${prune_flags[@]}")
prune_time=$(since "$started")
after=$(measure "after prune")

echo
printf '%-14s %12s %16s %12s %12s\n' "" rows "month partitions" size "oldest row"
while IFS=$'\t' read -r label rows partitions bytes oldest; do
  printf '%-14s %12s %16s %9s MB %12s\n' "$label" "$(sed ':a; s/\B[0-9]\{3\}\>/,&/; ta' <<< "$rows")" "$partitions" \
    "$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')" "$oldest"
done <<< "$before"$'\n'"$after"
echo
echo "fithub audit prune ${prune_flags[*]:-(default retention)}: $prune_time (the whole command: start, connect, prune)"
echo "  $pruned"
