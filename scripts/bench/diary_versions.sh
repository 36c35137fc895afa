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
# target/release/fithub), creates one user, measures and drops the database. About a minute;
# nothing here asserts a figure. SECONDS_EACH and CLIENTS change the shape.
set -euo pipefail
cd "$(dirname "$0")/../.."

ADMIN_URL="${FITHUB_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
DB=fithub_bench_versions
admin_base="${ADMIN_URL%%\?*}"
DB_URL="${admin_base%/*}/$DB${ADMIN_URL#"$admin_base"}"
FITHUB_BIN="$(realpath -m "${FITHUB_BIN:-target/release/fithub}")"
SECONDS_EACH="${SECONDS_EACH:-10}"
CLIENTS="${CLIENTS:-32}"

[ -x "$FITHUB_BIN" ] || {
  echo "no fithub binary at $FITHUB_BIN: build it (cargo build --release -p fithub-cli) or set FITHUB_BIN" >&2
  exit 1
}
admin() { psql -X -q -At -v ON_ERROR_STOP=1 "$ADMIN_URL" -c 'SET client_min_messages = warning' "$@"; }
bench() { psql -X -q -At -v ON_ERROR_STOP=1 "$DB_URL" -c 'SET client_min_messages = warning' "$@"; }
work=$(mktemp -d)
cleanup() {
  rm -rf "$work"
  admin -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
}
admin -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
trap cleanup EXIT
(cd "$work" && env -u DATABASE_URL "$FITHUB_BIN" --database-url "$DB_URL" migrate > /dev/null)
(cd "$work" && printf 'violet-Harbor-47-kite\n' | env -u DATABASE_URL "$FITHUB_BIN" \
  --database-url "$DB_URL" user create --username bench \
  --password-stdin > /dev/null)
for i in $(seq 2 "$CLIENTS"); do
  (cd "$work" && printf 'violet-Harbor-47-kite\n' | env -u DATABASE_URL "$FITHUB_BIN" \
    --database-url "$DB_URL" user create --username "bench$i" --password-stdin > /dev/null)
done
user=$(bench -c "SELECT id FROM users WHERE username = 'bench'")
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
