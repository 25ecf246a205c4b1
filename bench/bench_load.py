"""Benchmark: 50 people at once on the production setup (nginx + gunicorn + PostgreSQL).

Starts the production setup (scripts/serve.sh) on loopback with its own state directory
(keys, a persistent local PostgreSQL cluster or a `bench_load` database on DATABASE_URL's
server), loads the demo into it once (`load_demo`, development settings, the same keys; later
runs reuse it), then for a bounded time drives concurrent users over https through nginx:

- monitors (20): the incident list, a page further, an incident, and now and then the
  incident form filled and recorded;
- viewers (20): the incident list, records shared with them, the statistics table, the
  response gaps, the service list, the home page;
- case workers (10): received referrals, a referral, and its follow-up date changed.

Each virtual user waits a random think time (BENCH_LOAD_THINK seconds on average) between
pages. Monitors and case workers need a two-factor code: the demo code of an account can be
used once per 30 s, so the virtual users of one such account share its session (tabs of one
person); viewers log in one by one. A baseline is measured in the same run, through the
same nginx and gunicorn: /health/ (Django's whole middleware, no database) and a static
file (nginx alone), idle before the load and all along it; figures are also given as
ratios to the baseline under load.

Reports throughput, p50/p95/max latency and errors per page kind, and whether the goal holds
(no error; p95 of list pages under 1 s). Environment:

    BENCH_LOAD_SECONDS   duration of the load (default 120)
    BENCH_LOAD_USERS     virtual users (default 50: 40% monitors, 40% viewers, 20% case workers)
    BENCH_LOAD_THINK     mean think time in seconds (default 5; people in the field read a
                         page for longer, 1 makes it a stress test)
    BENCH_LOAD_INCIDENTS demo incidents loaded on first use (default 3000)
    BENCH_LOAD_DIR       state directory (default var/bench-load; keys, PostgreSQL, nginx)
    BENCH_LOAD_PORT      https port (default 18543); BENCH_LOAD_PGPORT (default 54336)
    DATABASE_URL         a PostgreSQL server to use instead of a local cluster: the bench
                         creates and keeps its database there (BENCH_LOAD_DB, bench_load)
    BENCH_LOAD_URL       instead: an already running setup with the demo users loaded
                         (e.g. https://localhost:8443), BENCH_LOAD_CAFILE its certificate

Exits 0 saying why when nginx or PostgreSQL is not installed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import http.client
import os
import random
import re
import shutil
import signal
import ssl
import statistics
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = ROOT / ".venv" / "bin" / "python"
if not PY.exists():
    PY = Path(sys.executable)

SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "120"))
USERS = int(os.environ.get("BENCH_LOAD_USERS", "50"))
THINK = float(os.environ.get("BENCH_LOAD_THINK", "5.0"))
INCIDENTS = int(os.environ.get("BENCH_LOAD_INCIDENTS", "3000"))
STATE = Path(os.environ.get("BENCH_LOAD_DIR", ROOT / "var" / "bench-load")).resolve()
PORT = int(os.environ.get("BENCH_LOAD_PORT", "18543"))
PGPORT = int(os.environ.get("BENCH_LOAD_PGPORT", "54336"))
DATABASE = os.environ.get("BENCH_LOAD_DB", "bench_load")
PGBIN = Path(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"))
HOST = "localhost"
PASSWORD = "Passerelle-2013!"  # noqa: S105 — the published demo password
# The published demo two-factor secret (passerelle/demo/otp.py), never used in production.
DEMO_TOTP_SECRET = "PASSERELLEDEMOMALITWENTYTHIRTEEN"  # noqa: S105

MONITORS = [
    "drc.monitor", "unhcr.monitor", "oxfam.monitor", "unicef.monitor", "unfpa.monitor",
    "hrd.monitor", "cpa.monitor", "wpa.monitor", "addf.monitor", "rspe.monitor",
    "aeat.monitor", "afpcs.monitor",
]  # fmt: skip
VIEWERS = ["drc.viewer", "hrd.viewer"]
CASE_WORKERS = ["unfpa.case_worker", "unicef.case_worker", "drc.case_worker"]
LIST_KINDS = ("list",)
SERVER_GROUP: list[int] = []  # process group of the setup this run started (CPU accounting)


def say(message: str) -> None:
    print(f"[bench_load {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --------------------------------------------------------------------------- TOTP


def totp(step: int) -> str:
    """RFC 6238 code of the demo secret for a 30-second step."""
    key = base64.b32decode(DEMO_TOTP_SECRET)
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


# --------------------------------------------------------------------------- measurements


@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    times: dict = field(default_factory=lambda: defaultdict(list))
    errors: dict = field(default_factory=lambda: defaultdict(int))
    error_samples: list = field(default_factory=list)
    recording: bool = False

    def add(self, kind: str, seconds: float, error: str | None = None) -> None:
        if not self.recording:
            return
        with self.lock:
            self.times[kind].append(seconds)
            if error:
                self.errors[kind] += 1
                if len(self.error_samples) < 15:
                    self.error_samples.append(f"{kind}: {error}")


def group_cpu() -> float | None:
    """CPU seconds used so far by the live processes of the setup's process group (gunicorn,
    nginx, the worker; the local PostgreSQL cluster too when it is the setup's own)."""
    if not SERVER_GROUP or not Path("/proc/self/stat").exists():
        return None
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # from field 3 (state) on
        if int(fields[2]) == SERVER_GROUP[0]:  # pgrp
            total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


