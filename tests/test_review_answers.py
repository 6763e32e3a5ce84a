"""Issue 26, points 3 and 4: each finding links to what it concerns; the PI answers every
finding when resubmitting (required, 1–500 characters), the answers are kept with the
version, shown on the office's re-review beside the findings and printed in the next audit
record's PDF; the re-review shows evidence added or removed; the ledger is an alliance tab
and the pages below an alliance carry a breadcrumb."""

import re

import pytest
import time_machine
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import translation

from kpi.filings import selectors as filing_selectors
from kpi.filings import services as filings
from kpi.ledger import services as ledger
from kpi.models import FilingKind, FilingState, FindingAnswer, SnapshotRecord
from kpi.review import services as review
from tests.filing_helpers import at
from tests.review_helpers import REVIEW_DAY, office_accepts, pdf_text, reviewing

ANSWER = "已補上傳發票 INV-2017-88，付款單位為廠商會員。"


@pytest.fixture(autouse=True)
def _language_kept():
    """The English pages below activate English in this thread: put back what was active."""
    before = translation.get_language()
    yield
    translation.activate(before)


def _first(people):
    return filing_selectors.filing_of(people.alliance_years[106], FilingKind.FIRST)


def _returned(people):
    """106-1-001 with two findings: the item R-SERVICE and its revenue record."""
    version = reviewing(people)
    with time_machine.travel(REVIEW_DAY, tick=False):
        review.mark_save(
            version=version,
            by=people.office,
            code="R-SERVICE",
            verdict="flagged",
            rule="R5",
            reason="技術服務收入請補上傳發票",
        )
        snap = SnapshotRecord.objects.get(version=version, source="revenue")
        review.mark_save(
            version=version, by=people.office, record=snap, verdict="flagged", reason="合約日期不符"
        )
        review.accept_unmarked(version=version, by=people.office)
        return review.audit_record_issue(filing=version.filing, by=people.office), snap


