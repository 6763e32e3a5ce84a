"""Shared fixtures: the real task worker, canonical users, and Chromium for Playwright."""

import os
import shutil
import signal

import pytest
from django.core.management import call_command

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls from the
# same thread are safe here (live_server runs in its own thread).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def run_worker() -> None:
    """Run the real django-tasks-db worker until no task is ready, then return."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command(
            "db_worker",
            batch=True,
            startup_delay=False,
            reload=False,
            interval=0,
            queue_name="*",
            verbosity=0,
        )
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Tests with a database see the eight fields of the data migration, also after a
    transactional test flushed them, and an empty cache: a transactional test's cache rows
    (the database cache: rate-limit counters of logins, sign-ups, API tokens) are not
    flushed with its tables and would count against the next test's."""
    uses_db = request.node.get_closest_marker("django_db") or {
        "db",
        "transactional_db",
        "live_server",
    } & set(request.fixturenames)
    if uses_db:
        request.getfixturevalue(
            "transactional_db"
            if "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
            else "db"
        )
        from django.core.cache import cache

        from alliances.reference import ensure_fields

        ensure_fields()
        cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the portal's default language: the test client leaves the last
    request's language active in the thread (a test that reads a page in English would
    otherwise leave English to the next test's services)."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def worker(transactional_db):
    """Call to run the queued tasks through the real worker (needs committed rows)."""
    return run_worker


@pytest.fixture
def make_user(db):
    from accounts.services import user_create

    def make(email, *, password="correct-horse-battery", **fields):
        return user_create(email=email, password=password, **fields)

    return make


