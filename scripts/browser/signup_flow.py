#!/usr/bin/env python3
"""A real browser through FitHub's pages: headless Chromium, driven by Selenium over Debian's
chromedriver, against the real `fithub-api` binary on a fresh SQLite database.

It signs up on /auth/signup/ (first with a weak password, to see the field error beside its
field), lands on the home page signed in and greeted by name, calls /auth/user-info/ and creates
a diet through /api/ from the page's own JavaScript with the X-CSRFToken header (and is refused
without it), then signs out. Any JavaScript error on a page fails the run. Chromium that cannot
start is a failure, never a skip.

    python3 scripts/browser/signup_flow.py --binary target/debug/fithub-api [--screenshots DIR]
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

PASSWORD = "violet-Harbor-47-kite"
WAIT_SECONDS = 15


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_api(binary, workdir):
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "FITHUB_BIND": f"127.0.0.1:{port}",
        "DATABASE_URL": f"sqlite://{workdir}/browser.db",
        "FITHUB_JWT_SECRET": "browser-test-secret-browser-test-secret-0123",
        "FITHUB_LOG_FORMAT": "json",
        "FITHUB_LOG_LEVEL": "warn",
    }
    log = open(os.path.join(workdir, "api.log"), "w")
    process = subprocess.Popen([binary], cwd=workdir, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"fithub-api exited with {process.returncode}; see {log.name}")
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=1) as answer:
                if answer.status == 200:
                    return process, base
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("fithub-api did not become healthy within 30 s")


def start_browser():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--window-size=1200,900", "--disable-gpu"]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    try:
        return webdriver.Chrome(service=service, options=options)
    except Exception as error:  # noqa: BLE001 - any failure to start is the test's failure
        raise SystemExit(f"FAIL: Chromium cannot start: {error}") from error


def page_fetch(driver, method, path, body=None, csrf=True):
    """Runs fetch() inside the page: the browser's cookies, the page's origin."""
    script = """
        const [method, path, body, csrf, done] = arguments;
        const token = (document.cookie.match(/(?:^|;\\s*)csrftoken=([^;]*)/) || [])[1] || "";
        const headers = {"Content-Type": "application/json"};
        if (csrf) headers["X-CSRFToken"] = decodeURIComponent(token);
        fetch(path, {method, headers, credentials: "include",
                     body: body === null ? undefined : JSON.stringify(body)})
          .then(async (r) => done({status: r.status, body: await r.json()}))
          .catch((e) => done({status: 0, body: String(e)}));
    """
    return driver.execute_async_script(script, method, path, body, csrf)


def expect(condition, message):
    if not condition:
        raise AssertionError(message)
    print(f"ok - {message}")


def no_script_errors(driver, where):
    # Refused requests (a 400 the page shows, a 403 on purpose) are logged as "network"
    # entries: they are answers, not script errors.
    errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"
              and entry.get("source") != "network"]
    expect(not errors, f"no JavaScript error on {where}: {errors}")


def run(driver, base, shots):
    wait = WebDriverWait(driver, WAIT_SECONDS)

    def shot(name):
        if shots:
            driver.save_screenshot(os.path.join(shots, f"fithub-{name}.png"))

    driver.set_script_timeout(WAIT_SECONDS)
    for path, name in [("/", "home-anonymous"), ("/about/", "about"),
                       ("/auth/signin/", "signin")]:
        driver.get(base + path)
        try:
            wait.until(ec.presence_of_element_located((By.TAG_NAME, "h1")))
        except Exception:
            print(driver.page_source[:2000], file=sys.stderr)
            raise
        no_script_errors(driver, path)
        shot(name)

    driver.get(base + "/auth/signup/")
    form = wait.until(ec.presence_of_element_located((By.ID, "signup")))
    shot("signup")
    values = {"username": "ada", "email": "ada@example.com", "first_name": "Ada",
              "password": "12345678", "password_confirm": "12345678"}
    for name, value in values.items():
        form.find_element(By.NAME, name).send_keys(value)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    error = wait.until(ec.visibility_of_element_located(
        (By.CSS_SELECTOR, '[data-error-for="password"]')))
    expect("too common" in error.text, f"the weak password's error is beside it: {error.text!r}")
    shot("signup-errors")

    for name in ["password", "password_confirm"]:
        field = form.find_element(By.NAME, name)
        field.clear()
        field.send_keys(PASSWORD)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    greeting = wait.until(ec.presence_of_element_located((By.ID, "greeting")))
    expect(greeting.text == "Hello, Ada!", f"signed in and greeted: {greeting.text!r}")
    docs = driver.find_element(By.ID, "docs-link").get_attribute("href")
    expect(docs == base + "/api/docs/", f"the home page links to the API docs: {docs}")
    no_script_errors(driver, "the signed-in home page")
    shot("home")

    info = page_fetch(driver, "GET", "/auth/user-info/")
    expect(info["status"] == 200 and info["body"]["user"]["username"] == "ada",
           f"/auth/user-info/ names the user: {info}")
    diet = {"name": "Browser cut", "day_proteins_g": 150, "day_fats_g": 60,
            "day_carbohydrates_g": 200, "day_calories_kcal": 2000}
    refused = page_fetch(driver, "POST", "/api/nutrition/diets/", diet, csrf=False)
    expect(refused["status"] == 403
           and refused["body"] == {"detail": "CSRF Failed: CSRF token missing."},
           f"a write without the CSRF header is refused: {refused}")
    created = page_fetch(driver, "POST", "/api/nutrition/diets/", diet)
    expect(created["status"] == 201 and created["body"]["user"]["username"] == "ada",
           f"a diet is created through /api/ with the CSRF header: {created['status']}")
    listed = page_fetch(driver, "GET", "/api/nutrition/diets/")
    expect(listed["body"]["count"] == 1, f"exactly one diet was written: {listed['body']}")

    driver.find_element(By.CSS_SELECTOR, "[data-sign-out]").click()
    wait.until(ec.presence_of_element_located((By.LINK_TEXT, "Sign in")))
    after = page_fetch(driver, "GET", "/auth/user-info/")
    expect(after["status"] == 401, f"signed out: /auth/user-info/ answers {after['status']}")
    no_script_errors(driver, "the page after signing out")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default="target/debug/fithub-api")
    parser.add_argument("--screenshots", help="a folder for PNG screenshots of the pages")
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    with tempfile.TemporaryDirectory(prefix="fithub-browser-") as workdir:
        api, base = start_api(binary, workdir)
        try:
            driver = start_browser()
            try:
                run(driver, base, args.screenshots)
            finally:
                driver.quit()
        except AssertionError as failure:
            print(f"FAIL: {failure}", file=sys.stderr)
            return 1
        except Exception as failure:  # noqa: BLE001 - a timeout or a driver error fails the run
            print(f"FAIL: {type(failure).__name__}: {failure}", file=sys.stderr)
            with open(os.path.join(workdir, "api.log")) as log:
                print(log.read()[-4000:], file=sys.stderr)
            return 1
        finally:
            api.terminate()
            try:
                api.wait(timeout=10)
            except subprocess.TimeoutExpired:
                api.kill()
    print("browser flow: 1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
