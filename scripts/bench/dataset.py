#!/usr/bin/env python3
"""The benchmark's dataset, loaded through FitHub's core (`fithub import`).

1,000 users; for the user `bench` (password below): 2,000 ingredients (half public, half
personal), 50 goals, two years of daily weight and weekly body fat, an active diet with
3 meals of 5 ingredients, and 3 records a day for the last year (366 days, a diary's longest
range). Dates are relative to today, so that "the last 30 days" always has data.

    scripts/bench/dataset.py --database-url sqlite://bench.db
"""

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
USERNAME = "bench"
PASSWORD = "violet-Harbor-47-kite"
# Days of records, today included: the longest diary.
RECORD_DAYS = 366


def fithub(binary, database_url, *args, stdin=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FITHUB_")}
    env["DATABASE_URL"] = database_url
    done = subprocess.run(
        [binary, *args], env=env, input=stdin, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"fithub {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def password_hash(binary):
    """A real argon2 hash of PASSWORD, made by `fithub user create` in a scratch database."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite://{tmp}/scratch.db"
        fithub(binary, url, "migrate")
        fithub(binary, url, "user", "create", "--username", USERNAME, "--password-stdin",
               stdin=PASSWORD + "\n")
        for line in fithub(binary, url, "export").splitlines():
            record = json.loads(line)
            if record["type"] == "user":
                return record["data"]["password_hash"]
    sys.exit("no user in the scratch export")


def stamp(at):
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def write_archive(path, hashed):
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    today = now.date()
    lines = []
    count = 0

    def add(kind, data):
        nonlocal count
        lines.append(json.dumps({"type": kind, "data": data}, separators=(",", ":")))
        count += 1

    created = stamp(now - dt.timedelta(days=800))
    for user_id in range(1, 1001):
        add("user", {
            "id": user_id, "username": USERNAME if user_id == 1 else f"member{user_id:04d}",
            "email": "", "first_name": "", "last_name": "", "password_hash": hashed,
            "is_active": True, "is_staff": False, "is_superuser": False,
            "date_joined": created, "last_login": None,
        })
    for category_id in range(1, 11):
        add("category", {"id": category_id, "name": f"Category {category_id}", "parent_id": None,
                         "created_by": None, "created_at": created, "updated_at": created})
    foods = ["chicken", "rice", "oats", "cheese", "apple", "beans", "tofu", "salmon", "bread", "milk"]
    for ingredient_id in range(1, 2001):
        personal = ingredient_id > 1000
        add("ingredient", {
            "id": ingredient_id, "name": f"{foods[ingredient_id % 10]} {ingredient_id:04d}",
            "category_id": 1 + ingredient_id % 10, "proteins": 5 + ingredient_id % 20,
            "fats": 1 + ingredient_id % 15, "carbs": 10 + ingredient_id % 50,
            "calories": 50 + ingredient_id % 400, "fibers": ingredient_id % 10,
            "sugars": ingredient_id % 12, "description": f"food number {ingredient_id}",
            "is_personal": personal, "created_by": 1 if personal else None,
            "created_at": created, "updated_at": created,
        })
    add("diet", {
        "id": 1, "user_id": 1, "name": "Lean bulk", "day_proteins_g": 160, "day_fats_g": 70,
        "day_carbohydrates_g": 300, "day_calories_kcal": 2500, "is_active": True,
        "start_date": str(today - dt.timedelta(days=400)), "end_date": None, "notes": "",
        "created_at": created, "updated_at": created,
    })
    for meal_id, name in [(1, "Breakfast"), (2, "Lunch"), (3, "Dinner")]:
        add("meal", {
            "id": meal_id, "user_id": 1, "diet_id": 1, "name": name, "description": None,
            "is_scheduled": True, "start_date": None, "end_date": None, "start_time": None,
            "duration_minutes": 30, "recurrence_type": "daily", "recurrence_until": None,
            "meal_type": "regular", "created_at": created, "updated_at": created,
        })
    item_id = 0
    for meal_id in (1, 2, 3):
        for k in range(5):
            item_id += 1
            add("meal_ingredient", {
                "id": item_id, "user_id": 1, "meal_id": meal_id,
                "ingredient_id": 1 + (meal_id * 97 + k * 13) % 2000, "barcode": None,
                "quantity": 50 + 10 * k, "unit": "g", "created_at": created, "updated_at": created,
            })
    record_id = 0
    for day in range(RECORD_DAYS):
        for hour, meal_id in [(7, 1), (12, 2), (19, 3)]:
            record_id += 1
            at = stamp(dt.datetime.combine(today - dt.timedelta(days=day), dt.time(hour),
                                           tzinfo=dt.timezone.utc))
            ad_hoc = record_id % 5 == 0
            add("meal_record", {
                "id": record_id, "user_id": 1, "meal_id": None if ad_hoc else meal_id,
                "meal_name": "Snack" if ad_hoc else None, "quantity_grams": None,
                "calories": 250 if ad_hoc else None, "proteins": 10 if ad_hoc else None,
                "carbs": 30 if ad_hoc else None, "fats": 8 if ad_hoc else None,
                "timestamp": at, "feedback": None, "created_at": at, "updated_at": at,
            })
    goal_types = ["weight_loss", "muscle_gain", "endurance", "strength", "flexibility",
                  "general_fitness"]
    for n in range(50):
        at = stamp(now - dt.timedelta(days=n))
        add("goal", {
            "id": str(uuid.uuid4()), "user_id": 1, "goal_type": goal_types[n % 6],
            "target_date": str(today + dt.timedelta(days=n - 10)), "notes": f"goal {n}",
            "is_active": n % 3 != 0, "created_at": at, "updated_at": at,
        })
    measurement_id = 0
    for day in range(730):
        at = stamp(now - dt.timedelta(days=day))
        measurement_id += 1
        add("body_measurement", {
            "id": measurement_id, "user_id": 1, "metric": "weight_kg", "measurement_type": "log",
            "value": 80 - day / 100, "timestamp": at, "created_at": at, "updated_at": at,
        })
        if day % 7 == 0:
            measurement_id += 1
            add("body_measurement", {
                "id": measurement_id, "user_id": 1, "metric": "body_fat_percentage",
                "measurement_type": "log", "value": 20 + day / 200, "timestamp": at,
                "created_at": at, "updated_at": at,
            })
    header = {"format": "fithub-archive", "format_version": 1, "schema_version": 1,
              "created_at": stamp(now), "scope": {"kind": "all"}}
    with open(path, "w") as out:
        out.write(json.dumps({"type": "header", "data": header}) + "\n")
        out.write("\n".join(lines) + "\n")
        out.write(json.dumps({"type": "end", "data": {"records": count}}) + "\n")
    return count


def accepts(binary, command, flag):
    """Whether `fithub COMMAND` knows FLAG."""
    usage = subprocess.run([binary, command, "--help"], capture_output=True, text=True)
    return flag in usage.stdout


def load(binary, database_url):
    """Migrates `database_url` and fills it with the dataset."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "dataset.jsonl"
        records = write_archive(archive, password_hash(binary))
        fithub(binary, database_url, "migrate")
        # The bench user logs in with the archive's password hash: an archive we wrote ourselves.
        # Builds from before --trust-credentials (compared back to back) took hashes as they came.
        trust = ["--trust-credentials"] if accepts(binary, "import", "--trust-credentials") else []
        fithub(binary, database_url, "import", *trust, str(archive))
    return records


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--fithub", default=str(ROOT / "target/release/fithub"))
    args = parser.parse_args()
    records = load(args.fithub, args.database_url)
    print(f"loaded {records} records; log in as {USERNAME} / {PASSWORD}")


if __name__ == "__main__":
    main()
