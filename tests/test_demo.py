"""The demo data, loaded once for this module (it takes half a minute): it reproduces the
published tables, its accounts log in with their roles, it re-imports unchanged, and no
public page shows a private field. Each test runs in its own transaction, so what one test
changes the next does not see; the module's data is flushed at its end."""

import csv
import hashlib
import io
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from accounts.models import ProgrammeRole, User
from alliances.models import Alliance, ProgrammeYear
from demo.loader import DEMO_ACCOUNTS, DEMO_PASSWORD
from kpi.ledger import selectors as kpi_selectors
from kpi.models import Activity, Outcome, RevenueEntry
from members import selectors
from members.models import Firm, Membership
from workbook_import.engine import run_workbook

pytestmark = pytest.mark.django_db

REFERENCE = Path(__file__).resolve().parent.parent / "demo" / "reference_tables"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from alliances.reference import ensure_fields

        ensure_fields()
        output = io.StringIO()
        call_command("load_demo", stdout=output)
        yield SimpleNamespace(output=output.getvalue())
        call_command("flush", interactive=False, verbosity=0)


def counts():
    return (User.objects.count(), Alliance.objects.count(), ProgrammeYear.objects.count())


def test_full_registry_export_reimports_with_nothing_changed(demo, db):
    from tests.workbook_helpers import workbook_bytes
    from workbook_import.engine import export_workbook

    data = export_workbook(scope="office")
    report = run_workbook(data, user=None, scope="office", dry_run=True)
    totals = report.totals()
    assert report.ok, report.errors[:5]
    assert totals["new"] == 0 and totals["changed"] == 0
    from alliances.models import AllianceYear
    from kpi.models import Activity, Outcome, RevenueEntry

    n = sum(
        m.objects.count()
        for m in (Alliance, AllianceYear, Firm, Membership, RevenueEntry, Outcome, Activity)
    )
    from kpi.models import FilingVersion

    # …and every past year's imported figures (歷年核定數據), unchanged too.
    n += (
        FilingVersion.objects.filter(imported=True)
        .values("filing__alliance_year")
        .distinct()
        .count()
    )
    assert totals["unchanged"] == n

    # One contact changed on the members' sheet is one change, nothing new (the sheet alone:
    # the rest of the workbook re-imports unchanged, as above).
    book = load_workbook(io.BytesIO(data))
    rows = [list(r) for r in book["成員"].iter_rows(values_only=True)]
    rows[5][rows[0].index("聯絡人")] = "改過的聯絡人"
    report = run_workbook(workbook_bytes({"成員": rows}), user=None, scope="office", dry_run=True)
    assert report.totals()["changed"] == 1 and report.totals()["new"] == 0


def test_public_pages_never_show_private_fields(demo, client, db):
    """Plant unique markers in every private field of the demo; no public page shows any."""
    from alliances.models import AllianceYear

    markers = []
    for i, m in enumerate(Membership.objects.select_related("firm")[:400]):
        m.contact_name = f"PRIV-CN-{i:04d}"
        m.contact_email = f"priv-ce-{i:04d}@example.com"
        m.contact_phone = f"PRIV-CP-{i:04d}"
        m.note = f"PRIV-NOTE-{i:04d}"
        m.annual_fee = 7_654_000 + i
        m.person_name = m.person_name and f"PRIV-PN-{i:04d}"
        m.save()
        markers += [
            m.contact_name,
            m.contact_email,
            m.contact_phone,
            m.note,
            f"{m.annual_fee:,}",
            str(m.annual_fee),
        ]
        if m.person_name:
            markers.append(m.person_name)
    for i, ay in enumerate(AllianceYear.objects.all()):
        ay.subsidy = 2_876_000 + i
        ay.save()
        markers += [f"{ay.subsidy:,}", str(ay.subsidy)]
    firm_names = set(Membership.objects.exclude(firm=None).values_list("firm__name", flat=True))

    pages = ["/", "/directory/"]
    pages += [f"/directory/?page={n}" for n in range(2, 6)]
    pages += [
        f"/directory/{code}/"
        for code in Alliance.objects.exclude(code=None).values_list("code", flat=True)
    ]
    leaks = []
    for url in pages:
        html = client.get(url).content.decode()
        leaks += [(url, m) for m in markers if m in html]
        leaks += [(url, name) for name in firm_names if name in html]
    assert not leaks, leaks[:10]


