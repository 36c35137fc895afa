#!/usr/bin/env python3
"""FitHub's load benchmark, on PostgreSQL and SQLite, with the machine's ceilings in the same run.

For each database: a fresh database filled with the dataset (dataset.py), the release
`fithub-api` started on it, then for each endpoint `wrk` at 32 connections: requests per second
and p50/p99 latency; the nutrition diary over 30 and 366 days beside the 30-day records summary
of the same run. Also: how soon `/ready` answers after the process starts, resident memory
idle and at peak, and the other endpoints' p99 while logins run flat out. The ceilings, measured
in the same run: `pgbench -S -M prepared` against the same PostgreSQL, and the API's `/health`.
Each figure is compared with the budget of issue 8 and marked ok or MISS.

    scripts/bench/load.py [--duration 10] [--connections 32] [--only postgres|sqlite]
                          [--endpoints goals,create] [--api-env KEY=VALUE] [--bin-dir DIR]
                          [--replicas [REPLICA_URL]]

With --replicas (PostgreSQL only; default FITHUB_TEST_REPLICA_URL or 127.0.0.1:5433, a streaming
replica of --postgres as scripts/replica/start.sh makes), the read endpoints are measured twice
in one run, on the primary alone and on the primary with that replica, and the second API's
/metrics tell where its reads went.

It builds the release binaries first, unless --bin-dir names a folder holding `fithub` and
`fithub-api` already built (to compare two builds back to back). Needs wrk, pgbench and psql, and a PostgreSQL server where
the user may create databases (--postgres, default FITHUB_TEST_DATABASE_URL or the local one).

Nothing here asserts a time: it measures and prints.
"""

import argparse
import datetime as dt
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dataset  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
# Where the binaries under test are: the release build of this checkout, or --bin-dir.
# Where cargo put the release binaries (CARGO_TARGET_DIR, as cargo reads it).
BIN_DIR = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http(method, url, body=None, token=None):
    request = urllib.request.Request(url, method=method)
    if body is not None:
        request.data = json.dumps(body).encode()
        request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


def rss_mib(pid, field="VmRSS"):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def to_ms(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1e3, "m": 6e4, "h": 3.6e6}[unit]


def wrk(url, args, token=None, script=None, headers=()):
    """Runs wrk; returns (requests/s, p50 ms, p99 ms, count of answers of 400 or more)."""
    argv = ["wrk", "-t1", f"-c{args.connections}", f"-d{args.duration}s", "--latency"]
    if token:
        argv += ["-H", f"Authorization: Bearer {token}"]
    for header in headers:
        argv += ["-H", header]
    if script:
        argv += ["-s", script]
    out = subprocess.run(argv + [url], capture_output=True, text=True, check=True).stdout
    if "Latency Distribution" not in out:
        sys.exit(f"wrk measured nothing for {url}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = to_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, p50, p99, int(errors.group(1)) if errors else 0


def post_script(workdir, name, body, content_type="application/json"):
    path = workdir / f"{name}.lua"
    path.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(json.dumps(body))}\n"
        f'wrk.headers["Content-Type"] = "{content_type}"\n'
    )
    return str(path)


