#!/usr/bin/env bash
# What the diary versions (migration V9) cost concurrent writes on PostgreSQL: meal records
# inserted 32 at a time by pgbench, all of one user and then spread over 32 users, with the V9
# triggers and without them, twice each in turn, beside `pgbench -S` (the server's select-only
# ceiling in the same run). Every insert draws its owner's version again, so one user's inserts
# wait for each other's commits, while different users' need not.
#
#   scripts/bench/diary_versions.sh
#
# It creates a fresh database (fithub_bench_versions, on the server of FITHUB_TEST_DATABASE_URL
# or the local one), migrates it with the fithub binary (FITHUB_BIN, default
# target/release/fithub), creates a user per client, measures and drops the database (KEEP=1
# keeps it). About two minutes; nothing here asserts a figure. SECONDS_EACH and CLIENTS change
# the shape.
set -euo pipefail
cd "$(dirname "$0")/../.."

DB=fithub_bench_versions
FITHUB_BIN="${FITHUB_BIN:-target/release/fithub}"
SECONDS_EACH="${SECONDS_EACH:-10}"
CLIENTS="${CLIENTS:-32}"
source scripts/bench/scratch_db.sh

fithub migrate > /dev/null
for i in $(seq 1 "$CLIENTS"); do
  printf 'violet-Harbor-47-kite\n' | fithub user create --username "bench$i" --password-stdin > /dev/null
done
user=$(bench -c "SELECT id FROM users WHERE username = 'bench1'")
last=$(bench -c "SELECT max(id) FROM users")

cat > "$work/insert.sql" <<SQL
INSERT INTO meal_records (user_id, meal_name, calories, "timestamp", created_at, updated_at)
VALUES ($user, 'Apple', 95, now(), now(), now());
SQL
cat > "$work/insert_any.sql" <<SQL
\\set uid random($user, $last)
INSERT INTO meal_records (user_id, meal_name, calories, "timestamp", created_at, updated_at)
VALUES (:uid, 'Apple', 95, now(), now(), now());
SQL
tps() { pgbench -n -c "$CLIENTS" -j 2 -T "$SECONDS_EACH" "$@" "$DB_URL" 2>/dev/null |
  awk '/^tps/ {printf "%.0f", $3}'; }
triggers() { # on|off: the statement trigger that changes inserted records' owners' versions
  if [ "$1" = on ]; then
    bench -c "CREATE TRIGGER meal_records_diary_versions_insert AFTER INSERT ON meal_records
              REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
              EXECUTE FUNCTION diary_versions_owners_changed()"
  else
    bench -c "DROP TRIGGER meal_records_diary_versions_insert ON meal_records"
  fi
}

pgbench -i -q "$DB_URL" > /dev/null 2>&1
echo "pgbench -S, $CLIENTS clients: $(tps -S -M prepared) tps"
for round in 1 2; do
  for script in insert insert_any; do
    whose=$([ $script = insert ] && echo "one user's" || echo "$CLIENTS users'")
    echo "round $round: $whose inserts, $CLIENTS clients, with the version triggers: $(tps -f "$work/$script.sql") tps"
    triggers off
    echo "round $round: $whose inserts, $CLIENTS clients, without them:            $(tps -f "$work/$script.sql") tps"
    triggers on
  done
done