# --------------------------------------------------------------------------- one browser


class Failed(Exception):
    pass


class Browser:
    """One person's browser: a keep-alive https connection, cookies, CSRF on forms."""

    def __init__(self, origin: str, context: ssl.SSLContext, stats: Stats):
        parsed = urllib.parse.urlsplit(origin)
        self.origin, self.host, self.port = origin, parsed.hostname, parsed.port or 443
        self.context, self.stats = context, stats
        self.cookies: dict[str, str] = {}
        self.connection = None

    def _connection(self):
        if self.connection is None:
            self.connection = http.client.HTTPSConnection(
                self.host, self.port, context=self.context, timeout=60
            )
        return self.connection

    def request(self, method, path, kind, body=None, expect=(200,), record=True):
        headers = {"Accept-Language": "fr", "User-Agent": "bench_load"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + path
        started = time.perf_counter()
        error = None
        status, text, location = 0, "", ""
        for attempt in (1, 2):
            try:
                conn = self._connection()
                conn.request(method, path, body=data, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                status = response.status
                location = response.getheader("Location", "")
                for header in response.headers.get_all("Set-Cookie") or []:
                    cookie = SimpleCookie()
                    cookie.load(header)
                    for name, morsel in cookie.items():
                        self.cookies[name] = morsel.value
                text = payload.decode("utf-8", "replace")
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                break
            except (http.client.HTTPException, OSError) as exc:
                self.close()
                # A keep-alive connection the server closed between two pages: retry once.
                if attempt == 2 or not isinstance(
                    exc, (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)
                ):
                    error = f"{type(exc).__name__} {exc} on {method} {path}"
                    break
        elapsed = time.perf_counter() - started
        if error is None and status not in expect:
            error = f"{status} on {method} {path}"
            if method == "POST" and status == 200:
                error += f" (the form came back: {form_errors(text)})"
        if record:
            self.stats.add(kind, elapsed, error)
        if error:
            raise Failed(error)
        return status, text, location

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def login(self, username: str) -> None:
        _, page, _ = self.request("GET", "/accounts/login/", "login")
        form = {"csrfmiddlewaretoken": csrf_token(page), "username": username, "password": PASSWORD}
        _, _, location = self.request("POST", "/accounts/login/", "login", form, expect=(302,))
        # Follow the redirects: a role that needs two factors lands on the code page.
        path = local(location)
        for _ in range(4):
            status, page, location = self.request("GET", path, "login", expect=(200, 302))
            if status != 302:
                break
            path = local(location)
        if "two-factor" not in path:
            return
        for attempt in (1, 2):
            # A code works once per device: refused when this account already used the
            # current one (an earlier run); then wait for the next (and past the back-off).
            form = {"csrfmiddlewaretoken": csrf_token(page), "code": totp(int(time.time() // 30))}
            status, page, _ = self.request("POST", path, "login", form, expect=(200, 302))
            if status == 302:
                return
            if attempt == 1:
                time.sleep(30 - time.time() % 30 + 2)
        raise Failed(f"two-factor code refused for {username}")


def local(location: str) -> str:
    """The path and query of a redirect's Location."""
    parts = urllib.parse.urlsplit(location)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not match:
        raise Failed("no CSRF token in the page")
    return match.group(1)


def links(page: str, pattern: str) -> list[str]:
    return sorted(set(re.findall(pattern, page)))


# --------------------------------------------------------------------------- forms


TAG = re.compile(r"<(input|select|textarea|option|/select|optgroup|/optgroup)\b([^>]*)>", re.I)
ATTR = re.compile(r'([\w:-]+)(?:="([^"]*)")?')


def form_fields(page: str, needle: str) -> tuple[str, dict, list]:
    """(action, values, required selects) of the first form whose tag or fields hold needle:
    every field's value as the page has it, every required empty select filled with an
    option (a sub-type in the chosen category when options say their category)."""
    forms = re.findall(r"<form\b([^>]*)>(.*?)</form>", page, re.S | re.I)
    for attrs, body in forms:
        action = dict(ATTR.findall(attrs)).get("action", "")
        if needle not in html.unescape(attrs + body):
            continue
        values: dict[str, list[str]] = {}
        selects: list[tuple[str, bool, list[dict]]] = []
        current = None
        for tag, raw in TAG.findall(body):
            a = {k: html.unescape(v) for k, v in ATTR.findall(raw)}
            tag = tag.lower()
            if tag == "input" and a.get("name"):
                kind = a.get("type", "text").lower()
                if kind in ("checkbox", "radio") and "checked" not in a:
                    continue
                if kind in ("submit", "button"):
                    continue
                value = a.get("value", "")
                if not value and "required" in a:
                    value = {"date": time.strftime("%Y-%m-%d"), "number": "1"}.get(
                        kind, "Bench load"
                    )
                values.setdefault(a["name"], []).append(value)
            elif tag == "textarea" and a.get("name"):
                values.setdefault(a["name"], []).append(
                    "Charge de test." if "required" in a else ""
                )
            elif tag == "select":
                current = (a.get("name", ""), "required" in a, [], "data-subtypes" in a)
                if "multiple" in a:
                    current = ("", False, [], False)  # submitted only when chosen: none here
                selects.append(current)
            elif tag == "option" and current is not None:
                current[2].append(a)
            elif tag == "/select":
                current = None
        chosen_category = None
        for name, required, options, chooses_category in selects:
            if not name:
                continue
            # What a browser sends: the selected option, or else the first one.
            selected = [o.get("value", "") for o in options if "selected" in o] or [
                o.get("value", "") for o in options[:1]
            ]
            value = selected[0] if selected else ""
            if not value and required:
                usable = [o for o in options if o.get("value")]
                if chosen_category and any("data-category" in o for o in usable):
                    usable = [o for o in usable if o.get("data-category") == chosen_category]
                if usable:
                    value = random.choice(usable)["value"]
            if chooses_category:
                chosen_category = value
            values[name] = [value]
        return html.unescape(action), values, selects
    raise Failed(f"no form holding {needle}")


# --------------------------------------------------------------------------- people


def think(stop: threading.Event) -> None:
    stop.wait(random.expovariate(1 / THINK) if THINK > 0 else 0)


def monitor(browser: Browser, stop: threading.Event, rng: random.Random) -> None:
    _, page, _ = browser.request("GET", "/incidents/", "list")
    incidents = links(page, r'href="(/incidents/[0-9a-f-]{36}/)"')
    think(stop)
    if rng.random() < 0.5:
        browser.request("GET", "/incidents/?page=2", "list")
        think(stop)
    if incidents:
        browser.request("GET", rng.choice(incidents), "detail")
        think(stop)
    if rng.random() < 0.25:
        _, page, _ = browser.request("GET", "/incidents/new/", "form")
        think(stop)
        _, values, _ = form_fields(page, 'name="occurred_on"')
        browser.request("POST", "/incidents/new/", "write", values, expect=(302,))
        think(stop)


def viewer(browser: Browser, stop: threading.Event, rng: random.Random) -> None:
    pages = [
        ("/incidents/", "list"),
        ("/incidents/?page=2", "list"),
        ("/sharing/received/", "list"),
        ("/referrals/services/", "list"),
        ("/sharing/aggregates/", "statistics"),
        ("/referrals/gaps/", "statistics"),
        ("/", "home"),
    ]
    for path, kind in rng.sample(pages, 3):
        browser.request("GET", path, kind)
        think(stop)


def case_worker(browser: Browser, stop: threading.Event, rng: random.Random) -> None:
    _, page, _ = browser.request("GET", "/referrals/received/", "list")
    referrals = links(page, r'href="(/referrals/[0-9a-f-]{36}/)"')
    think(stop)
    if not referrals:
        browser.request("GET", "/referrals/services/", "list")
        think(stop)
        return
    path = rng.choice(referrals)
    _, page, _ = browser.request("GET", path, "detail")
    think(stop)
    if rng.random() < 0.5 and "/follow-up/" in page:
        action, values, _ = form_fields(page, "/follow-up/")
        due = time.strftime("%Y-%m-%d", time.gmtime(time.time() + rng.randint(1, 20) * 86400))
        values = {**values, "due": [due]}
        browser.request("POST", action, "write", values, expect=(302,))
        think(stop)


def form_errors(page: str) -> str:
    found = re.findall(r'class="[^"]*error[^"]*"[^>]*>(.*?)<', page, re.S)
    return "; ".join(html.unescape(e.strip()) for e in found if e.strip())[:300]


# --------------------------------------------------------------------------- the run


def run_load(origin: str, context: ssl.SSLContext) -> int:
    stats = Stats()
    stop = threading.Event()
    n_case = max(1, USERS // 5)
    n_mon = max(1, (USERS - n_case) // 2)
    n_view = max(1, USERS - n_case - n_mon)
    say(f"{n_mon} monitors, {n_view} viewers, {n_case} case workers for {SECONDS:.0f} s "
        f"(think time {THINK} s) on {origin}")  # fmt: skip

    # Baseline, idle: the same nginx and gunicorn, no page work.
    static_path = find_static(origin, context, stats)
    baseline = Browser(origin, context, stats)
    stats.recording = True
    for _ in range(30):
        baseline.request("GET", "/health/", "idle: /health/")
        baseline.request("GET", static_path, "idle: static file")

    # Sessions: one per two-factor account (its virtual users share it), one per viewer.
    shared: dict[str, dict] = {}
    lock = threading.Lock()

    def session_for(username: str, browser: Browser, two_factor: bool) -> None:
        if not two_factor:
            browser.login(username)
            return
        with lock:
            if username not in shared:
                browser.login(username)
                shared[username] = dict(browser.cookies)
            browser.cookies = dict(shared[username])

    roles = (
        [("monitor", MONITORS[i % len(MONITORS)], True) for i in range(n_mon)]
        + [("viewer", VIEWERS[i % len(VIEWERS)], False) for i in range(n_view)]
        + [("case worker", CASE_WORKERS[i % len(CASE_WORKERS)], True) for i in range(n_case)]
    )
    work = {"monitor": monitor, "viewer": viewer, "case worker": case_worker}
    ready = threading.Barrier(len(roles) + 1)
    failures: list[str] = []

    def person(index: int, role: str, username: str, two_factor: bool) -> None:
        rng = random.Random(index)
        browser = Browser(origin, context, stats)
        try:
            session_for(username, browser, two_factor)
        except Failed as exc:
            failures.append(f"{username}: {exc}")
        try:
            ready.wait(timeout=300)
        except threading.BrokenBarrierError:
            return
        stop.wait(rng.random() * min(5, THINK * 3))  # do not start all in the same instant
        while not stop.is_set():
            try:
                work[role](browser, stop, rng)
            except Failed:
                think(stop)  # recorded already; carry on like a person would
        browser.close()

    threads = [
        threading.Thread(target=person, args=(i, *r), daemon=True) for i, r in enumerate(roles)
    ]
    login_started = time.perf_counter()
    for t in threads:
        t.start()
    ready.wait(timeout=300)
    say(f"{len(roles)} users logged in in {time.perf_counter() - login_started:.1f} s")
    if failures:
        say("login failures: " + "; ".join(failures[:5]))

    # Baseline under load: one request of each every half second.
    def baseline_loop():
        b = Browser(origin, context, stats)
        while not stop.is_set():
            try:
                b.request("GET", "/health/", "load: /health/")
                b.request("GET", static_path, "load: static file")
            except Failed:
                pass
            stop.wait(0.5)
        b.close()

    base_thread = threading.Thread(target=baseline_loop, daemon=True)
    base_thread.start()
    started, cpu_before, load_before = time.perf_counter(), group_cpu(), os.getloadavg()[0]
    stop.wait(SECONDS)
    stop.set()
    elapsed = time.perf_counter() - started
    for t in [*threads, base_thread]:
        t.join(timeout=90)
    stats.recording = False
    cpu = None if cpu_before is None else group_cpu() - cpu_before
    return report(stats, elapsed, cpu, (load_before, os.getloadavg()[0]))


def find_static(origin, context, stats) -> str:
    browser = Browser(origin, context, stats)
    _, page, _ = browser.request("GET", "/accounts/login/", "setup", record=False)
    browser.close()
    match = re.search(r'(/static/[^"]+\.css)', page)
    if not match:
        raise Failed("the login page links no stylesheet")
    return match.group(1)


def report(stats: Stats, elapsed: float, cpu: float | None, load: tuple) -> int:
    kinds = sorted(stats.times, key=lambda k: (k.startswith(("idle", "load")), k))
    pages = [k for k in kinds if not k.startswith(("idle", "load"))]
    total = sum(len(stats.times[k]) for k in pages if k != "login")
    errors = sum(stats.errors[k] for k in pages)
    base = stats.times.get("load: /health/") or [float("nan")]
    base_p50 = statistics.median(base)
    print()
    print(f"{'page kind':<20}{'requests':>9}{'per s':>8}{'p50 ms':>9}{'p95 ms':>9}"
          f"{'max ms':>9}{'errors':>8}{'p50/health':>12}")  # fmt: skip
    for kind in kinds:
        values = stats.times[kind]
        per_s = len(values) / elapsed if not kind.startswith("idle") else float("nan")
        print(
            f"{kind:<20}{len(values):>9}{per_s:>8.1f}{pct(values, 0.5) * 1000:>9.0f}"
            f"{pct(values, 0.95) * 1000:>9.0f}{max(values) * 1000:>9.0f}"
            f"{stats.errors.get(kind, 0):>8}{pct(values, 0.5) / base_p50:>12.1f}"
        )
    print()
    print(f"Throughput: {total / elapsed:.1f} pages/s over {elapsed:.0f} s "
          f"({total} pages, logins not counted); errors: {errors}")  # fmt: skip
    for sample in stats.error_samples:
        print(f"  error: {sample}")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"Machine: {cores} cores, load average {load[0]:.1f} at the start, {load[1]:.1f} at "
          "the end (the load generator and anything else running count in it)")  # fmt: skip
    if cpu is not None and total:
        served = total + sum(len(v) for k, v in stats.times.items() if k.startswith("load"))
        per_page = cpu / served
        print(f"Server CPU (gunicorn, nginx, worker): {cpu:.1f} s for {served} requests, "
              f"{per_page * 1000:.0f} ms per request on average: about "
              f"{cores / per_page:.0f} requests/s if the server had the {cores} cores "
              "to itself")  # fmt: skip
    list_p95 = max((pct(stats.times[k], 0.95) for k in LIST_KINDS if stats.times.get(k)), default=0)
    ok = errors == 0 and list_p95 < 1.0
    print(f"Goal (0 errors, p95 of list pages < 1 s): {'met' if ok else 'NOT met'} "
          f"(errors {errors}, list p95 {list_p95 * 1000:.0f} ms)")  # fmt: skip
    return 0


# --------------------------------------------------------------------------- setup


def clean_env(**extra) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PASSERELLE_", "DJANGO_", "DATABASE_URL"))
    }
    env.update(extra)
    return env


def database_url() -> tuple[str | None, str]:
    """(DATABASE_URL for serve.sh or None for its own local cluster, the URL of that
    database for load_demo)."""
    given = os.environ.get("DATABASE_URL", "")
    if given.startswith("postgres"):
        parts = urllib.parse.urlsplit(given)
        url = urllib.parse.urlunsplit(parts._replace(path=f"/{DATABASE}"))
        import psycopg
        from psycopg import sql

        with psycopg.connect(given, autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]
            ).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
        return url, url
    socket_dir = urllib.parse.quote(str(STATE / "pg"), safe="")
    return None, f"postgres://postgres@{socket_dir}:{PGPORT}/passerelle"


def start_setup() -> tuple[subprocess.Popen, Path]:
    STATE.mkdir(parents=True, exist_ok=True)
    STATE.chmod(0o755)
    serve_url, demo_url = database_url()
    env = clean_env(
        PASSERELLE_SERVE_DIR=str(STATE),
        PASSERELLE_HTTPS_PORT=str(PORT),
        PASSERELLE_HTTP_PORT="0",
        PASSERELLE_PG_PORT=str(PGPORT),
        PASSERELLE_ALLOWED_HOSTS=HOST,
        # The demo's addresses are fictional: the worker's mail goes nowhere.
        PASSERELLE_EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
    )
    if serve_url:
        env["DATABASE_URL"] = serve_url
        subprocess.run(["bash", ROOT / "scripts" / "serve.sh", "keys"], env=env, check=True)  # noqa: S603,S607
    log = STATE / "serve.log"
    say(f"starting the production setup (log: {log})")
    process = subprocess.Popen(  # noqa: S603
        ["bash", str(ROOT / "scripts" / "serve.sh")],  # noqa: S607
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    SERVER_GROUP.append(process.pid)
    deadline = time.time() + 900
    while "Passerelle is serving" not in log.read_text(errors="replace"):
        if process.poll() is not None or time.time() > deadline:
            print(log.read_text(errors="replace")[-4000:])
            raise SystemExit("bench_load: the production setup did not start (log above).")
        time.sleep(1)
    say("serving; loading the demo into it (once: later runs find it loaded)")
    keys = STATE / "keys"
    demo_env = clean_env(
        PASSERELLE_ENV="development",
        PASSERELLE_VAR_DIR=str(STATE / "dev-var"),
        DATABASE_URL=demo_url,
        PASSERELLE_SECRET_KEY=(keys / "secret_key").read_text().strip(),
        PASSERELLE_FIELD_KEY_FILE=str(keys / "field.key"),
        PASSERELLE_AUDIT_KEY_FILE=str(keys / "audit.key"),
    )
    started = time.perf_counter()
    result = subprocess.run(  # noqa: S603
        [str(PY), "manage.py", "load_demo", "--incidents", str(INCIDENTS)],
        cwd=ROOT,
        env=demo_env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        stop_setup(process)
        print(result.stdout[-2000:], result.stderr[-4000:])
        raise SystemExit("bench_load: load_demo failed (output above).")
    say(f"demo ready in {time.perf_counter() - started:.0f} s")
    return process, STATE / "tls" / "selfsigned.crt"


def stop_setup(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    say("production setup stopped")


def main() -> int:
    url = os.environ.get("BENCH_LOAD_URL", "")
    if url:
        context = ssl.create_default_context(cafile=os.environ.get("BENCH_LOAD_CAFILE") or None)
        return run_load(url.rstrip("/"), context)
    if not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists():
        print("bench_load skipped: nginx is not installed (apt-get install nginx).")
        return 0
    if (
        not os.environ.get("DATABASE_URL", "").startswith("postgres")
        and not (PGBIN / "initdb").exists()
    ):
        print(f"bench_load skipped: PostgreSQL 15 is not installed ({PGBIN}/initdb).")
        return 0
    if not shutil.which("openssl"):
        print("bench_load skipped: openssl is not installed.")
        return 0
    process, cafile = start_setup()
    try:
        context = ssl.create_default_context(cafile=str(cafile))
        return run_load(f"https://{HOST}:{PORT}", context)
    finally:
        stop_setup(process)


if __name__ == "__main__":
    sys.exit(main())