def pgbench(admin_url, args):
    """pgbench -S -M prepared at the same concurrency: the database's own ceiling."""
    name = f"fithub_pgbench_{uuid.uuid4().hex[:8]}"
    subprocess.run(["psql", admin_url, "-qc", f"CREATE DATABASE {name}"], check=True)
    base = admin_url.rsplit("/", 1)[0]
    try:
        subprocess.run(["pgbench", "-i", "-s", "10", "-q", f"{base}/{name}"], check=True,
                       capture_output=True)
        out = subprocess.run(
            ["pgbench", "-S", "-M", "prepared", f"-c{args.connections}", "-j2",
             f"-T{args.duration}", f"{base}/{name}"],
            capture_output=True, text=True, check=True).stdout
        return float(re.search(r"tps = ([\d.]+)", out).group(1))
    finally:
        subprocess.run(["psql", admin_url, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
                       check=True)


class Api:
    """The release fithub-api on a free port."""

    def __init__(self, database_url, workdir, args, extra_env=None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("FITHUB_")}
        env.update({
            "DATABASE_URL": database_url,
            "FITHUB_BIND": f"127.0.0.1:{self.port}",
            "FITHUB_JWT_SECRET": "benchmark-secret-benchmark-secret-0123",
            "FITHUB_AUTH_RATE_LIMIT_PER_ADDRESS": "0",
            "FITHUB_AUTH_RATE_LIMIT_PER_USERNAME": "0",
            "FITHUB_LOG_FORMAT": "json",
        })
        if args.pool:
            env["FITHUB_DATABASE_MAX_CONNECTIONS"] = str(args.pool)
        env.update(setting.split("=", 1) for setting in args.api_env)
        env.update(extra_env or {})
        self.log = open(workdir / f"api-{self.port}.log", "w")
        self.started = time.monotonic()
        self.process = subprocess.Popen([str(BIN_DIR / "fithub-api")], env=env,
                                        stdout=self.log, stderr=subprocess.STDOUT)

    def ready_after_ms(self):
        """Milliseconds from the process's start to its first 200 from /ready."""
        while time.monotonic() - self.started < 30:
            try:
                with urllib.request.urlopen(self.base + "/ready", timeout=1) as response:
                    if response.status == 200:
                        return (time.monotonic() - self.started) * 1000
            except OSError:
                pass
            time.sleep(0.002)
        sys.exit("fithub-api did not become ready")

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        self.log.close()


def idempotent_post_script(workdir, name, body):
    """A POST whose every request carries a new Idempotency-Key, as a careful client sends."""
    path = workdir / f"{name}.lua"
    path.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(json.dumps(body))}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
        "local run = tostring(os.time()) .. tostring(math.random(1e9))\n"
        "local sent = 0\n"
        "request = function()\n"
        "  sent = sent + 1\n"
        '  wrk.headers["Idempotency-Key"] = run .. "-" .. sent\n'
        "  return wrk.format()\n"
        "end\n"
    )
    return str(path)


def etag_of(url, token):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request) as answer:
        return answer.headers["ETag"]


