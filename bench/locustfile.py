"""The load test's virtual users (bench/load.py runs them with locust as a library).

- PiUser plays the PIs: takes an alliance (one its assistant prepared, else one nobody has
  touched), logs in as its PI, opens the alliance, its open KPI filing, reads the three
  ledger lists, adds a ledger record or two with the forms the pages use, runs the check
  and, when it passes, certifies and submits; the alliance is then done. The next
  iteration takes the next alliance.
- AssistantUser plays the approved assistants: takes an untouched alliance, logs in as its
  assistant, opens the KPI dashboard and the ledger, adds a revenue entry, an outcome,
  an activity and one to three more records (rereading the revenue list now and then),
  runs the check, and hands the alliance to the PIs.
- OfficeUser plays the programme office: logs in once with its own account and TOTP code,
  then opens the field report of last year, the review queue and the alliance directory,
  asks for the summary workbook of the last two years, follows its progress page until
  the worker has made it, and downloads it.
- BareUser asks for /healthz/live (a bare Django view) without pause: the ceiling.

Between two steps a user thinks 1–3 s (PLAN.think). Every request is checked: a status other
than 2xx (redirects are followed, as a browser does) or a page without what it must show
(the saved record's list, the check's "no errors", the submitted state, a workbook) is an
error. At the deadline users stop at their next pause, never between a submission and its
answer, so that the submissions seen are the ones made.
"""

import base64
import datetime as dt
import hashlib
import hmac
import itertools
import random
import struct
import time
from collections import deque

import gevent
from locust import HttpUser, constant, task
from locust.clients import LocustHttpAdapter
from urllib3 import PoolManager


class Stopped(Exception):
    """The phase's deadline passed: the user stops at this pause."""


class Plan:
    """What the users share: the accounts, the two servers, the alliances still to play."""

    def __init__(self):
        self.accounts: dict = {}
        self.hosts: dict = {}  # "A"/"B" → base URL
        self.think = (1.0, 3.0)
        self.deadline = float("inf")
        self.export_timeout = 120.0
        self.untouched: deque = deque()  # alliances nobody has opened
        self.prepared: deque = deque()  # alliances an assistant prepared, for their PI
        self.posted: list[int] = []  # alliances whose submission succeeded
        self.busy = 0  # users inside an iteration
        self.office = itertools.count()
        self.sequence = itertools.count()

    def configure(self, accounts: dict, hosts: dict, think=(1.0, 3.0)):
        self.accounts = accounts
        self.hosts = hosts
        self.think = think
        self.untouched = deque(accounts["alliances"])
        self.prepared = deque()
        self.posted = []
        self.busy = 0
        self.office = itertools.count()
        self.sequence = itertools.count()


PLAN = Plan()