def give_mfa(user):
    """Set up TOTP for the user, as the office does before any office page."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def office_user(make_user):
    from accounts.models import ProgrammeRole

    user = make_user("office@example.org", name="辦公室", programme_role=ProgrammeRole.OFFICE)
    return give_mfa(user)


@pytest.fixture
def people(make_user):
    """The canonical users of the permission tests, around two alliances."""
    from types import SimpleNamespace

    from accounts.models import ProgrammeRole
    from alliances.models import (
        Alliance,
        AllianceRole,
        Capability,
        Field,
        RoleStatus,
        TeamRole,
        TeamType,
    )

    field = Field.objects.get(code="mech")
    alliance = Alliance.objects.create(
        name_zh="智慧精密加工產學小聯盟",
        field=field,
        institution="國立成功大學",
        team_type=TeamType.SAME_SCHOOL,
    )
    other = Alliance.objects.create(
        name_zh="綠色營建材料產學小聯盟",
        field=Field.objects.get(code="civil"),
        institution="國立臺北科技大學",
        team_type=TeamType.CROSS_SCHOOL,
    )
    p = SimpleNamespace(alliance=alliance, other_alliance=other, anonymous=None)
    p.pi = make_user("pi@example.org", name="林主持人")
    p.copi = make_user("copi@example.org", name="張共同主持人")
    p.assistant = make_user("assistant@example.org", name="黃助理")
    p.pending = make_user("pending@example.org", name="吳助理")
    p.revoked = make_user("revoked@example.org", name="鄭前助理")
    p.other_pi = make_user("other-pi@example.org", name="陳主持人")
    p.outsider = make_user("outsider@example.org", name="路人")
    p.office = give_mfa(
        make_user("office@example.org", name="王專員", programme_role=ProgrammeRole.OFFICE)
    )
    p.viewer = make_user("viewer@example.org", name="李科長", programme_role=ProgrammeRole.VIEWER)
    p.reviewer = make_user(
        "reviewer@example.org", name="陳委員", programme_role=ProgrammeRole.REVIEWER
    )
    p.other_reviewer = make_user(
        "other-reviewer@example.org", name="許委員", programme_role=ProgrammeRole.REVIEWER
    )

    def role(user, alliance, kind, status=RoleStatus.ACTIVE, capabilities=()):
        return AllianceRole.objects.create(
            alliance=alliance, user=user, role=kind, status=status, capabilities=list(capabilities)
        )

    p.pi_role = role(p.pi, alliance, TeamRole.PI)
    p.copi_role = role(p.copi, alliance, TeamRole.CO_PI)
    p.assistant_role = role(
        p.assistant, alliance, TeamRole.ASSISTANT, capabilities=[Capability.LEDGER]
    )
    p.pending_role = role(p.pending, alliance, TeamRole.ASSISTANT, RoleStatus.PENDING)
    p.revoked_role = role(p.revoked, alliance, TeamRole.ASSISTANT, RoleStatus.REVOKED)
    p.other_pi_role = role(p.other_pi, other, TeamRole.PI)

    # The registry around them: codes, published profiles, years 105–106, a member, a
    # firm, a pending profile change.
    from django.utils import timezone

    from alliances.models import AllianceYear, ProfileRevision, ProgrammeYear
    from members.models import Firm, MemberKind, Membership
    from members.services import apply_verdict

    for a, code in ((alliance, "MECH001"), (other, "CIVIL001")):
        a.code = code
        a.profile_published_at = timezone.now()
        a.description = f"{a.name_zh}的公開簡介"
        a.save()
    for roc_year in (105, 106):
        year = ProgrammeYear.objects.create(
            roc_year=roc_year, **ProgrammeYear.calendar_defaults(roc_year)
        )
        for a in (alliance, other):
            ay = AllianceYear.objects.create(
                alliance=a,
                programme_year=year,
                phase=1,
                phase_year=roc_year - 104,
                subsidy=2_000_000,
                collaboration_weight=100,
            )
            if a == alliance:
                p.alliance_years = getattr(p, "alliance_years", {}) | {roc_year: ay}
    p.firm = Firm.objects.create(name="精密機械股份有限公司", ubn="22099131")
    p.membership = Membership(
        alliance_year=p.alliance_years[106],
        firm=p.firm,
        entered_kind=MemberKind.COMPANY,
        annual_fee=30_000,
        contact_name="王經理",
        contact_email="wang@firm.example.com",
    )
    apply_verdict(p.membership)
    p.membership.save()
    p.revision = ProfileRevision.objects.create(
        alliance=alliance, data={"description": "新的簡介"}, submitted_by=p.pi
    )

    # The ledger: one counted technical-service entry with a PDF as evidence.
    import datetime as dt

    from django.core.files.base import ContentFile

    from kpi.ledger import services as kpi_services
    from kpi.models import RevenueEntry

    p.entry = kpi_services.record_save(
        record=RevenueEntry(
            alliance_year=p.alliance_years[106],
            kind="technical_service",
            amount=120_000,
            firm=p.firm,
            date=dt.date(2017, 5, 2),
            description="檢測服務",
        ),
        by=p.pi,
    )
    pdf = ContentFile(b"%PDF-1.4\n%demo evidence\n", name="invoice.pdf")
    p.evidence = kpi_services.evidence_add(record=p.entry, upload=pdf, by=p.pi)
    return p


@pytest.fixture
def outsider(make_user):
    return make_user("outsider@example.org", name="路人")


@pytest.fixture
def year_107(db):
    from alliances.models import ProgrammeYear

    return ProgrammeYear.objects.create(roc_year=107, **ProgrammeYear.calendar_defaults(107))


# --- browser tests -------------------------------------------------------------------------


def pytest_collection_modifyitems(config, items):
    browser_items = [item for item in items if "browser" in item.keywords]
    if not browser_items or CHROMIUM:
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(
            "CI must run the browser tests but Debian's chromium is not installed "
            "(apt-get install chromium)."
        )
    skip = pytest.mark.skip(
        reason="chromium not installed (apt-get install chromium); CI runs these"
    )
    for item in browser_items:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args():
    """Debian's chromium, never a browser downloaded by Playwright (that cannot work here)."""
    return {
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-quic",
            "--no-first-run",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ],
    }


@pytest.fixture
def official(people):
    """Accepted second-filing figures of 106 for both alliances, so that the reports name
    alliances, and an issued audit record for the fixture alliance."""
    from tests.filing_helpers import submitted_first_filing
    from tests.review_helpers import issued_record
    from workbook_import.sheets.historic import save_figures

    figures = {"M-COMPANY": 12, "R-FEE": 240_000, "R-SERVICE": 1_500_000}
    save_figures(alliance_year=people.alliance_years[106], values=figures, by=None)
    other_106 = people.other_alliance.years.get(programme_year__roc_year=106)
    save_figures(alliance_year=other_106, values=figures | {"M-COMPANY": 4}, by=None)
    submitted_first_filing(people)
    issued_record(people)
    return people
