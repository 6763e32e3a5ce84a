"""The load test's virtual users (bench/load.py runs them with locust as a library).

Every user logs in once, when it starts (the "login" scenario, reported on its own: the
login form, the password, and for the office the TOTP code), and then works:

- PiUser, the PI of one alliance of its own: the home page, the alliance, the open KPI
  filing, a ledger list and the member list; until the filing is submitted also a ledger
  record saved through the form the page uses and the check (it must say "no errors");
  from its second round on, certify and submit. After that it goes on reading.
- AssistantUser, the approved assistant of another alliance (never one a PI plays): the KPI
  page, the revenue ledger, a revenue entry, an outcome or an activity, now and then the
  revenue list again, the member list and the check.
- OfficeUser, one office account each, with its TOTP code: the home page, the review
  queue, a filing's review page (one the PIs submitted in this run, else one of last
  year's accepted filings), the field report of last year, the fee bands or the
  self-sufficiency report, the directory and, every other round, the summary workbook of
  the last two years (asked for, its progress page followed until the task workers have
  made it, downloaded).
- In the bare-view phase (PLAN.bare) the same users, logged in the same way, ask for
  /bench/bare/ (bench/urls.py) with the same pauses: the ceiling the pages are measured
  against, through the same servers and middleware.
- LoginUser (the login-capacity phase) logs in again and again without pause as the PIs,
  to measure how many password checks the servers manage a second.

Between two steps a user thinks 1–3 s (PLAN.think). Every request is checked: a status other
than 2xx (redirects are followed, as a browser does) or a page without what it must show
(the saved record's list, the check's "no errors", the submitted state, a workbook, the
user's own address on the bare page) is an error. At the deadline users stop at their next
pause, never between a submission and its answer, so that the submissions seen are the
ones made.
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
        self.used_codes: dict = {}  # office email → the last TOTP code it logged in with
        self.busy = 0  # users inside an iteration
        self.office = itertools.count()
        self.sequence = itertools.count()
        self.bare = False
        self.per_kind: dict = {}
        self.logins = itertools.count()

    def configure(self, accounts: dict, hosts: dict, think=(1.0, 3.0)):
        self.accounts = accounts
        self.hosts = hosts
        self.think = think
        self.posted = []
        self.new_phase(bare=False)

    def new_phase(self, *, bare: bool, think=None) -> None:
        """Each phase starts its users afresh: the PIs take the first alliances, the
        assistants the last ones (never the same), the office its accounts in turn."""
        alliances = self.accounts["alliances"]
        half = len(alliances) // 2
        self.pi_alliances = deque(alliances[:half])
        self.assistant_alliances = deque(reversed(alliances[half:]))
        self.bare = bare
        if think is not None:
            self.think = think
        self.busy = 0
        self.office = itertools.count()
        self.sequence = itertools.count()
        self.per_kind: dict = {}
        self.logins = itertools.count()

    def review_page(self) -> str:
        """A filing's review page: one submitted in this run, else an accepted one."""
        year, kind = self.accounts["year"], self.accounts["filing"]
        if self.posted and random.random() < 0.5:
            pk = random.choice(self.posted)
            return f"/alliances/{pk}/filings/{year}/{kind}/review/"
        return random.choice(self.accounts["reviews"])


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
        # Alternate instances within each kind of user, so each kind is split evenly.
        counter = PLAN.per_kind.setdefault(self.scenario, itertools.count())
        self.instance = "A" if next(counter) % 2 == 0 else "B"
        self.client.base_url = PLAN.hosts[self.instance]
        # Every user comes from an address of its own (127.0.0.0/8 is all loopback), as
        # people do: allauth limits logins per address (30 a minute).
        source = (f"127.0.0.{10 + self.index % 240}", 0)
        self.client.mount("http://", LocustHttpAdapter(PoolManager(source_address=source)))
        self.current = self.scenario
        self.email = ""
        self.logged_in = False

    def context(self) -> dict:
        return {"scenario": self.current, "instance": self.instance}

    # --- logging in once, then working ---------------------------------------------------

    def account(self) -> tuple[str, str | None]:
        """(email, TOTP secret or None) of the account this user logs in with."""
        raise NotImplementedError

    def on_start(self):
        self.email, secret = self.account()
        self.current = "login"
        try:
            self.logged_in = self.login(self.email, secret)
        except Stopped:
            self.logged_in = False
        finally:
            self.current = self.scenario

    @task
    def play(self):
        if not self.logged_in:
            # A failed login is counted as an error; an office user still waiting for its
            # next TOTP code when a short phase ended does not work in that phase.
            gevent.sleep(1)
            return
        self.iteration(self.bare_round if PLAN.bare else self.work)

    def work(self) -> None:
        raise NotImplementedError

    def bare_round(self) -> None:
        self.pause()
        self.call(
            "GET",
            "/bench/bare/",
            "bare view",
            check=lambda r: None if self.email in r.text else "not the user's bare page",
        )

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

    def get(self, path, name, check=None):
        return self.call("GET", path, name, check=check)

    def post(self, path, name, data, check=None):
        return self.call(
            "POST", path, name, data={"csrfmiddlewaretoken": self.csrf(), **data}, check=check
        )

    def login(self, email: str, secret: str | None = None) -> bool:
        self.client.cookies.clear()
        self.get("/accounts/login/", "login form")
        self.pause()

        def arrived(response):
            want = "/accounts/2fa/authenticate/" if secret else "/dashboard/"
            if not response.url.endswith(want):
                return f"login ended at {response.url}"
            return None

        response = self.post(
            "/accounts/login/",
            "login: password",
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
                {"code": self.fresh_code(email, secret)},
                check=lambda r: None if r.url.endswith("/dashboard/") else f"TOTP ended at {r.url}",
            )
            return response.passed and response.url.endswith("/dashboard/")
        return True

    def fresh_code(self, email: str, secret: str) -> str:
        """The authenticator's current code, once it differs from the one this account
        last used: allauth refuses a code used before (the same account logs in again in
        the next phase), so the user waits for the next one, as a person would."""
        code = totp(secret)
        while PLAN.used_codes.get(email) == code:
            if time.time() >= PLAN.deadline:
                raise Stopped
            gevent.sleep(1)
            code = totp(secret)
        PLAN.used_codes[email] = code
        return code

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

    def base(self) -> str:
        return f"/alliances/{self.alliance['pk']}"

    def add_record(self, kind: str) -> bool:
        year = PLAN.accounts["year"]
        base = f"{self.base()}/ledger/{year}/{kind}"
        self.get(f"{base}/new/", f"ledger: new {kind} form")
        self.pause()
        start = dt.date(year + 1911, 2, 1)
        last = min(dt.date.today() - dt.timedelta(days=1), dt.date(year + 1912, 1, 31))
        day = roc_date(start + dt.timedelta(days=random.randint(0, (last - start).days)))
        ubns = self.alliance["ubns"]
        firm = random.choice(ubns) if ubns else ""
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

    def check(self) -> bool:
        year, kind = PLAN.accounts["year"], PLAN.accounts["filing"]
        response = self.get(
            f"{self.base()}/filings/{year}/{kind}/check/",
            "filing: check",
            check=lambda r: None if 'class="flag-ok"' in r.text else "the check found errors",
        )
        return response.passed and 'class="flag-ok"' in response.text