def _english(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _url(people, tail=""):
    return f"/alliances/{people.alliance.pk}/filings/106/first/{tail}"


def _certify(people, **answers):
    return {"confirm": "on", "name": people.pi.name, **answers}


def test_each_finding_links_to_the_ledger_filtered_to_what_it_concerns(client, people):
    record, snap = _returned(people)
    html = _english(client, people.pi).get(_url(people)).content.decode()
    item_link = f"/alliances/{people.alliance.pk}/ledger/106/revenue/?kind=technical_service"
    record_link = f"{item_link}&amp;record={snap.record_id}"
    assert f'href="{item_link}" class="finding-link"' in html
    assert f'href="{record_link}" class="finding-link"' in html
    # The returned filing's "correct the ledger or the targets" leads to both.
    todo = html.split('class="panel todo"', 1)[1].split("</p>", 1)[0]
    assert f"/alliances/{people.alliance.pk}/ledger/106/revenue/" in todo
    assert f"/alliances/{people.alliance.pk}/filings/106/expected/" in todo
    # The record's link shows that one record.
    page = client.get(record_link.replace("&amp;", "&"))
    assert page.status_code == 200
    assert len(page.context["page"].object_list) == 1
    assert page.context["page"].object_list[0].pk == snap.record_id
    assert "Filtered" in page.content.decode()


def test_a_resubmission_needs_an_answer_to_every_finding(client, people):
    _returned(people)
    _english(client, people.pi)
    with time_machine.travel(at(2017, 12, 1), tick=False):
        check = client.get(_url(people, "check/")).content.decode()
        assert "Your answers to audit record 106-1-001" in check
        assert check.count('name="answer_') == 2
        refused = client.post(_url(people, "submit/"), _certify(people, answer_1=ANSWER))
        assert refused.status_code == 400
        assert "Say what you corrected" in refused.content.decode()
        # The service refuses too, and an answer over 500 characters.
        with pytest.raises(filings.FilingError, match="Not answered: #1, #2"):
            filings.filing_submit(
                filing=_first(people), by=people.pi, certified_name=people.pi.name, confirmed=True
            )
        from kpi.filings import panels

        keys = [row["key"] for row in panels.open_findings(_first(people))["rows"]]
        assert keys[0] == "item:R-SERVICE" and keys[1].startswith("record:revenue:")
        with pytest.raises(filings.FilingError, match="at most 500"):
            filings.filing_submit(
                filing=_first(people),
                by=people.pi,
                certified_name=people.pi.name,
                confirmed=True,
                answers={keys[0]: "x" * 501, keys[1]: "ok"},
            )
    assert _first(people).state == FilingState.RETURNED
    assert _first(people).versions.count() == 1 and not FindingAnswer.objects.exists()


def test_answers_are_kept_shown_beside_the_findings_and_printed_in_the_next_record(client, people):
    first, snap = _returned(people)
    entry = people.entry
    assert snap.record_id == entry.pk
    with time_machine.travel(at(2017, 12, 1), tick=False):
        # The PI adds the missing receipt to the record, then resubmits answering.
        ledger.evidence_add(
            record=entry, upload=ContentFile(b"%PDF-1.4\n%r\n", name="receipt.pdf"), by=people.pi
        )
        response = _english(client, people.pi).post(
            _url(people, "submit/"),
            _certify(people, answer_1=ANSWER, answer_2="The contract date is corrected."),
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    filing = _first(people)
    v2 = filing.versions.get(number=2)
    assert dict(v2.answers.values_list("finding", "answer")) == {
        "item:R-SERVICE": ANSWER,
        f"record:revenue:{entry.pk}": "The contract date is corrected.",
    }
    assert set(v2.answers.values_list("record_number", flat=True)) == {"106-1-001"}

    # The office's re-review: each answer beside its finding, and the evidence added.
    with time_machine.travel(at(2017, 12, 2), tick=False):
        filings.filing_review_start(filing=filing, by=people.office)
    html = _english(client, people.office).get(_url(people, "review/")).content.decode()
    section = html.split('id="answers-heading"', 1)[1].split("</section>", 1)[0]
    assert "Findings of audit record 106-1-001 and the alliance" in html
    assert re.search(r"技術服務收入請補上傳發票.*?</td>\s*<td>" + re.escape(ANSWER), section, re.S)
    assert "The contract date is corrected." in section
    changes = html.split('id="changes-heading"', 1)[1].split("</section>", 1)[0]
    assert "evidence added: receipt.pdf" in changes
    changed = [li for li in changes.split("<li>") if "receipt.pdf" in li][0]
    assert "→" not in changed  # not "NT$120,000 → NT$120,000"
    # The version keeps them: its page lists them.
    version_page = _english(client, people.pi).get(_url(people, "v2/")).content.decode()
    assert "Answers to audit record 106-1-001" in version_page
    assert "R-SERVICE Technical service revenue</strong> — " + ANSWER in version_page
    # The alliance's own page shows its answer under the finding.
    pi_page = _english(client, people.pi).get(_url(people)).content.decode()
    assert "Your answer" in pi_page and ANSWER in pi_page

    # The next audit record prints the findings it answers with the answers.
    with time_machine.travel(at(2017, 12, 3), tick=False):
        second = office_accepts(people, filing)
    text = pdf_text(second.pdf_bytes())
    assert "106-1-001" in text and "INV-2017-88" in text.replace("\n", "")
    assert "The contract date is corrected." in text.replace("\n", " ")


def test_evidence_removed_between_versions_shows_too(people):
    from kpi.filings.selectors import evidence_change

    old = SnapshotRecord(
        evidence_files=2, evidence=[{"id": 1, "name": "a.pdf"}, {"id": 2, "name": "b.pdf"}]
    )
    new = SnapshotRecord(evidence_files=1, evidence=[{"id": 2, "name": "b.pdf"}])
    assert evidence_change(old, new) == {"added": [], "removed": ["a.pdf"], "more": 0, "fewer": 1}
    # Versions taken before the names were kept compare by count.
    legacy = SnapshotRecord(evidence_files=0, evidence=[])
    assert evidence_change(legacy, new)["more"] == 1
    assert evidence_change(new, new) is None


def test_the_ledger_is_a_tab_and_pages_below_an_alliance_carry_a_breadcrumb(client, people):
    _returned(people)
    client.force_login(people.pi)
    pk = people.alliance.pk
    latest = client.get(f"/alliances/{pk}/ledger/")
    assert latest.status_code == 302 and re.search(r"/ledger/\d+/revenue/$", latest["Location"])
    member = people.alliance_years[106].memberships.first()
    pages = [
        f"/alliances/{pk}/kpi/106/",
        f"/alliances/{pk}/ledger/106/revenue/",
        f"/alliances/{pk}/ledger/106/revenue/new/",
        f"/alliances/{pk}/ledger/106/revenue/{people.entry.pk}/",
        f"/alliances/{pk}/filings/106/",
        f"/alliances/{pk}/filings/106/first/",
        f"/alliances/{pk}/filings/106/first/check/",
        f"/alliances/{pk}/filings/106/first/v1/",
        f"/alliances/{pk}/members/106/",
        f"/alliances/{pk}/members/106/new/",
        f"/alliances/{pk}/team/",
    ]
    if member is not None:
        pages.append(f"/alliances/{pk}/members/106/{member.pk}/")
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        crumb = re.search(
            r'<nav class="breadcrumb" aria-label="[^"]+"><ol>(.*?)</ol></nav>', html, re.S
        )
        assert crumb, url
        assert f'href="/alliances/{pk}/"' in crumb.group(1), url
        assert crumb.group(1).count('aria-current="page"') == 1, url
        if not re.search(r"/(new|\d+)/$", url):  # the forms have no tabs
            assert f'href="/alliances/{pk}/ledger/"' in html, url  # the Ledger tab
    ledger_page = client.get(f"/alliances/{pk}/ledger/106/revenue/").content.decode()
    assert f'<a href="/alliances/{pk}/ledger/" aria-current="page">' in ledger_page
    # The filing's sub-pages lead back to the filing and the year's filings.
    check = client.get(f"/alliances/{pk}/filings/106/first/check/").content.decode()
    crumb = check.split('class="breadcrumb"', 1)[1].split("</nav>", 1)[0]
    assert f'href="/alliances/{pk}/filings/106/"' in crumb
    assert f'href="/alliances/{pk}/filings/106/first/"' in crumb
    english = _english(client, people.pi).get(f"/alliances/{pk}/team/").content.decode()
    assert 'aria-label="Breadcrumb"' in english