def test_demo_106_member_table_equals_the_published_table(demo, db):
    published = list(csv.DictReader((REFERENCE / "members_106.csv").open(encoding="utf-8")))
    computed = selectors.members_by_field(106)
    assert len(computed) == len(published)
    for mine, theirs in zip(computed, published, strict=True):
        name = mine["field"].name_zh if mine["field"] else "總計"
        assert name == theirs["field_zh"]
        assert mine["alliances"] == int(theirs["alliances_derived"]), name
        assert mine["company_members"] == int(theirs["company_members"]), name
        assert mine["average"] == int(theirs["avg_members_per_alliance"]), name
        assert mine["share_pct"] == int(theirs["share_pct"]), name
        assert mine["target"] == int(theirs["target_107"]), name
    # Members that must not count are there too: M3 firms entered as companies, others.
    assert (
        Membership.objects.filter(alliance_year__programme_year__roc_year=106, rule="M3").count()
        >= 15
    )
    assert Membership.objects.filter(counted_kind="individual").exists()
    shared = Firm.objects.filter(memberships__alliance_year__programme_year__roc_year=106)
    from django.db.models import Count

    assert shared.annotate(n=Count("memberships")).filter(n__gt=1).exists()  # M5


def test_live_106_totals_reproduce_the_published_revenue_table(demo, db):
    published = list(csv.DictReader((REFERENCE / "revenue_106.csv").open(encoding="utf-8")))
    computed = kpi_selectors.revenue_by_field(106)
    for mine, theirs in zip(computed, published, strict=True):
        name = mine["field"].name_zh if mine["field"] else "總計"
        assert name == theirs["field_zh"]
        for key, column in [
            ("recurring", "recurring_operating"),
            ("transfer", "tech_transfer"),
            ("collaboration", "derived_collaboration"),
            ("total", "total"),
            ("average", "avg_per_alliance"),
        ]:
            assert mine[key] == int(theirs[column]), (name, key)
    excluded = dict(RevenueEntry.objects.filter(counted=False).values_list("kind", "rule"))
    assert excluded["most_subsidy"] == "R4" and excluded["donated_equipment"] == "R4"
    assert set(
        RevenueEntry.objects.filter(counted=False, kind="technology_transfer").values_list(
            "rule", flat=True
        )
    ) == {"R6"}
    assert RevenueEntry.objects.filter(counted=False, kind="collaboration", rule="R7").exists()
    assert Outcome.objects.filter(counted=False, rule="O2").exists()
    seminar = Activity.objects.get(kind="seminar")
    assert seminar.counted_amount < seminar.full_amount  # a non-member attendee did not count