def totp(secret: str, at: float | None = None) -> str:
    """RFC 6238: HMAC-SHA1, 30 s steps, 6 digits, base32 secret."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // 30)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


def roc_date(day: dt.date) -> str:
    return f"{day.year - 1911}.{day.month:02d}.{day.day:02d}"


class PortalUser(HttpUser):
    abstract = True
    host = "http://127.0.0.1"  # replaced by the user's instance
    wait_time = constant(0)  # the pauses are inside the iterations
    scenario = ""

    def __init__(self, environment):
        super().__init__(environment)
        self.index = next(PLAN.sequence)
        self.instance = "A" if self.index % 2 == 0 else "B"
        self.client.base_url = PLAN.hosts[self.instance]
        # Every user comes from an address of its own (127.0.0.0/8 is all loopback), as
        # people do: allauth limits logins per address (30 a minute).
        source = (f"127.0.0.{10 + self.index % 240}", 0)
        self.client.mount("http://", LocustHttpAdapter(PoolManager(source_address=source)))

    def context(self) -> dict:
        return {"scenario": self.scenario, "instance": self.instance}

    # --- helpers -------------------------------------------------------------------------

    def pause(self) -> None:
        if time.time() >= PLAN.deadline:
            raise Stopped
        gevent.sleep(random.uniform(*PLAN.think))
        if time.time() >= PLAN.deadline:
            raise Stopped

    def csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    def call(self, method, path, name, *, data=None, check=None):
        """One request (and the redirects it leads to); an error unless it ends in 2xx and
        `check(response)` returns None. `response.passed` says which."""
        with self.client.request(
            method, path, name=name, data=data, allow_redirects=True, catch_response=True
        ) as response:
            if response.status_code == 0:
                problem = f"no answer: {type(response.error).__name__}: {response.error}"
            elif not 200 <= response.status_code < 300:
                problem = f"HTTP {response.status_code}"
            else:
                problem = check(response) if check else None
            response.passed = problem is None
            if problem:
                response.failure(problem[:200])
            return response

    def post(self, path, name, data, check=None):
        return self.call(
            "POST", path, name, data={"csrfmiddlewaretoken": self.csrf(), **data}, check=check
        )

    def login(self, email: str, secret: str | None = None) -> bool:
        self.client.cookies.clear()
        self.call("GET", "/accounts/login/", "login form")
        self.pause()

        def arrived(response):
            want = "/accounts/2fa/authenticate/" if secret else "/dashboard/"
            if not response.url.endswith(want):
                return f"login ended at {response.url}"
            return None

        response = self.post(
            "/accounts/login/",
            "login",
            {"login": email, "password": PLAN.accounts["password"]},
            check=arrived,
        )
        if not response.passed or arrived(response) is not None:
            return False
        if secret:
            self.pause()
            response = self.post(
                "/accounts/2fa/authenticate/",
                "login: TOTP code",
                {"code": totp(secret)},
                check=lambda r: None if r.url.endswith("/dashboard/") else f"TOTP ended at {r.url}",
            )
            return response.passed and response.url.endswith("/dashboard/")
        return True

    def iteration(self, play) -> None:
        PLAN.busy += 1
        try:
            play()
        except Stopped:
            pass
        finally:
            PLAN.busy -= 1
        if time.time() >= PLAN.deadline:
            while True:  # done: wait for the runner to end the phase
                gevent.sleep(1)


class AllianceUser(PortalUser):
    abstract = True

    def year_path(self, alliance) -> str:
        return f"/alliances/{alliance['pk']}"

    def add_record(self, alliance, kind: str) -> bool:
        year = PLAN.accounts["year"]
        base = f"/alliances/{alliance['pk']}/ledger/{year}/{kind}"
        self.call("GET", f"{base}/new/", f"ledger: new {kind} form")
        self.pause()
        start = dt.date(year + 1911, 2, 1)
        last = min(dt.date.today() - dt.timedelta(days=1), dt.date(year + 1912, 1, 31))
        day = roc_date(start + dt.timedelta(days=random.randint(0, (last - start).days)))
        firm = random.choice(alliance["ubns"]) if alliance["ubns"] else ""
        data = {
            "revenue": {
                "kind": "other_operating",
                "date": day,
                "amount": str(random.randrange(5_000, 60_001, 1_000)),
                "payer_name": "技術講習學員",
                "payer_kind": "individual",
                "freely_usable": "on",
                "description": "講習課程收入（負載測試）",
            },
            "outcomes": {
                "kind": "new_product",
                "title": "新產品（負載測試）",
                "date": day,
                "firm": firm,
                "applicant": "firm",
                "quantity": "1",
                "amount": "0",
                "description": "",
            },
            "activities": {
                "kind": "consulting",
                "title": "專業諮詢（負載測試）",
                "date": day,
                "firm": firm,
                "attendees": "",
                "other_attendees": "0",
                "description": "",
            },
        }[kind]

        def saved(response):
            if not response.url.rstrip("/").endswith(base):
                return f"not saved (ended at {response.url})"
            return None

        response = self.post(f"{base}/new/", f"ledger: save {kind}", data, check=saved)
        return response.passed and saved(response) is None

    def check(self, alliance) -> bool:
        year, kind = PLAN.accounts["year"], PLAN.accounts["filing"]
        path = f"/alliances/{alliance['pk']}/filings/{year}/{kind}/check/"
        response = self.call(
            "GET",
            path,
            "filing: check",
            check=lambda r: None if 'class="flag-ok"' in r.text else "the check found errors",
        )
        return response.passed and 'class="flag-ok"' in response.text


class PiUser(AllianceUser):
    scenario = "PI"

    @task
    def play(self):
        self.iteration(self._play)

    def _play(self):
        alliance = (PLAN.prepared or PLAN.untouched or [None])[0]
        if alliance is None:
            gevent.sleep(5)  # every alliance is played
            return
        (PLAN.prepared if PLAN.prepared else PLAN.untouched).popleft()
        prepared = "prepared" in alliance
        year, kind = PLAN.accounts["year"], PLAN.accounts["filing"]
        if not self.login(alliance["pi"]):
            return
        self.pause()
        self.call("GET", f"/alliances/{alliance['pk']}/", "alliance dashboard")
        self.pause()
        filing = f"/alliances/{alliance['pk']}/filings/{year}/{kind}/"
        self.call("GET", filing, "filing")
        kinds = ["revenue"] if prepared else ["revenue", random.choice(["outcomes", "activities"])]
        # The PI reads what the assistant entered before adding their own.
        for listing in ("revenue", "outcomes", "activities"):
            self.pause()
            self.call("GET", f"/alliances/{alliance['pk']}/ledger/{year}/{listing}/", "ledger list")
        for record in kinds:
            self.pause()
            if not self.add_record(alliance, record):
                return
        self.pause()
        if not self.check(alliance):
            return
        self.pause()

        def submitted(response):
            if not response.url.endswith(filing):
                return f"not submitted (ended at {response.url})"
            if 'class="state state-submitted"' not in response.text:
                return "the filing page does not show the submitted state"
            return None

        response = self.post(
            f"{filing}submit/",
            "filing: certify and submit",
            {"confirm": "on", "name": alliance["pi_name"]},
            check=submitted,
        )
        if response.passed and submitted(response) is None:
            PLAN.posted.append(alliance["pk"])


class AssistantUser(AllianceUser):
    scenario = "assistant"

    @task
    def play(self):
        self.iteration(self._play)

    def _play(self):
        if not PLAN.untouched:
            gevent.sleep(5)
            return
        alliance = PLAN.untouched.popleft()
        year = PLAN.accounts["year"]
        if not self.login(alliance["assistant"]):
            return
        self.pause()
        self.call("GET", f"/alliances/{alliance['pk']}/kpi/{year}/", "KPI dashboard")
        self.pause()
        self.call("GET", f"/alliances/{alliance['pk']}/ledger/{year}/revenue/", "ledger list")
        # A sitting's work: several records, as an assistant enters a month's receipts.
        kinds = ["revenue", "outcomes", "activities"]
        kinds += random.choices(kinds, k=random.randint(1, 3))
        for record in kinds:
            self.pause()
            if not self.add_record(alliance, record):
                return
            if record == "revenue" and random.random() < 0.5:
                self.pause()
                listing = f"/alliances/{alliance['pk']}/ledger/{year}/revenue/"
                self.call("GET", listing, "ledger list")
        self.pause()
        if self.check(alliance):
            PLAN.prepared.append({**alliance, "prepared": True})


class OfficeUser(PortalUser):
    scenario = "office"

    def on_start(self):
        accounts = PLAN.accounts["office"]
        self.account = accounts[next(PLAN.office) % len(accounts)]
        self.logged_in = False

    @task
    def play(self):
        self.iteration(self._play)

    def _play(self):
        if not self.logged_in:
            self.logged_in = self.login(self.account["email"], self.account["secret"])
            if not self.logged_in:
                gevent.sleep(5)
                return
            self.pause()
        year, first = PLAN.accounts["report_year"], PLAN.accounts["first_year"]
        self.call("GET", f"/reports/{year}/", "reports: field report")
        self.pause()
        self.call("GET", "/office/review/", "review queue")
        self.pause()
        self.call("GET", "/directory/", "directory")
        self.pause()

        def progress_page(response):
            if "/reports/exports/" not in response.url:
                return f"export not started (ended at {response.url})"
            return None

        response = self.post(
            "/reports/exports/new/",
            "export: ask",
            {"kind": "summary_xlsx", "year": str(year), "first": str(first)},
            check=progress_page,
        )
        if not response.passed or progress_page(response):
            return
        page = response.url
        started = time.time()
        while "/download/" not in response.text:
            if 'state-failed"' in response.text:
                return
            if time.time() - started > PLAN.export_timeout:
                self.call("GET", page, "export: progress", check=lambda r: "export not ready")
                return
            gevent.sleep(2)  # the page's own script asks again every two seconds
            if time.time() >= PLAN.deadline:
                raise Stopped
            response = self.call("GET", page, "export: progress")
            if not response.passed:
                return
        self.pause()
        self.call(
            "GET",
            page.rstrip("/") + "/download/",
            "export: download",
            check=lambda r: None if r.content[:2] == b"PK" else "not a workbook",
        )


class BareUser(PortalUser):
    scenario = "bare view"

    @task
    def live(self):
        if time.time() >= PLAN.deadline:
            gevent.sleep(1)
            return
        PLAN.busy += 1
        try:
            self.call(
                "GET",
                "/healthz/live",
                "/healthz/live",
                check=lambda r: None if r.text.strip() == "ok" else "not ok",
            )
        finally:
            PLAN.busy -= 1