def bench(name, database_url, admin_url, args, workdir, results, ceilings):
    records = dataset.load(str(BIN_DIR / "fithub"), database_url)
    print(f"[{name}] dataset: {records} records", file=sys.stderr)
    api = Api(database_url, workdir, args)
    try:
        ready_ms = api.ready_after_ms()
        time.sleep(1)
        idle = rss_mib(api.process.pid)
        token = http("POST", api.base + "/api/auth/jwt/token/",
                     {"username": dataset.USERNAME, "password": dataset.PASSWORD})["access"]
        meal = http("GET", api.base + "/api/nutrition/meals/", token=token)["results"][0]["id"]
        login = post_script(workdir, "login",
                            {"username": dataset.USERNAME, "password": dataset.PASSWORD})
        measurement = post_script(workdir, "measurement", {
            "measurement_type": "log", "value": 71.5, "timestamp": "2025-03-02T06:30:00Z"})
        # Before the diaries' range; any new record changes the user's diary version all the same,
        # so this runs after the diaries are measured.
        meal_record = post_script(workdir, "meal_record", {
            "meal_name": "Apple", "calories": 95, "timestamp": "2024-01-02T12:00:00Z"})
        reads = [
            ("list goals", "/api/goals/goals/", 0.10),
            ("records nutrition_summary 30d", "/api/nutrition/records/nutrition_summary/?days=30", 0.05),
            ("meal nutrition_summary", f"/api/nutrition/meals/{meal}/nutrition_summary/", 0.10),
            ("ingredient search", "/api/nutrition/ingredients/search/?q=chick", 0.10),
            ("measurement trends 90d", "/api/goals/measurements/trends/?days=90", 0.10),
            ("list records", "/api/nutrition/records/", 0.10),
        ]
        for label, path, share in reads:
            if not wanted(label, args):
                continue
            # Never time an empty answer: each read must find the dataset's rows.
            body = http("GET", api.base + path, token=token)
            found = body if isinstance(body, list) else (
                body.get("results") or body.get("measurements") or body.get("record_count")
                or body.get("ingredient_count"))
            if not found:
                sys.exit(f"{label} found nothing in the dataset: {str(body)[:200]}")
            rps, p50, p99, errors = wrk(api.base + path, args, token)
            results.append((name, label, rps, p50, p99, errors,
                            f">= {share:.0%} of pgbench ({share * ceilings['pgbench']:.0f}/s), p99 < 10 ms",
                            rps >= share * ceilings["pgbench"] and p99 < 10 and errors == 0))
        diary(name, api, token, args, results)
        if wanted("create a measurement", args):
            rps, p50, p99, errors = wrk(api.base + "/api/goals/measurements/", args, token,
                                        measurement)
            results.append((name, "create a measurement", rps, p50, p99, errors, "p99 < 10 ms",
                            p99 < 10 and errors == 0))
        if wanted("create a record", args):
            # One user's records, 32 at a time: each locks the user's row, then their diary version.
            rps, p50, p99, errors = wrk(api.base + "/api/nutrition/records/", args, token,
                                        meal_record)
            results.append((name, "create a record", rps, p50, p99, errors,
                            "one user's, one at a time", errors == 0))
        if wanted("conditional GET (304)", args):
            # A client revalidating its cached page of goals: 304 without a body.
            tag = etag_of(api.base + "/api/goals/goals/", token)
            rps, p50, p99, errors = wrk(api.base + "/api/goals/goals/", args, token,
                                        headers=[f"If-None-Match: {tag}"])
            results.append((name, "conditional GET (304)", rps, p50, p99, errors,
                            "p99 < 10 ms", p99 < 10 and errors == 0))
        if wanted("idempotent create", args):
            keyed = idempotent_post_script(workdir, "keyed_measurement", {
                "measurement_type": "log", "value": 71.5, "timestamp": "2025-03-02T06:30:00Z"})
            rps, p50, p99, errors = wrk(api.base + "/api/goals/measurements/", args, token,
                                        keyed)
            results.append((name, "idempotent create (Idempotency-Key)", rps, p50, p99, errors,
                            "p99 < 20 ms", p99 < 20 and errors == 0))
        if wanted("login", args):
            rps, p50, p99, errors = wrk(api.base + "/api/auth/jwt/token/", args, None, login)
            results.append((name, "login", rps, p50, p99, errors, "bounded by argon2",
                            errors == 0))

        if wanted("list goals during a login flood", args):
            # Logins flat out on a few connections; meanwhile, another endpoint's tail.
            flood = subprocess.Popen(
                ["wrk", "-t1", "-c4", f"-d{args.duration + 2}s", "-s", login,
                 api.base + "/api/auth/jwt/token/"], stdout=subprocess.DEVNULL)
            time.sleep(1)
            rps, p50, p99, errors = wrk(api.base + "/api/goals/goals/", args, token)
            flood.wait()
            results.append((name, "list goals during a login flood", rps, p50, p99, errors,
                            "p99 < 20 ms", p99 < 20 and errors == 0))
        peak = rss_mib(api.process.pid, "VmHWM")
        results.append((name, "memory idle (MiB)", idle, None, None, 0, "< 30 MiB", idle < 30))
        results.append((name, "memory peak, 32 connections (MiB)", peak, None, None, 0,
                        "< 100 MiB", peak < 100))
        results.append((name, "/ready after start (ms)", ready_ms, None, None, 0, "< 200 ms",
                        ready_ms < 200))
    finally:
        api.stop()


