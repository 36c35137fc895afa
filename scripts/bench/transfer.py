#!/usr/bin/env python3
"""Export and import throughput of `fithub`, on SQLite and PostgreSQL.

Generates an archive of one user with N body measurements (default 1,000,000), then for each
database: imports it into a fresh database, exports it back, and reports rows per second and the
peak resident memory of the `fithub` process. On PostgreSQL it also times `psql \\copy` of the
same rows out of and into the table, the ceiling a bulk load can hope for.

    cargo build --release -p fithub-cli
    scripts/bench/transfer.py [--rows 1000000] [--postgres postgres://postgres@127.0.0.1:5432/postgres]

Nothing here asserts a time: it measures and prints.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(argv, *, env=None, stdin=None, cwd=None):
    """Runs a command; returns (seconds, stdout). Fails loudly."""
    started = time.monotonic()
    process = subprocess.Popen(
        argv,
        env=env,
        cwd=cwd,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = process.communicate(stdin)
    elapsed = time.monotonic() - started
    if process.returncode != 0:
        sys.exit(f"{' '.join(map(str, argv))} failed ({process.returncode}):\n{err.decode()}")
    return elapsed, out


def run_measured(argv, *, env=None, cwd=None):
    """Runs a command and returns (seconds, peak RSS of that process in MiB)."""
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.chdir(cwd or ".")
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        try:
            os.execvpe(argv[0], argv, env or os.environ)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(map(str, argv))} failed with {os.waitstatus_to_exitcode(status)}")
    return elapsed, usage.ru_maxrss / 1024


def write_archive(path, rows):
    """One user and `rows` measurements, a week apart at most, in the archive format."""
    start = 1_600_000_000
    with open(path, "w") as out:
        header = {
            "format": "fithub-archive",
            "format_version": 1,
            "schema_version": 1,
            "created_at": "2025-03-02T07:45:00Z",
            "scope": {"kind": "all"},
        }
        out.write(json.dumps({"type": "header", "data": header}) + "\n")
        user = {
            "id": 1, "username": "bench", "email": "", "first_name": "", "last_name": "",
            # Well-formed: an import verifies the shape and cost of every password hash.
            "password_hash": "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA"
                             "$4bCTXPGvmn3iKiUYLxSnW3NDKNnHmt8pT6Fk4uqRNNs",
            "is_active": True, "is_staff": False, "is_superuser": False,
            "date_joined": "2025-01-01T00:00:00Z", "last_login": None,
        }
        out.write(json.dumps({"type": "user", "data": user}) + "\n")
        line = (
            '{"type":"body_measurement","data":{"id":%d,"user_id":1,"metric":"weight_kg",'
            '"measurement_type":"log","value":%s,"timestamp":"%s","created_at":"%s",'
            '"updated_at":"%s"}}\n'
        )
        for i in range(1, rows + 1):
            at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + i * 37))
            out.write(line % (i, 60 + (i % 400) / 10, at, at, at))
        out.write(json.dumps({"type": "end", "data": {"records": rows + 1}}) + "\n")


def fithub_env(database_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FITHUB_")}
    env["DATABASE_URL"] = database_url
    return env


def bench(name, fithub, database_url, archive, rows, workdir):
    env = fithub_env(database_url)
    run([fithub, "migrate"], env=env)
    seconds, rss = run_measured([fithub, "import", str(archive)], env=env, cwd=workdir)
    results = [(name, "fithub import", rows, seconds, rss)]
    exported = workdir / f"{name}-export.jsonl"
    seconds, rss = run_measured([fithub, "export", "--output", str(exported)], env=env, cwd=workdir)
    results.append((name, "fithub export", rows, seconds, rss))
    lines = sum(1 for _ in open(exported))
    assert lines == rows + 3, f"the export has {lines} lines, expected {rows + 3}"
    return results


def postgres_database(admin_url):
    name = f"fithub_bench_{uuid.uuid4().hex[:12]}"
    run(["psql", admin_url, "-qc", f"CREATE DATABASE {name}"])
    base, _, _ = admin_url.rpartition("/")
    return name, f"{base}/{name}"


def psql_copy(url, rows, workdir):
    """`psql \\copy` of the same rows out of the table and into an empty copy of it."""
    csv = workdir / "measurements.csv"
    seconds_out, _ = run(["psql", url, "-qc", f"\\copy body_measurements TO '{csv}' WITH (FORMAT csv)"])
    run(["psql", url, "-qc", "CREATE TABLE copy_target (LIKE body_measurements INCLUDING ALL)"])
    seconds_in, _ = run(["psql", url, "-qc", f"\\copy copy_target FROM '{csv}' WITH (FORMAT csv)"])
    return [
        ("postgres", "psql \\copy out", rows, seconds_out, None),
        ("postgres", "psql \\copy in", rows, seconds_in, None),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("FITHUB_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="an admin URL of a PostgreSQL server (a database is created and dropped)",
    )
    parser.add_argument("--fithub", default=str(ROOT / "target/release/fithub"))
    args = parser.parse_args()
    if not Path(args.fithub).exists():
        sys.exit(f"{args.fithub} is missing: cargo build --release -p fithub-cli")

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        archive = workdir / "archive.jsonl"
        write_archive(archive, args.rows)
        size = archive.stat().st_size / 2**20
        print(f"archive: {args.rows} measurements, {size:.0f} MiB", file=sys.stderr)

        results += bench("sqlite", args.fithub, f"sqlite://{workdir}/bench.db", archive, args.rows, workdir)
        name, url = postgres_database(args.postgres)
        try:
            results += bench("postgres", args.fithub, url, archive, args.rows, workdir)
            results += psql_copy(url, args.rows, workdir)
        finally:
            run(["psql", args.postgres, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"])

    print(f"{'database':<10} {'operation':<16} {'rows':>9} {'seconds':>8} {'rows/s':>10} {'peak RSS':>9}")
    for database, operation, rows, seconds, rss in results:
        memory = f"{rss:.0f} MiB" if rss is not None else "-"
        print(f"{database:<10} {operation:<16} {rows:>9} {seconds:>8.2f} {rows / seconds:>10.0f} {memory:>9}")


if __name__ == "__main__":
    main()
