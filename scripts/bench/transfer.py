#!/usr/bin/env python3
"""Export and import throughput of `fithub`, plain and encrypted, on SQLite and PostgreSQL.

Generates an archive of one user with N body measurements (default 1,000,000) and loads it into a
database. Then, `--repeat` times (default 2, in the same session, so the runs can be compared):
exports it plain and encrypted to an age key (`--encrypt-to`, made by `fithub backup keygen`),
and imports each of the two exports into a fresh database (the encrypted one with `--identity`),
checking the row count. It reports seconds, rows per second and the peak resident memory of the
`fithub` process for each run, then the encrypted/plain ratio of the mean times, against the
budget of 1.5. On PostgreSQL it also times `psql \\copy` of the same rows out of and into the
table, the ceiling a bulk load can hope for.

    cargo build --release -p fithub-cli
    scripts/bench/transfer.py [--rows 1000000] [--repeat 2] [--only sqlite|postgres]
        [--postgres postgres://postgres@127.0.0.1:5432/postgres] [--fithub PATH]

Nothing here asserts a time: it measures and prints.
"""

import argparse
import json
import sqlite3
import statistics
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
    """Runs a command and returns (seconds, peak RSS of that process in MiB). Its output is kept
    out of the report, and shown if it fails."""
    with tempfile.TemporaryFile() as errors:
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:
            os.chdir(cwd or ".")
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(errors.fileno(), 2)
            try:
                os.execvpe(argv[0], argv, env or os.environ)
            finally:
                os._exit(127)
        _, status, usage = os.wait4(pid, 0)
        elapsed = time.monotonic() - started
        if os.waitstatus_to_exitcode(status) != 0:
            errors.seek(0)
            sys.exit(
                f"{' '.join(map(str, argv))} failed with {os.waitstatus_to_exitcode(status)}:\n"
                f"{errors.read().decode()}"
            )
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


BUDGET = 1.5


class Databases:
    """Fresh, migrated databases of one kind, each dropped when done with."""

    def __init__(self, kind, fithub, workdir, admin_url):
        self.kind, self.fithub, self.workdir, self.admin_url = kind, fithub, workdir, admin_url
        self.made = 0

    def fresh(self):
        self.made += 1
        if self.kind == "sqlite":
            url = f"sqlite://{self.workdir}/bench-{self.made}.db"
        else:
            _, url = postgres_database(self.admin_url)
        run([self.fithub, "migrate"], env=fithub_env(url))
        return url

    def measurements(self, url):
        """Rows in body_measurements: proof that an import wrote them all."""
        if self.kind == "sqlite":
            with sqlite3.connect(url.removeprefix("sqlite://")) as connection:
                return connection.execute("SELECT COUNT(*) FROM body_measurements").fetchone()[0]
        _, out = run(["psql", url, "-qtAc", "SELECT COUNT(*) FROM body_measurements"])
        return int(out.decode().strip())

    def drop(self, url):
        if self.kind == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(url.removeprefix("sqlite://") + suffix).unlink(missing_ok=True)
        else:
            name = url.rpartition("/")[2]
            run(["psql", self.admin_url, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"])


def bench(databases, source, archive, rows, repeat, recipient, identity):
    """(database, operation, run, rows, seconds, peak MiB) of each export and import."""
    name, fithub, workdir = databases.kind, databases.fithub, databases.workdir
    run([fithub, "import", str(archive)], env=fithub_env(source))
    results = []
    for round_ in range(1, repeat + 1):
        plain = workdir / f"{name}-export.jsonl"
        encrypted = workdir / f"{name}-export.jsonl.age"
        exports = [
            ("plain", plain, []),
            ("encrypted", encrypted, ["--encrypt-to", recipient]),
        ]
        for label, path, flags in exports:
            argv = [fithub, "export", "--output", str(path), *flags]
            seconds, rss = run_measured(argv, env=fithub_env(source), cwd=workdir)
            results.append((name, f"export {label}", round_, rows, seconds, rss))
        lines = sum(1 for _ in open(plain))
        assert lines == rows + 3, f"the export has {lines} lines, expected {rows + 3}"
        imports = [("plain", plain, []), ("encrypted", encrypted, ["--identity", str(identity)])]
        for label, path, flags in imports:
            target = databases.fresh()
            try:
                argv = [fithub, "import", str(path), *flags]
                seconds, rss = run_measured(argv, env=fithub_env(target), cwd=workdir)
                count = databases.measurements(target)
                assert count == rows, f"{label} import wrote {count} measurements, not {rows}"
                results.append((name, f"import {label}", round_, rows, seconds, rss))
            finally:
                databases.drop(target)
        for path in (plain, encrypted):
            path.unlink()
    return results


def ratios(results):
    """Encrypted over plain, mean seconds and peak memory, for each database and operation."""
    lines = []
    for database in sorted({r[0] for r in results}, reverse=True):
        for operation in ("export", "import"):
            def runs(label):
                return [r for r in results if r[0] == database and r[1] == f"{operation} {label}"]
            plain, encrypted = runs("plain"), runs("encrypted")
            if not plain or not encrypted:
                continue
            ratio = statistics.mean(r[4] for r in encrypted) / statistics.mean(r[4] for r in plain)
            memory = max(r[5] for r in encrypted) / max(r[5] for r in plain)
            verdict = "within" if ratio <= BUDGET else "OVER"
            lines.append(
                f"{database:<10} {operation:<7} encrypted/plain: time x{ratio:.2f} "
                f"({verdict} the x{BUDGET} budget), peak memory x{memory:.2f}"
            )
    return lines


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
    parser.add_argument("--repeat", type=int, default=2, help="runs of each measurement")
    parser.add_argument("--only", choices=["sqlite", "postgres"], help="one database only")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("FITHUB_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="an admin URL of a PostgreSQL server (databases are created and dropped)",
    )
    parser.add_argument("--fithub", default=str(ROOT / "target/release/fithub"))
    args = parser.parse_args()
    # The commands run in a scratch folder: a relative path must not be read from there.
    args.fithub = str(Path(args.fithub).resolve())
    if not Path(args.fithub).exists():
        sys.exit(f"{args.fithub} is missing: cargo build --release -p fithub-cli")

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        archive = workdir / "archive.jsonl"
        write_archive(archive, args.rows)
        size = archive.stat().st_size / 2**20
        print(f"archive: {args.rows} measurements, {size:.0f} MiB", file=sys.stderr)
        identity = workdir / "backup.key"
        _, out = run([args.fithub, "backup", "keygen", "--output", str(identity)])
        recipient = out.decode().strip()

        for kind in ("sqlite", "postgres"):
            if args.only not in (None, kind):
                continue
            databases = Databases(kind, args.fithub, workdir, args.postgres)
            source = databases.fresh()
            try:
                results += bench(
                    databases, source, archive, args.rows, args.repeat, recipient, identity
                )
                if kind == "postgres":
                    copied = psql_copy(source, args.rows, workdir)
                    results += [(*row[:2], 1, *row[2:]) for row in copied]
            finally:
                databases.drop(source)

    print(f"{'database':<10} {'operation':<18} {'run':>3} {'rows':>9} {'seconds':>8} {'rows/s':>10} {'peak RSS':>9}")
    for database, operation, round_, rows, seconds, rss in results:
        memory = f"{rss:.0f} MiB" if rss is not None else "-"
        print(
            f"{database:<10} {operation:<18} {round_:>3} {rows:>9} {seconds:>8.2f} "
            f"{rows / seconds:>10.0f} {memory:>9}"
        )
    print()
    for line in ratios(results):
        print(line)


if __name__ == "__main__":
    main()