class PiUser(AllianceUser):
    scenario = "PI"

    def account(self):
        self.alliance = PLAN.pi_alliances.popleft()
        self.rounds = 0
        self.submitted = False
        return self.alliance["pi"], None

    def work(self):
        year, kind = PLAN.accounts["year"], PLAN.accounts["filing"]
        filing = f"{self.base()}/filings/{year}/{kind}/"
        self.pause()
        self.get("/dashboard/", "home (dashboard)")
        self.pause()
        self.get(f"{self.base()}/", "alliance page")
        self.pause()
        self.get(filing, "filing")
        self.pause()
        listing = random.choice(["revenue", "outcomes", "activities"])
        self.get(f"{self.base()}/ledger/{year}/{listing}/", "ledger list")
        self.pause()
        self.get(f"{self.base()}/members/{year}/", "member list")
        if self.submitted:
            return
        self.pause()
        if not self.add_record(random.choice(["revenue", "outcomes", "activities"])):
            return
        self.pause()
        if not self.check():
            return
        self.rounds += 1
        if self.rounds < 2:
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
            {"confirm": "on", "name": self.alliance["pi_name"]},
            check=submitted,
        )
        if response.passed and submitted(response) is None:
            self.submitted = True
            PLAN.posted.append(self.alliance["pk"])


class AssistantUser(AllianceUser):
    scenario = "assistant"

    def account(self):
        self.alliance = PLAN.assistant_alliances.popleft()
        return self.alliance["assistant"], None

    def work(self):
        year = PLAN.accounts["year"]
        listing = f"{self.base()}/ledger/{year}/revenue/"
        self.pause()
        self.get(f"{self.base()}/kpi/{year}/", "KPI page")
        self.pause()
        self.get(listing, "ledger list")
        for record in ["revenue", random.choice(["outcomes", "activities"])]:
            self.pause()
            if not self.add_record(record):
                return
        if random.random() < 0.5:
            self.pause()
            self.get(listing, "ledger list")
        self.pause()
        self.get(f"{self.base()}/members/{year}/", "member list")
        self.pause()
        self.check()


class OfficeUser(PortalUser):
    scenario = "office"

    def account(self):
        accounts = PLAN.accounts["office"]
        account = accounts[next(PLAN.office) % len(accounts)]
        self.rounds = 0
        return account["email"], account["secret"]

    def work(self):
        year, first = PLAN.accounts["report_year"], PLAN.accounts["first_year"]
        self.rounds += 1
        self.pause()
        self.get("/dashboard/", "home (dashboard)")
        self.pause()
        self.get("/office/review/", "review queue")
        self.pause()
        self.get(PLAN.review_page(), "filing review page")
        self.pause()
        self.get(f"/reports/{year}/", "reports: field report")
        self.pause()
        if self.rounds % 2:
            self.get(f"/reports/fee-bands/?from={first}&to={year}", "reports: fee bands")
        else:
            self.get(f"/reports/{year}/self-sufficiency/", "reports: self-sufficiency")
        self.pause()
        self.get("/directory/", "directory")
        if self.rounds % 2:
            self.pause()
            self.export(first, year)

    def export(self, first: int, year: int) -> None:
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
                self.get(page, "export: progress", check=lambda r: "export not ready")
                return
            gevent.sleep(2)  # the page's own script asks again every two seconds
            if time.time() >= PLAN.deadline:
                raise Stopped
            response = self.get(page, "export: progress")
            if not response.passed:
                return
        self.pause()
        self.get(
            page.rstrip("/") + "/download/",
            "export: download",
            check=lambda r: None if r.content[:2] == b"PK" else "not a workbook",
        )


class LoginUser(PortalUser):
    """The login-capacity phase: log in again and again as the PIs, without pause."""

    scenario = "login capacity"

    def on_start(self):
        self.current = self.scenario

    @task
    def play(self):
        if time.time() >= PLAN.deadline:
            gevent.sleep(1)
            return
        alliances = PLAN.accounts["alliances"]
        PLAN.busy += 1
        try:
            self.login(alliances[next(PLAN.logins) % len(alliances)]["pi"])
        except Stopped:
            pass
        finally:
            PLAN.busy -= 1