def test_the_demos_accepted_106_snapshots_reproduce_the_published_tables(demo, db):
    """The official 106 figures are the accepted second filings' snapshots (not the live
    ledger): members_106.csv and revenue_106.csv, cell for cell."""
    from alliances.models import Field
    from core.money import half_up_int
    from kpi.filings.selectors import accepted_sums_by_field
    from kpi.models import Filing, FilingState, RevenueEntry

    # Change the live ledger: the official figures must not move.
    RevenueEntry.objects.filter(alliance_year__programme_year__roc_year=106).update(amount=1)
    codes = ["M-COMPANY", "R-RECURRING", "R-TRANSFER", "R-COLLAB"]
    sums = accepted_sums_by_field(106, codes)
    fields = list(Field.objects.order_by("order"))
    members = list(csv.DictReader((REFERENCE / "members_106.csv").open(encoding="utf-8")))
    revenue = list(csv.DictReader((REFERENCE / "revenue_106.csv").open(encoding="utf-8")))
    total_members = sum(s["M-COMPANY"] for s in sums.values())
    grand = dict.fromkeys(["alliances", *codes], 0)
    for field, m_row, r_row in zip(fields, members, revenue, strict=False):
        assert m_row["field_zh"] == r_row["field_zh"] == field.name_zh
        s = sums[field.pk]
        for key in grand:
            grand[key] += s[key]
        assert s["alliances"] == int(m_row["alliances_derived"]), field.name_zh
        assert s["M-COMPANY"] == int(m_row["company_members"]), field.name_zh
        assert half_up_int(s["M-COMPANY"] / s["alliances"]) == int(
            m_row["avg_members_per_alliance"]
        )
        assert half_up_int(100 * s["M-COMPANY"] / total_members) == int(m_row["share_pct"])
        total = s["R-RECURRING"] + s["R-TRANSFER"] + s["R-COLLAB"]
        assert half_up_int(s["R-RECURRING"] / 1000) == int(r_row["recurring_operating"])
        assert half_up_int(s["R-TRANSFER"] / 1000) == int(r_row["tech_transfer"])
        assert half_up_int(s["R-COLLAB"] / 1000) == int(r_row["derived_collaboration"])
        assert half_up_int(total / 1000) == int(r_row["total"]), field.name_zh
        assert half_up_int(total / 1000 / s["alliances"]) == int(r_row["avg_per_alliance"])
    assert members[-1]["field_zh"] == revenue[-1]["field_zh"] == "總計"
    assert grand["alliances"] == int(members[-1]["alliances_derived"])
    assert grand["M-COMPANY"] == int(members[-1]["company_members"])
    grand_total = grand["R-RECURRING"] + grand["R-TRANSFER"] + grand["R-COLLAB"]
    assert half_up_int(grand_total / 1000) == int(revenue[-1]["total"])
    # 106 expected outcomes accepted too; 107 has filings in every state for the office.
    assert (
        not Filing.objects.filter(alliance_year__programme_year__roc_year=106)
        .exclude(state=FilingState.ACCEPTED)
        .exists()
    )
    states_107 = set(
        Filing.objects.filter(alliance_year__programme_year__roc_year=107).values_list(
            "state", flat=True
        )
    )
    assert {"draft", "submitted", "under_review", "returned", "accepted"} <= states_107


@pytest.mark.smoke
def test_load_demo_is_idempotent_and_prints_the_logins(demo, capsys):
    first = counts()
    assert "office@example.org" in demo.output and DEMO_PASSWORD in demo.output
    call_command("load_demo")
    assert counts() == first
    assert "nothing changed" in capsys.readouterr().out
    assert first[0] == len(DEMO_ACCOUNTS) == 11
    assert sorted(ProgrammeYear.objects.values_list("roc_year", flat=True)) == list(range(102, 108))