def diary(name, api, token, args, results):
    """The diary over 30 and 366 days, against the 30-day summary's throughput in this run
    (measured here when --endpoints left it out): at least a half and a quarter of it."""
    shares = [(30, 0.5), (dataset.RECORD_DAYS, 0.25)]
    if not any(wanted(f"diary {days}d", args) for days, _ in shares):
        return
    summary_label = "records nutrition_summary 30d"
    summary = [r[2] for r in results if r[0] == name and r[1] == summary_label]
    if not summary:
        summary = [wrk(api.base + "/api/nutrition/records/nutrition_summary/?days=30", args,
                       token)[0]]
    today = dt.datetime.now(dt.timezone.utc).date()
    for days, share in shares:
        label = f"diary {days}d"
        if not wanted(label, args):
            continue
        start = today - dt.timedelta(days=days - 1)
        path = f"/api/nutrition/diary/?start={start}&end={today}"
        body = http("GET", api.base + path, token=token)
        recorded = sum(day["record_count"] for day in body["days"])
        if len(body["days"]) != days or recorded < 3 * (days - 1):
            sys.exit(f"{label} does not see the dataset: {len(body['days'])} days, "
                     f"{recorded} records")
        rps, p50, p99, errors = wrk(api.base + path, args, token)
        floor = share * summary[0]
        results.append((name, label, rps, p50, p99, errors,
                        f">= {share:.0%} of the 30-day summary ({floor:.0f}/s), p99 < 20 ms",
                        rps >= floor and p99 < 20 and errors == 0))


def wanted(label, args):
    """Whether --endpoints (substrings of the labels) selects this measure; all by default."""
    return not args.endpoints or any(part in label for part in args.endpoints.split(","))


def health_ceiling(database_url, args, workdir):
    api = Api(database_url, workdir, args)
    try:
        api.ready_after_ms()
        rps, p50, p99, _ = wrk(api.base + "/health", args)
        return rps, p50, p99
    finally:
        api.stop()


READS = [
    ("list goals", "/api/goals/goals/"),
    ("records nutrition_summary 30d", "/api/nutrition/records/nutrition_summary/?days=30"),
    ("ingredient search", "/api/nutrition/ingredients/search/?q=chick"),
    ("measurement trends 90d", "/api/goals/measurements/trends/?days=90"),
    ("list records", "/api/nutrition/records/"),
]


def metric_total(base, name):
    """The sum of a Prometheus metric's samples, over all its labels."""
    with urllib.request.urlopen(base + "/metrics", timeout=10) as response:
        text = response.read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith(name + "{") or line.startswith(name + " "))


