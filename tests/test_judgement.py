"""One computation per rule (issue 27): the KPI page and the self-sufficiency report judge
R9 and P1 of the same alliance-year the same way, against the same basis — last year's
accepted second KPI filing where there is one, else its ledger, and the page says which.

The cases are the demo's: last year's figures are accepted but its ledger and member list
are empty (as the office's import of past years leaves them), for an alliance that grows,
one that shrinks, and one that steps from phase 1 into phase 2 (collaboration at 30%)."""

import datetime as dt
import html
import re

import pytest
from django.conf import settings

from kpi.filings import judgement
from kpi.ledger import flags
from kpi.ledger import services as ledger
from kpi.models import RevenueEntry
from members.models import MemberKind, Membership
from members.services import apply_verdict
from tests.report_helpers import alliance_with_figures, zeros
from workbook_import.sheets.historic import save_figures

pytestmark = pytest.mark.django_db

# code, (phase, year) in 105 and in 106, figures of 105 and 106, R9 expected
CASES = [
    ("GROW01", (1, 2), (1, 3), {"R-OTHER": 500_000}, {"R-OTHER": 700_000}, True),
    (
        "SHRINK1",
        (2, 1),
        (2, 2),
        {"R-OTHER": 2_519_600, "M-COMPANY": 10},
        {"R-OTHER": 2_156_900},
        False,
    ),
    (
        "STEP01",
        (1, 3),
        (2, 1),
        {"R-OTHER": 100_000, "R-COLLAB": 1_000_000, "M-COMPANY": 10},
        {"R-OTHER": 250_000, "R-COLLAB": 1_000_000, "M-COMPANY": 1, "M-NEW": 1},
        True,  # 105 at 30%: 400,000; 106: 550,000 — growth, not the drop 1,100,000 → 550,000
    ),
]
OK = {"✓": True, "⚠": False, "✗": False, "–": None, "?": None}


def kpi_flags(page: str) -> dict:
    """{rule: (ok, message)} of the KPI page's flag list."""
    found = re.findall(
        r'<li class="flag-\w+"><strong>(\w+)</strong> (\S) (.*?)</li>', page, flags=re.S
    )
    return {rule: (OK[mark], html.unescape(text).strip()) for rule, mark, text in found}


def report_flags(page: str, code: str) -> dict:
    """{rule: (ok, message)} of an alliance's row in the self-sufficiency report."""
    row = page.split(f'<th scope="row">{code} ', 1)[1].split("</tr>", 1)[0]
    found = re.findall(r'title="([^"]*)">(\w+) (\S)</span>', row)
    return {rule: (OK[mark], html.unescape(text)) for text, rule, mark in found}


def an_alliance(people, code, before_phase, now_phase, before, now):
    alliance_with_figures(
        code, year=105, phase=before_phase[0], phase_year=before_phase[1], **zeros(**before)
    )
    ay = alliance_with_figures(code, year=106, phase=now_phase[0], phase_year=now_phase[1])
    # 106's live ledger holds what is then accepted (105's ledger stays empty, as imported):
    # a collaboration counts with a company member (R7).
    if now.get("M-COMPANY"):
        member = Membership(alliance_year=ay, firm=people.firm, entered_kind=MemberKind.COMPANY)
        apply_verdict(member)
        member.save()
    for kind, item in (("other_operating", "R-OTHER"), ("collaboration", "R-COLLAB")):
        if now.get(item):
            ledger.record_save(
                record=RevenueEntry(
                    alliance_year=ay,
                    kind=kind,
                    amount=now[item],
                    date=dt.date(2017, 6, 1),
                    **(
                        {"payer_name": "某單位", "payer_kind": "individual"}
                        if kind == "other_operating"
                        else {"firm": people.firm}
                    ),
                ),
                by=people.office,
            )
    save_figures(alliance_year=ay, values=zeros(**now), by=None)
    return ay


@pytest.mark.parametrize(("code", "before_phase", "now_phase", "before", "now", "grew"), CASES)
def test_the_kpi_page_and_the_report_judge_r9_and_p1_alike(
    client, people, code, before_phase, now_phase, before, now, grew
):
    ay = an_alliance(people, code, before_phase, now_phase, before, now)
    client.force_login(people.office)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    on_kpi = kpi_flags(client.get(f"/alliances/{ay.alliance_id}/kpi/106/").content.decode())
    report = client.get("/reports/106/self-sufficiency/").content.decode()
    on_report = report_flags(report, code)
    assert on_kpi["R9"] == on_report["R9"], (on_kpi["R9"], on_report["R9"])
    assert on_kpi["R9"][0] is grew
    weight = 30 if now_phase[0] == 2 else 100
    was = before.get("R-OTHER", 0) + before.get("R-COLLAB", 0) * weight // 100
    assert f"NT${was:,} last year (105 accepted second KPI filing" in on_kpi["R9"][1]
    if now_phase[0] == 2:
        # 105's accepted figures say 10 company members, its (imported) list holds none: no
        # basis for P1, which is not judged — on both pages, with the same reason.
        assert on_kpi["P1"] == on_report["P1"] and on_kpi["P1"][0] is None
        assert "0 company members" in on_kpi["P1"][1] and "10" in on_kpi["P1"][1]
    else:
        assert "P1" not in on_kpi and "P1" not in on_report


def test_the_kpi_page_says_what_last_year_is_judged_against(client, people):
    ay = an_alliance(people, "GROW01", (1, 2), (1, 3), {"R-OTHER": 500_000}, {"R-OTHER": 700_000})
    client.force_login(people.office)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"/alliances/{ay.alliance_id}/kpi/106/").content.decode()
    assert "Judged against last year's figures: the 105 accepted second KPI filing." in page
    # The last-year column holds the accepted figure, not the empty 105 ledger's 0.
    assert "NT$500,000" in page


def test_p1_is_judged_against_a_list_that_agrees_with_the_accepted_figures(people):
    """The fixture's alliance: 105 accepted with 1 company member and the same one firm on
    its list — P1 has its basis; with the list emptied it has none."""

    ay105, ay106 = people.alliance_years[105], people.alliance_years[106]
    ay106.phase, ay106.phase_year = 2, 1
    ay106.save()
    save_figures(alliance_year=ay105, values=zeros(**{"M-COMPANY": 1}), by=None)
    membership = Membership(alliance_year=ay105, firm=people.firm, entered_kind=MemberKind.COMPANY)
    apply_verdict(membership)
    membership.save()
    basis = judgement.bases([ay106])[ay106.pk]
    assert (basis.source, basis.listed_company, basis.accepted_company) == (flags.ACCEPTED, 1, 1)
    totals = {"members": {"new_company": 0, "company": 1}}
    assert flags.p1_new_members(totals, 2, basis).ok is False  # judged: 0 new
    membership.delete()
    basis = judgement.bases([ay106])[ay106.pk]
    assert flags.p1_new_members(totals, 2, basis).ok is None  # no list: not judged
