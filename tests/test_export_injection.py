"""Text stays text in every file the portal writes (docs/security.md, "formula injection").

A PI, an assistant or the office types a formula into every free-text field that reaches an
export; every export kind is built and read back (openpyxl, csv): no cell is a formula, the
typed text is there as text, CSV neutralises it as OWASP says, and numbers stay numbers.
"""

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from core import writers

PAYLOADS = [
    '=HYPERLINK("http://x","y")',
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
]
ROOT = Path(__file__).resolve().parent.parent


def payload(i: int) -> str:
    return PAYLOADS[i % len(PAYLOADS)] + f" #{i}"


@pytest.fixture
def typed(people, year_107):
    """Formulas typed into every free-text field that reaches an export: the alliance's
    names and institution (the office's registry, a PI's proposal once approved), its
    field, its firm and members (PI, assistant), its ledger (PI, assistant) and an event
    (office), as their users could."""
    from events.models import Event, EventKind
    from kpi.ledger import services as kpi_services
    from kpi.models import Activity, ActivityKind
    from members.models import MemberKind, Membership
    from members.services import apply_verdict

    counter = iter(range(100))
    written = []

    def put(obj, *names):
        for name in names:
            value = payload(next(counter))
            setattr(obj, name, value)
            written.append(value)
        obj.save()

    alliance = people.alliance
    put(alliance, "name_zh", "name_en", "institution")
    put(alliance.field, "name_zh")
    put(people.firm, "name")
    put(people.membership, "contact_name", "contact_phone", "note")
    person = Membership(
        alliance_year=people.alliance_years[106],
        entered_kind=MemberKind.INDIVIDUAL,
        person_name=payload(next(counter)),
        annual_fee=10_000,
    )
    written.append(person.person_name)
    apply_verdict(person)
    person.save()
    put(people.entry, "description", "payer_name")
    activity = Activity(
        alliance_year=people.alliance_years[106],
        kind=ActivityKind.SEMINAR,
        title=payload(next(counter)),
        description=payload(next(counter)),
        date=dt.date(2017, 6, 1),
    )
    written += [activity.title, activity.description]
    kpi_services.record_save(record=activity, by=people.pi)
    event = Event.objects.create(
        kind=EventKind.EXCHANGE,
        title=payload(next(counter)),
        programme_year=people.alliance_years[106].programme_year,
        date=dt.date(2017, 9, 1),
    )
    event.fields.add(alliance.field)
    written.append(event.title)
    return written


def xlsx_exports(client, people) -> dict[str, bytes]:
    """Every .xlsx the portal hands out, built the way its users get them."""
    from inspections.exports import awards_workbook
    from reports.summary import write_summary
    from workbook_import.engine import export_workbook

    pk = people.alliance.pk
    files = {}
    client.force_login(people.pi)
    for name, url in {
        "members": f"/alliances/{pk}/members/106/export.xlsx",
        "ledger": f"/alliances/{pk}/ledger/106/export.xlsx",
        "pi_template": "/office/pis/template.xlsx",
    }.items():
        if name == "pi_template":
            client.force_login(people.office)
        response = client.get(url)
        assert response.status_code == 200, url
        files[name] = response.content
    client.force_login(people.office)
    files["review_list"] = client.get("/office/review/106/first/?format=xlsx").content
    files["duties"] = client.get("/office/events/duties/?year=106&format=xlsx").content
    files["registry"] = export_workbook(scope="office")  # what the background export writes
    out = io.BytesIO()
    write_summary(out, year=106, first=105, by=people.office)
    files["summary"] = out.getvalue()
    files["awards"] = awards_workbook(106)
    return files


def test_no_formula_in_any_workbook_and_the_text_is_kept(client, people, typed):
    found_anywhere = set()
    for name, data in xlsx_exports(client, people).items():
        book = load_workbook(io.BytesIO(data))
        texts = set()
        for ws in book.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", f"{name}!{ws.title}{cell.coordinate}: formula"
                    if isinstance(cell.value, str):
                        texts.add(cell.value.replace("\n", "\r"))  # XML reads CR as LF
        found = texts & set(typed)
        assert found or name == "pi_template", f"{name}: none of the typed text is in it"
        found_anywhere |= found
    # Every field typed into reached at least one file, as text.
    assert found_anywhere == set(typed), set(typed) - found_anywhere


def test_the_review_list_csv_neutralises_formulas_as_owasp_says(client, people, typed):
    client.force_login(people.office)
    response = client.get("/office/review/106/first/?format=csv")
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    cells = [cell for row in rows for cell in row]
    for cell in cells:
        if cell.startswith(writers.FORMULA_STARTS):
            float(cell)  # only a number may start so (a negative amount)
    assert "'" + people.alliance.name_zh in cells


@pytest.mark.parametrize("value", PAYLOADS)
def test_the_writers_keep_text_as_text_and_numbers_as_numbers(value):
    book = writers.new_workbook()
    ws = book.create_sheet("s")
    writers.append_row(ws, [value, -5000, 12.5, None, "\x00control\x07"])
    sheet = load_workbook(io.BytesIO(writers.save(book)))["s"]
    text, negative, decimal, empty, control = next(sheet.iter_rows())
    assert (text.data_type, text.value) == ("s", value.replace("\r", "\n"))  # XML: CR → LF
    assert (negative.data_type, negative.value) == ("n", -5000)
    assert (decimal.data_type, decimal.value) == ("n", 12.5)
    assert empty.value is None and control.value == "control"
    rows = list(csv.reader(io.StringIO(writers.csv_bytes(["h"], [[value, -5000]]).decode()[1:])))
    assert rows[1] == ["'" + value, "-5000"]


def test_no_export_builds_a_workbook_but_through_the_writers():
    """Any export added later goes through core/writers.py too."""
    allowed = {"core/writers.py", "core/workbooks.py"}
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", "tests/", "bench/", "var/")) or relative in allowed:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(
            r"from openpyxl import [^\n]*\bWorkbook\b|openpyxl\.Workbook|csv\.writer", text
        ):
            offenders.append(relative)
    # The demo builds its historic workbook to import, not to hand out.
    assert offenders == ["demo/history.py"], offenders