def replicas_bench(database_url, replica_url, args, workdir):
    """The reads on the primary alone, then with the replica; where the second run's went."""
    records = dataset.load(str(BIN_DIR / "fithub"), database_url)
    print(f"[postgres] dataset: {records} records", file=sys.stderr)
    rows = []
    for setup, extra in [("primary alone", {}),
                         ("primary + 1 replica", {"FITHUB_DATABASE_REPLICA_URLS": replica_url})]:
        api = Api(database_url, workdir, args, extra)
        try:
            api.ready_after_ms()
            time.sleep(1)
            token = http("POST", api.base + "/api/auth/jwt/token/",
                         {"username": dataset.USERNAME, "password": dataset.PASSWORD})["access"]
            for label, path in READS:
                if not wanted(label, args):
                    continue
                before = metric_total(api.base, "fithub_db_replica_reads_total")
                rps, p50, p99, errors = wrk(api.base + path, args, token)
                on_replica = metric_total(api.base, "fithub_db_replica_reads_total") - before
                rows.append((setup, label, rps, p50, p99, errors, on_replica))
            fallbacks = metric_total(api.base, "fithub_db_replica_fallbacks_total")
        finally:
            api.stop()
    print(f"{'setup':<22}{'read':<34}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'err':>5}"
          f"{'replica statements':>20}")
    for setup, label, rps, p50, p99, errors, on_replica in rows:
        print(f"{setup:<22}{label:<34}{rps:9.0f}{p50:9.2f}{p99:9.2f}{errors:5d}{on_replica:20.0f}")
    print(f"reads the replica failed and the primary served: {fallbacks:.0f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", default=os.environ.get(
        "FITHUB_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--pool", type=int, help="the API's database pool size (default: its own)")
    parser.add_argument("--only", choices=["postgres", "sqlite"])
    parser.add_argument("--endpoints", help="only the measures whose names contain one of these "
                        "comma-separated words, e.g. 'goals,create'")
    parser.add_argument("--api-env", action="append", default=[], metavar="KEY=VALUE",
                        help="an environment variable for the API, e.g. FITHUB_AUTH_CACHE_SECS=0")
    parser.add_argument("--bin-dir", type=Path,
                        help="use the fithub and fithub-api already built in this folder")
    parser.add_argument("--replicas", nargs="?", const=os.environ.get(
        "FITHUB_TEST_REPLICA_URL", "postgres://postgres@127.0.0.1:5433/postgres"),
        metavar="REPLICA_URL", help="measure the reads with and without this replica")
    args = parser.parse_args()
    missing = [tool for tool in ("wrk", "pgbench", "psql", "cargo") if not shutil.which(tool)]
    if missing:
        sys.exit(f"missing {', '.join(missing)} (Debian: apt install wrk postgresql-client)")
    global BIN_DIR
    if args.bin_dir:
        BIN_DIR = args.bin_dir.resolve()
    else:
        # Measure what is checked out: build (a no-op when nothing changed) before anything else.
        subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "fithub-api", "-p",
                        "fithub-cli"], cwd=ROOT, check=True)

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        ceilings = {"pgbench": pgbench(args.postgres, args)}
        if args.replicas:
            name = f"fithub_bench_{uuid.uuid4().hex[:8]}"
            subprocess.run(["psql", args.postgres, "-qc", f"CREATE DATABASE {name}"], check=True)
            try:
                url = f"{args.postgres.rsplit('/', 1)[0]}/{name}"
                replica = f"{args.replicas.rsplit('/', 1)[0]}/{name}"
                replicas_bench(url, replica, args, workdir)
            finally:
                subprocess.run(["psql", args.postgres, "-qc",
                                f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=True)
            print(f"ceiling: pgbench -S -M prepared {ceilings['pgbench']:.0f} tps "
                  f"({args.connections} connections, {args.duration} s)")
            return
        ceilings["health"] = health_ceiling(f"sqlite://{workdir}/health.db", args, workdir)
        if args.only in (None, "postgres"):
            name = f"fithub_bench_{uuid.uuid4().hex[:8]}"
            subprocess.run(["psql", args.postgres, "-qc", f"CREATE DATABASE {name}"], check=True)
            try:
                url = f"{args.postgres.rsplit('/', 1)[0]}/{name}"
                bench("postgres", url, args.postgres, args, workdir, results, ceilings)
            finally:
                subprocess.run(["psql", args.postgres, "-qc",
                                f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=True)
        if args.only in (None, "sqlite"):
            bench("sqlite", f"sqlite://{workdir}/bench.db", args.postgres, args, workdir, results,
                  ceilings)

    health_rps, health_p50, health_p99 = ceilings["health"]
    print(f"ceilings ({args.connections} connections, {args.duration} s, {os.cpu_count()} cores):")
    print(f"  pgbench -S -M prepared: {ceilings['pgbench']:.0f} tps")
    print(f"  GET /health: {health_rps:.0f} req/s, p50 {health_p50:.2f} ms, p99 {health_p99:.2f} ms")
    print(f"{'db':<9}{'measure':<37}{'value':>10}{'p50 ms':>9}{'p99 ms':>9}{'err':>5}  budget")
    for db, label, value, p50, p99, errors, budget, met in results:
        p50s = f"{p50:9.2f}" if p50 is not None else " " * 9
        p99s = f"{p99:9.2f}" if p99 is not None else " " * 9
        print(f"{db:<9}{label:<37}{value:10.1f}{p50s}{p99s}{errors:5d}  {'ok  ' if met else 'MISS'} {budget}")


if __name__ == "__main__":
    main()
