# Sourced by the PostgreSQL benchmark scripts, from the checkout's root, once they have set DB
# (the database's name) and FITHUB_BIN (the fithub binary, default target/debug/fithub):
# - a fresh database $DB on the server of FITHUB_TEST_DATABASE_URL (or the local one), at DB_URL,
#   dropped when the script exits unless KEEP=1;
# - `admin` and `bench`: psql on the server's admin database and on $DB, stopping at the first
#   error, without notices ("does not exist, skipping" and the like);
# - `fithub`: the binary on $DB, in an empty directory (no fithub.toml of the checkout's) and
#   without the environment's database or audit retention, so only its flags and defaults apply.

ADMIN_URL="${FITHUB_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
# The same server, user and parameters (?sslmode=...), the bench's database.
admin_base="${ADMIN_URL%%\?*}"
DB_URL="${admin_base%/*}/$DB${ADMIN_URL#"$admin_base"}"
FITHUB_BIN="$(realpath -m "${FITHUB_BIN:-target/debug/fithub}")"

[ -x "$FITHUB_BIN" ] || {
  echo "no fithub binary at $FITHUB_BIN: build it (cargo build -p fithub-cli --bin fithub) or set FITHUB_BIN" >&2
  exit 1
}
admin() { psql -X -q -At -v ON_ERROR_STOP=1 "$ADMIN_URL" -c 'SET client_min_messages = warning' "$@"; }
bench() { psql -X -q -At -v ON_ERROR_STOP=1 "$DB_URL" -c 'SET client_min_messages = warning' "$@"; }
work=$(mktemp -d)
fithub() { (cd "$work" && env -u FITHUB_AUDIT_RETENTION_DAYS -u DATABASE_URL "$FITHUB_BIN" --database-url "$DB_URL" "$@"); }

scratch_db_cleanup() {
  rm -rf "$work"
  if [ "${KEEP:-}" = 1 ]; then
    echo "kept database $DB ($DB_URL)"
  else
    admin -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
  fi
}
admin -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
trap scratch_db_cleanup EXIT