@pytest.mark.smoke
def test_demo_accounts_log_in_with_the_documented_password(demo, client):
    for email, *_ in DEMO_ACCOUNTS:
        response = client.post("/accounts/login/", {"login": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        assert client.session["_auth_user_id"] == str(User.objects.get(email=email).pk)
        client.post("/accounts/logout/")
    assert User.objects.get(email="office@example.org").programme_role == ProgrammeRole.OFFICE
    assert User.objects.get(email="outsider@example.org").programme_role == ""


@pytest.mark.smoke
def test_demo_accounts_have_their_roles(demo, client):
    from alliances.models import AllianceRole

    roles = {r.user.email: (r.role, r.status) for r in AllianceRole.objects.select_related("user")}
    assert roles == {
        "pi@example.org": ("pi", "active"),
        "copi@example.org": ("co_pi", "active"),
        "assistant@example.org": ("assistant", "active"),
        "pending@example.org": ("assistant", "pending"),
    }
    alliance = AllianceRole.objects.get(user__email="pi@example.org").alliance
    for email, status in [
        ("assistant@example.org", 200),
        ("pending@example.org", 404),
        ("outsider@example.org", 404),
        ("viewer@example.org", 200),
    ]:
        client.force_login(User.objects.get(email=email))
        assert client.get(f"/alliances/{alliance.pk}/").status_code == status, email


def test_the_demo_shows_the_review_loop_and_the_annual_assessments(demo, client, db):
    from alliances.models import AllianceYear
    from kpi.models import Assessment, AuditRecord
    from tests.review_helpers import pdf_text

    records = list(AuditRecord.objects.order_by("serial"))
    assert [r.number for r in records] == ["106-1-001", "106-1-002"]
    assert records[0].has_findings and not records[1].has_findings
    assert "技術服務收入請附上合約" in pdf_text(records[0].pdf.read()).replace("\n", "")
    years_106 = AllianceYear.objects.filter(programme_year__roc_year=106)
    assert Assessment.objects.filter(alliance_year__in=years_106).count() == years_106.count()
    client.force_login(User.objects.get(email="viewer@example.org"))
    overview = client.get("/office/review/106/second/").content.decode()
    assert "繼續補助" in overview and "有條件繼續補助" in overview
    client.force_login(User.objects.get(email="pi@example.org"))
    alliance = records[0].filing.alliance_year.alliance
    page = client.get(f"/alliances/{alliance.pk}/filings/106/first/").content.decode()
    assert "查核記錄 106-1-001" in page and "查核記錄 106-1-002" in page


def test_the_reports_reproduce_the_published_tables(demo, db):
    """Field report of 106 (members_106.csv, revenue_106.csv) and the 102–106 fee bands
    (fee_bands_102_106.csv), cell for cell, from the official figures: 106's accepted
    second filings and 102–105 imported through the 歷年核定數據 sheet."""
    from reports import figures, selectors

    members = list(csv.DictReader((REFERENCE / "members_106.csv").open(encoding="utf-8")))
    revenue = list(csv.DictReader((REFERENCE / "revenue_106.csv").open(encoding="utf-8")))
    rows = selectors.field_report(figures.official(106), 106)
    assert len(rows) == len(members) == len(revenue)
    for row, m, r in zip(rows, members, revenue, strict=True):
        name = row.field.name_zh if row.field else "總計"
        assert name == m["field_zh"] == r["field_zh"]
        assert [row.alliances, row.members, row.average_members, row.share, row.next_target] == [
            int(m[k])
            for k in (
                "alliances_derived",
                "company_members",
                "avg_members_per_alliance",
                "share_pct",
                "target_107",
            )
        ], name
        assert [
            row.recurring_k,
            row.transfer_k,
            row.collaboration_k,
            row.total_k,
            row.average_k,
        ] == [
            int(r[k])
            for k in (
                "recurring_operating",
                "tech_transfer",
                "derived_collaboration",
                "total",
                "avg_per_alliance",
            )
        ], name
    bands = list(csv.DictReader((REFERENCE / "fee_bands_102_106.csv").open(encoding="utf-8")))
    result = selectors.fee_bands(figures.official(102, 106), 102, 106)
    for row, expected in zip(result.rows, bands[:-1], strict=True):
        name = row.field.name_zh if row.field else "總計"
        assert name == expected["field_zh"]
        assert row.cells + [row.total] == [int(v) for k, v in expected.items() if k != "field_zh"]
    assert bands[-1]["field_zh"] == "share_pct"
    assert result.total_share == 100
    assert result.shares + [result.total_share] == [
        int(v) for k, v in bands[-1].items() if k != "field_zh"
    ]


def _published():
    """The programme's tables: members_106, revenue_106 (per field, then 總計) and the
    102–106 fee bands (per field, 總計, then the shares)."""

    def read(name):
        return list(csv.DictReader((REFERENCE / name).open(encoding="utf-8")))

    members = [
        [int(r[k]) for k in ("alliances_derived", "company_members",
                             "avg_members_per_alliance", "share_pct", "target_107")]
        for r in read("members_106.csv")
    ]  # fmt: skip
    revenue = [
        [int(r[k]) for k in ("recurring_operating", "tech_transfer", "derived_collaboration",
                             "total", "avg_per_alliance")]
        for r in read("revenue_106.csv")
    ]  # fmt: skip
    bands = [
        [int(v) for k, v in r.items() if k != "field_zh"] for r in read("fee_bands_102_106.csv")
    ]
    names = [r["field_zh"] for r in read("members_106.csv")]
    return names, members, revenue, bands


def test_the_summary_workbook_reproduces_the_published_tables(demo, db):
    """Acceptance of the exports issue: the workbook of 106 (fee bands 102–106), read back
    with openpyxl, holds the published tables cell for cell, numbers as numbers, shares as
    percentages."""
    from reports.summary import write_summary

    names, members, revenue, bands = _published()
    out = io.BytesIO()
    write_summary(out, year=106, first=102)
    book = load_workbook(io.BytesIO(out.getvalue()))

    def table(sheet, n):
        rows = list(book[sheet].iter_rows(min_row=3, max_row=2 + n))
        for row in rows:
            for cell in row[1:]:
                assert cell.data_type == "n" and isinstance(cell.value, int | float), cell
        return rows

    def whole(cell):
        return round(cell.value * 100) if cell.number_format == "0%" else cell.value

    rows = table("會員", len(members))
    assert [r[0].value for r in rows] == names
    assert [[whole(c) for c in r[1:]] for r in rows] == members
    assert {r[4].number_format for r in rows} == {"0%"}
    rows = table("收入", len(revenue))
    assert [r[0].value for r in rows] == names
    assert [[c.value for c in r[1:]] for r in rows] == revenue
    assert {c.number_format for r in rows for c in r[1:]} == {"#,##0"}
    rows = table("會費級距", len(bands))
    assert [r[0].value for r in rows] == [*names, "占比"]
    assert [[whole(c) for c in r[1:]] for r in rows] == bands
    assert {c.number_format for c in rows[-1][1:]} == {"0%"}


def test_the_printable_report_reproduces_the_published_tables_with_charts(demo, db):
    """Acceptance of the exports issue: the PDF's text holds the same tables, its fonts are
    embedded Noto CJK, and its charts are labelled in Chinese."""
    from reports.pdf import render
    from tests.review_helpers import pdf_fonts, pdf_text

    names, members, revenue, bands = _published()
    data = render(year=106, first=102)
    text = pdf_text(data)
    lines = text.splitlines()

    def numbers(line):
        return [int(v.replace(",", "").rstrip("%")) if v != "—" else None for v in line.split()[1:]]

    def rows_of(name):
        """Table rows: the name, then figures only (a chart's legend is not one)."""
        row = re.compile(rf"^{name}( ([\d,]+%?|—))+$")
        return [numbers(line) for line in lines if row.match(line.strip())]

    published = zip([*names, "占比"], [*members, None], [*revenue, None], bands, strict=True)
    for name, m, r, b in published:
        found = rows_of(name)
        if m is None:  # the shares row appears once, under the fee bands
            assert found == [b]
            continue
        # In order: members, revenue, fee bands, then self-sufficiency and the trend.
        assert found[:3] == [m, r, b], name
    assert "1,495" in text and "511,027" in text  # thousands separated

    fonts = pdf_fonts(data)
    assert fonts and all(f["embedded"] for f in fonts)
    assert all("Noto-Sans-CJK-TC" in f["name"] for f in fonts)
    # The charts: their titles, a field's name alone on a line (a bar's label), the fee
    # bands' axis and the trend's reference line, all as text in the PDF.
    for title in (
        "106年度各領域廠商會員數",
        "106年度各領域收入（仟元）",
        "各會費級距的聯盟年度數，102–106",
        "各領域自給自足率，102–106",
    ):
        assert title in text
    assert sum(line.strip() == "機電材料" for line in lines) >= 2  # members and revenue bars
    assert "R10 目標 80%" in text
    assert "第 1 頁，共" in text


@pytest.mark.smoke
def test_the_demo_has_site_visits_with_filled_forms_one_awaiting_and_an_award(demo, client):
    from inspections import selectors as visit_selectors
    from inspections.models import Award, FormStatus, SiteVisit, VisitStatus

    visits = {v.alliance_year.alliance.code: v for v in SiteVisit.objects.all()}
    shared = visits["MECH001"]
    assert shared.status == VisitStatus.CONSOLIDATED and shared.is_shared
    assert [f.status for f in shared.forms.all()] == [FormStatus.SUBMITTED] * 3
    assert visit_selectors.consolidate(shared).score == shared.score
    waiting = visits["MECH003"]
    statuses = sorted(waiting.forms.values_list("reviewer__email", "status"))
    assert statuses == [
        ("reviewer2@example.org", "submitted"),
        ("reviewer3@example.org", "submitted"),
        ("reviewer@example.org", "draft"),
    ]
    award = Award.objects.get()
    assert award.published_at and award.visit == max(
        (v for v in visits.values() if v.score is not None), key=lambda v: v.score
    )
    # The demo reviewer finds the awaiting form; the demo PI reads the shared summary.
    client.force_login(User.objects.get(email="reviewer@example.org"))
    page = client.get("/visits/").content.decode()
    assert "永續陶瓷材料產學小聯盟" in page and "智慧精密加工產學小聯盟" in page
    assert client.get(f"/visits/{waiting.pk}/form/").status_code == 200
    client.force_login(User.objects.get(email="pi@example.org"))
    assert client.get(f"/visits/{shared.pk}/summary/").status_code == 200
    assert client.get(f"/visits/{waiting.pk}/").status_code == 404
    assert "智慧精密加工產學小聯盟" in client.get("/directory/").content.decode()


@pytest.mark.smoke
def test_the_demo_has_the_107_events_and_unmet_attendance_duties(demo, db):
    import datetime as dt

    from events import selectors as event_selectors
    from events.models import Attendee, Event, EventKind

    def rows(name):
        return list(csv.DictReader((REFERENCE / name).open(encoding="utf-8")))

    matching = list(Event.objects.filter(kind=EventKind.MATCHING).order_by("date", "pk"))
    assert len(matching) == 5
    for event, row in zip(matching, rows("matching_meetings_107.csv"), strict=True):
        assert event.programme_year.roc_year == 107
        assert (event.title, event.theme, event.venue) == (row["theme_zh"],) * 2 + (
            row["venue_zh"],
        )
        assert event.partners == row["partners_zh"].replace(";", "、")
        if len(row["date"]) == 7:  # YYYY-MM: known only to the month
            assert event.month_only and event.date.isoformat()[:7] == row["date"]
            assert event.date.day == 1
        else:
            assert not event.month_only and event.date.isoformat() == row["date"]
    assert [e.month_only for e in matching] == [False, False, True, True, True]

    training = {e.region: e for e in Event.objects.filter(kind=EventKind.TRAINING)}
    assert len(training) == 3
    for row in rows("training_sessions_107.csv"):
        event = training[row["region_zh"]]
        assert event.programme_year.roc_year == 107 and not event.month_only
        assert (event.venue, event.address, event.date.isoformat()) == (
            row["venue_zh"],
            row["address_zh"],
            row["date"],
        )
        assert (event.starts, event.ends) == (
            dt.time.fromisoformat(row["start"]),
            dt.time.fromisoformat(row["end"]),
        )
        assert event_selectors.seats_taken(event) <= event.capacity

    exchange = Event.objects.get(kind=EventKind.EXCHANGE)
    assert exchange.programme_year.roc_year == 107
    assert sorted(f.code for f in exchange.fields.all()) == ["elec", "mech"]

    # The duties planted unmet (demo/events.py), in field order then code.
    [duty] = event_selectors.exchange_duties(107)
    assert duty.event == exchange
    assert [a.code for a in duty.missing] == ["ELEC004", "ELEC009", "MECH007"]
    missing = [a.code for a in event_selectors.training_missing(107)]
    assert missing == ["CIVIL003", "CHEM005", "BIOMED012", "SERVICE009", "ICT008"]

    # The demo alliance did its duties: its assistant registered two people for training,
    # its PI the PI and co-PI for the exchange meeting; all were there.
    present = Attendee.objects.filter(registration__alliance__code="MECH001", attended=True)
    assert sorted(
        present.filter(registration__event__kind=EventKind.TRAINING).values_list(
            "registration__registered_by__email", "name"
        )
    ) == [("assistant@example.org", "蔡雅婷"), ("assistant@example.org", "黃助理")]
    assert set(
        present.filter(registration__event=exchange).values_list(
            "registration__registered_by__email", flat=True
        )
    ) == {"pi@example.org"}


def test_every_demo_years_member_list_and_ledger_give_its_accepted_figures(demo, db):
    """Issue 27 (3): for every alliance-year of 102–106, its member list (company members
    as the rules count them) gives its accepted M-COMPANY, and every other accepted figure
    — members, new company members (P1), revenue with its record counts, outcomes,
    activities — is what its member list and ledger count: the imported figures of
    102–105 and 106's accepted second filings alike."""
    from alliances.models import AllianceYear
    from kpi.ledger import catalog
    from kpi.ledger.totals import ledger_totals
    from members.rules import member_kind
    from reports import figures

    official = figures.official(102, 106)
    assert len(official) == AllianceYear.objects.filter(programme_year__roc_year__lte=106).count()
    assert {f.ay.programme_year.roc_year for f in official} == set(range(102, 107))
    company = {}
    for m in Membership.objects.filter(
        alliance_year__programme_year__roc_year__lte=106
    ).select_related("firm"):
        verdict = member_kind(entered_kind=m.entered_kind, firm=m.firm)
        assert (m.counted_kind, m.rule) == (verdict.counted_kind, verdict.rule), m.pk
        if verdict.counts:
            company[m.alliance_year_id] = company.get(m.alliance_year_id, 0) + 1
    totals = ledger_totals([f.ay for f in official])
    differ = []
    for f in official:
        year = (f.ay.alliance.code, f.ay.programme_year.roc_year)
        assert company.get(f.ay.pk, 0) == f.values["M-COMPANY"] > 0, year
        counted = totals[f.ay.pk].counted
        differ += [
            (*year, item.code, catalog.value(item, counted), f.values.get(item.code))
            for item in catalog.ITEMS
            if catalog.value(item, counted) != f.values.get(item.code)
        ]
    assert not differ, differ[:10]
    # The past years have revenue records of every kind, counted, behind their figures.
    earlier = RevenueEntry.objects.filter(alliance_year__programme_year__roc_year__lt=106)
    assert set(earlier.values_list("kind", flat=True)) == {
        "membership_fee",
        "technical_service",
        "other_operating",
        "technology_transfer",
        "collaboration",
    }
    assert not earlier.filter(counted=False).exists()


def test_demo_company_members_carry_over_so_p1_judges_real_lists(demo, db):
    """A year keeps as many of the alliance's company members of the year before as its
    count allows (106 too, against the 105 list): the new company members (P1) are the
    firms not on last year's list, and the accepted M-NEW is that number."""
    from reports import figures

    firms: dict = {}
    for alliance_id, roc_year, firm_id in Membership.objects.filter(
        counted_kind="company", alliance_year__programme_year__roc_year__lte=106
    ).values_list("alliance_year__alliance", "alliance_year__programme_year__roc_year", "firm"):
        firms.setdefault((alliance_id, roc_year), set()).add(firm_id)
    continuing = 0
    for f in figures.official(102, 106):
        key = (f.ay.alliance_id, f.ay.programme_year.roc_year)
        now, before = firms[key], firms.get((key[0], key[1] - 1), set())
        assert len(now - before) == f.values["M-NEW"], key
        assert len(now & before) == min(len(now), len(before)), key
        continuing += bool(before)
    assert continuing > 100
    # The demo alliance's 106 list keeps its 105 firms: P1 has a real list to judge.
    mech = Alliance.objects.get(code="MECH001").pk
    assert len(firms[mech, 105]) <= len(firms[mech, 106])
    assert firms[mech, 105] <= firms[mech, 106]


def test_demo_records_are_dated_inside_their_programme_years(demo, db):
    """Every record of every year lies in its programme year (N.02.01–N+1.01.31), but the
    demo alliance's technology transfer signed after 106, which R6 leaves out."""
    from alliances.models import ProgrammeYear

    bounds = {y.pk: (y.starts_on, y.ends_on) for y in ProgrammeYear.objects.all()}
    late = []
    for model in (RevenueEntry, Outcome, Activity):
        for pk, year_id, day, rule, counted in model.objects.values_list(
            "pk", "alliance_year__programme_year", "date", "rule", "counted"
        ):
            start, end = bounds[year_id]
            if not start <= day <= end:
                late.append((model.__name__, pk, day, rule, counted))
    assert [(name, rule, counted) for name, _pk, _day, rule, counted in late] == [
        ("RevenueEntry", "R6", False)
    ]


def test_the_demo_alliances_dossier_of_106(demo, db):
    """The auditor's dossier of the demo alliance's 106 (issue 28)."""
    from accounts.models import User
    from alliances.models import AllianceYear
    from members.models import Membership
    from tests.test_dossier import build_dossier, manifest_rows

    ay = AllianceYear.objects.select_related("alliance", "programme_year").get(
        alliance__code="MECH001", programme_year__roc_year=106
    )
    office = User.objects.get(email="office@example.org")
    archive = build_dossier(ay, office)
    names = set(archive.namelist())
    # Every 106 filing accepted; the first went round the loop (v2 accepted) with two
    # audit records.
    assert {n for n in names if n.startswith("filings/")} == {
        "filings/106-expected-v1.pdf",
        "filings/106-first-v2.pdf",
        "filings/106-second-v1.pdf",
    }
    assert {n for n in names if n.startswith("audit-records/")} == {
        "audit-records/106-1-001.pdf",
        "audit-records/106-1-002.pdf",
    }
    for row in manifest_rows(archive):
        data = archive.read(row["path"])
        assert row["sha256"] == hashlib.sha256(data).hexdigest(), row["path"]
        if row["path"].endswith(".pdf"):
            assert data.startswith(b"%PDF"), row["path"]
    members = load_workbook(io.BytesIO(archive.read("members.xlsx")))["成員"]
    assert members.max_row - 1 == Membership.objects.filter(alliance_year=ay).count()
    history = archive.read("routing-history.csv").decode("utf-8-sig")
    assert "106-1-001" in history and "106-1-002" in history

    pi = User.objects.get(email="pi@example.org")
    assert set(build_dossier(ay, pi).namelist()) == names  # no visit in 106: the same files


def test_the_demo_shows_the_checks_across_alliances(demo, client, db):
    """The planted cases of the README are found (issue 28): MECH001's contract claimed by
    MECH002 too (X1), a firm renamed after two alliances submitted it (X2), CIVIL003's
    members paying no fee (X3) and ELEC001's large record without evidence (X6); the
    programme sees them at once, the demo PI sees MECH001's own without MECH002."""
    from assurance.models import CrossFinding

    found = {
        (check, code)
        for check, code in CrossFinding.objects.filter(programme_year__roc_year=106).values_list(
            "check_id", "alliance_year__alliance__code"
        )
    }
    assert {("X1", "MECH001"), ("X1", "MECH002"), ("X3", "CIVIL003"), ("X6", "ELEC001")} <= found
    assert sum(1 for check, _code in found if check == "X2") == 2
    client.force_login(User.objects.get(email="viewer@example.org"))  # the department reads it
    page = client.get("/office/cross-checks/106/").content.decode()
    assert "MECH002" in page and "CIVIL003" in page and "ELEC001" in page
    client.force_login(User.objects.get(email="pi@example.org"))
    mech001 = Alliance.objects.get(code="MECH001")
    filing = client.get(f"/alliances/{mech001.pk}/filings/106/second/").content.decode()
    assert "X1" in filing and "MECH002" not in filing
