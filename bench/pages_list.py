"""The main pages of each role, as bench/pages.py times them and tests/test_page_queries.py
pins their queries: one list for both, so that they never drift apart.

A `Page` is a key, the role who reads it (pi, assistant, office, viewer, reviewer,
public), its URL name (alliance_portal/urls.py) and how its arguments and query string
come from the `Scene`:
the alliance-year measured (bench.pages_data.showcase of the latest year), the first and
latest programme years, and the users. Each role has its own logged-in test client
(`clients`): the PI of the showcase alliance and its assistant, the office (TOTP set up,
so the office's two-factor check passes as in production), a department viewer, a
site-visit reviewer with a form to fill; "public" is anonymous.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.http import urlencode

SECOND = "second"  # the filing and the review period measured (kpi FilingKind.SECOND)


@dataclass(frozen=True)
class Scene:
    alliance: int  # the showcase alliance's pk
    year: int  # the latest programme year (ROC)
    first: int  # the first programme year (ROC)
    users: dict = field(default_factory=dict)  # role → User (None: anonymous)
    label: str = ""  # the showcase alliance-year and its kind
    kind: str = ""  # its kind (bench.pages_data.showcase): the same at 1× and 10×
    code: str = ""  # the showcase alliance's code (the API's URLs name alliances by code)


@dataclass(frozen=True)
class Page:
    key: str
    role: str
    name: str
    args: Callable = lambda s: ()
    query: Callable | None = None

    def url(self, scene: Scene) -> str:
        url = reverse(self.name, args=self.args(scene))
        return f"{url}?{urlencode(self.query(scene))}" if self.query else url


def _mine(*tail):
    return lambda s: (s.alliance, s.year, *tail)


def _api_mine(*tail):
    return lambda s: (s.code, s.year, *tail)


PAGES = [
    # The PI of the showcase alliance, on its latest year.
    Page("pi dashboard", "pi", "dashboard"),
    Page("alliance page", "pi", "alliance_dashboard", lambda s: (s.alliance,)),
    Page("KPI page", "pi", "kpi_dashboard", _mine()),
    Page("ledger: revenue", "pi", "ledger", _mine("revenue")),
    Page("members", "pi", "members_list", _mine()),
    Page("filing list", "pi", "filing_list", _mine()),
    Page("second filing", "pi", "filing_detail", _mine(SECOND)),
    Page("second filing: check", "pi", "filing_check", _mine(SECOND)),
    Page("assistant dashboard", "assistant", "dashboard"),
    # The programme office.
    Page("office dashboard", "office", "dashboard"),
    Page("review list (second)", "office", "review_overview", lambda s: (s.year, SECOND)),
    Page("filing review", "office", "filing_review", _mine(SECOND)),
    Page("background work", "office", "office_failed_work"),
    Page("site visits", "office", "office_visits"),
    Page("events", "office", "event_list"),
    Page("cross checks", "office", "cross_checks", lambda s: (s.year,)),
    # The department (its home page; reports, over the latest year or every year).
    Page("viewer dashboard", "viewer", "dashboard"),
    Page("field report", "viewer", "report_fields", lambda s: (s.year,)),
    Page(
        "fee bands, all years",
        "viewer",
        "report_fee_bands",
        query=lambda s: {"from": s.first, "to": s.year},
    ),
    Page("self-sufficiency", "viewer", "report_self_sufficiency", lambda s: (s.year,)),
    # A site-visit reviewer with forms to fill in the latest year.
    Page("reviewer dashboard", "reviewer", "dashboard"),
    # Anyone.
    Page("directory", "public", "directory"),
    # The read-only API (/api/v1/), read with the same sessions (a token adds one lookup).
    Page("api: alliances", "office", "api:alliance-list"),
    Page("api: alliance", "pi", "api:alliance-detail", lambda s: (s.code,)),
    Page("api: years", "pi", "api:alliance-years", lambda s: (s.code,)),
    Page("api: members", "pi", "api:members", _api_mine()),
    Page("api: ledger", "pi", "api:ledger", _api_mine("revenue")),
    Page("api: filings", "pi", "api:filings", _api_mine()),
    Page("api: audit records", "pi", "api:audit-records", _api_mine()),
    Page("api: field report", "viewer", "api:report-fields", lambda s: (s.year,)),
    Page(
        "api: fee bands",
        "viewer",
        "api:report-fee-bands",
        query=lambda s: {"from": s.first, "to": s.year},
    ),
    Page("api: self-sufficiency", "viewer", "api:report-self-sufficiency", lambda s: (s.year,)),
]


def make_scene(first: int, latest: int) -> Scene:
    """The scene of the latest year: its showcase alliance-year and its PI, the bench's
    office user (bench.pages_data.OFFICE_EMAIL) and the department viewer."""
    from accounts.models import User
    from alliances.models import AllianceRole, RoleStatus, TeamRole
    from bench.pages_data import OFFICE_EMAIL
    from bench.pages_filings import showcase
    from bench.reports import viewer
    from inspections.models import FormStatus, ReviewForm, VisitStatus

    ay = showcase(latest)
    pi = AllianceRole.objects.get(
        alliance_id=ay.alliance_id, role=TeamRole.PI, status=RoleStatus.ACTIVE
    ).user
    assistant = (
        AllianceRole.objects.filter(
            alliance_id=ay.alliance_id, role=TeamRole.ASSISTANT, status=RoleStatus.ACTIVE
        )
        .order_by("pk")
        .first()
        .user
    )
    # A reviewer with a form awaiting them: of the latest year if there is one, else of the
    # newest year that has one (the quick size's later year may have no visit scheduled).
    form = (
        ReviewForm.objects.filter(
            status=FormStatus.DRAFT,
            visit__status=VisitStatus.SCHEDULED,
            visit__alliance_year__programme_year__roc_year__lte=latest,
        )
        .order_by("-visit__alliance_year__programme_year__roc_year", "reviewer__email")
        .first()
    )
    if form is None:
        raise RuntimeError(f"no reviewer has a form awaiting them up to {latest}")
    users = {
        "pi": pi,
        "assistant": assistant,  # prepares filings, keeps the ledger, registers for events
        "office": User.objects.get(email=OFFICE_EMAIL),
        "viewer": viewer(),  # the department viewer of bench/reports.py
        "reviewer": form.reviewer,  # one with a form awaiting them (bench/pages_events.py)
        "public": None,
    }
    kind = (
        f"phase {ay.phase}, second filing "
        f"{'returned once' if ay.returned else 'accepted at once'}, "
        f"{'with' if ay.last_year else 'without'} a last year"
    )
    label = f"{ay.alliance.code} {latest} ({kind}, phase year {ay.phase_year})"
    return Scene(
        alliance=ay.alliance_id,
        year=latest,
        first=first,
        users=users,
        label=label,
        kind=kind,
        code=ay.alliance.code,
    )


def clients(scene: Scene) -> dict:
    """A test client per role, logged in (force_login) except the public one."""
    result = {}
    for role, user in scene.users.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        result[role] = client
    return result


class PageError(Exception):
    """A page did not answer 200: its figures would mean nothing."""


def fetch(client, url: str):
    response = client.get(url)
    if response.status_code != 200:
        raise PageError(f"GET {url} answered {response.status_code}, not 200")
    return response


def queries_of(client, url: str) -> list[str]:
    """The SQL of one request of the page (after it answered 200)."""
    with CaptureQueriesContext(connection) as captured:
        fetch(client, url)
    return [q["sql"] for q in captured.captured_queries]
