"""Filings (domain.md §4): targets, the check, certification and submission of a frozen
snapshot, the deadline with its extensions, versions and what changed between them."""

import datetime as dt

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.http import Http404

from alliances.models import AllianceRole, Capability, RoleStatus, TeamRole
from core.models import AuditEvent
from kpi.filings import checks, judgement
from kpi.filings import selectors as filing_selectors
from kpi.filings import services as filings
from kpi.ledger import services as ledger
from kpi.models import (
    Filing,
    FilingKind,
    FilingState,
    FilingVersion,
    RevenueEntry,
    SnapshotItem,
    SnapshotRecord,
)
from tests.filing_helpers import (
    answers,
    at,
    full_targets,
    submitted_expected,
    submitted_first_filing,
)
from tests.review_helpers import office_accepts, office_returns


def _first(people, roc_year=106):
    return filing_selectors.filing_of(people.alliance_years[roc_year], FilingKind.FIRST)


def _submit(people, filing, user=None):
    user = user or people.pi
    return filings.filing_submit(
        filing=filing,
        by=user,
        certified_name=user.name,
        confirmed=True,
        answers=answers(filing),
    )


def _items(version) -> dict:
    return {i.code: (i.entered, i.counted, i.target) for i in version.items.all()}


def _records(version) -> list:
    return list(
        version.records.order_by("source", "record_id").values_list(
            "source", "record_id", "amount", "counted", "counted_amount", "rule"
        )
    )


# --- the snapshot -----------------------------------------------------------------------


@pytest.mark.smoke
def test_submission_freezes_a_snapshot_that_later_ledger_edits_leave_unchanged(people):
    version = submitted_first_filing(people)
    items, records = _items(version), _records(version)
    assert items["R-SERVICE"] == (120_000, 120_000, 1)
    assert items["M-COMPANY"][1] == 1
    assert ("revenue", people.entry.pk, 120_000, True, 120_000, "R5") in records
    assert ("membership", people.membership.pk, 30_000, True, 30_000) in [r[:5] for r in records]

    entry = RevenueEntry.objects.get(pk=people.entry.pk)
    entry.amount = 999_000
    ledger.record_save(record=entry, by=people.pi)
    ledger.record_save(
        record=RevenueEntry(
            alliance_year=people.alliance_years[106],
            kind="other_operating",
            amount=5_000,
            date=dt.date(2017, 6, 1),
        ),
        by=people.pi,
    )
    ledger.record_delete(record=entry, by=people.pi)

    version.refresh_from_db()
    assert _items(version) == items
    assert _records(version) == records
    # The live figures moved on; the snapshot did not.
    live = checks.figures(_first(people))
    assert live.values["R-SERVICE"] == 0 and live.values["R-OTHER"] == 5_000


def test_the_snapshot_holds_every_catalog_item_and_the_verdicts_behind_it(people):
    from kpi.ledger import catalog

    version = submitted_first_filing(people)
    assert [i.code for i in version.items.order_by("pk")] == [i.code for i in catalog.ITEMS]
    entry = version.records.get(source="revenue", record_id=people.entry.pk)
    assert entry.counted and entry.rule == "R5" and entry.evidence_files == 1
    assert version.through == dt.date(2017, 10, 31)
    assert version.certified_name == people.pi.name
    assert "certify" in version.statement or "證明" in version.statement


def test_first_filing_counts_only_records_up_to_its_period_end(people):
    ledger.record_save(
        record=RevenueEntry(
            alliance_year=people.alliance_years[106],
            kind="other_operating",
            amount=7_000,
            date=dt.date(2017, 11, 20),
        ),
        by=people.pi,
    )
    result = checks.run(_first(people))
    assert result.values["R-OTHER"] == 0
    assert any("106.10.31" in p.message and p.rule == "§4" for p in result.warnings)
    second = filing_selectors.filing_of(people.alliance_years[106], FilingKind.SECOND)
    assert checks.figures(second).values["R-OTHER"] == 7_000


# --- who may submit ---------------------------------------------------------------------


@pytest.mark.parametrize("who", ["copi", "assistant"])
def test_a_co_pi_or_an_assistant_with_the_capability_prepares_but_cannot_submit(people, who):
    people.assistant_role.capabilities = [Capability.LEDGER, Capability.FILINGS]
    people.assistant_role.save()
    user = getattr(people, who)
    filing = filing_selectors.filing_of(people.alliance_years[106], FilingKind.EXPECTED)
    with time_machine.travel(at(2017, 4, 10), tick=False):
        filing = filings.targets_save(filing=filing, by=user, targets=full_targets())
        with pytest.raises(filings.FilingError, match="計畫主持人|PI"):
            filings.filing_submit(filing=filing, by=user, certified_name=user.name, confirmed=True)
    filing.refresh_from_db()
    assert filing.state == FilingState.DRAFT
    assert not FilingVersion.objects.exists()
    assert not AuditEvent.objects.filter(action="filing.submitted").exists()


def test_an_assistant_without_the_capability_cannot_even_prepare(people):
    filing = filing_selectors.filing_of(people.alliance_years[106], FilingKind.EXPECTED)
    with pytest.raises(filings.FilingError):
        filings.targets_save(filing=filing, by=people.assistant, targets=full_targets())
    assert not Filing.objects.exists()


@pytest.mark.parametrize("who", ["other_pi", "outsider", "pending", "revoked"])
def test_people_outside_the_alliance_get_404_from_the_services(people, who):
    filing = filing_selectors.filing_of(people.alliance_years[106], FilingKind.EXPECTED)
    user = getattr(people, who)
    with pytest.raises(Http404):
        filings.targets_save(filing=filing, by=user, targets=full_targets())
    with pytest.raises(Http404):
        filings.filing_submit(filing=filing, by=user, certified_name="x", confirmed=True)
    assert not Filing.objects.exists()


def test_the_office_cannot_submit_for_an_alliance(people):
    filing = filing_selectors.filing_of(people.alliance_years[106], FilingKind.EXPECTED)
    with pytest.raises(filings.FilingError):
        filings.filing_submit(
            filing=filing, by=people.office, certified_name=people.office.name, confirmed=True
        )


def test_certification_needs_the_statement_and_the_pis_own_name(people):
    filing = filing_selectors.filing_of(people.alliance_years[106], FilingKind.EXPECTED)
    with time_machine.travel(at(2017, 4, 10), tick=False):
        filing = filings.targets_save(filing=filing, by=people.pi, targets=full_targets())
        for name, confirmed in (("", True), (people.pi.name, False), ("別人", True)):
            with pytest.raises(filings.FilingError):
                filings.filing_submit(
                    filing=filing, by=people.pi, certified_name=name, confirmed=confirmed
                )
    assert not FilingVersion.objects.exists()


# --- deadlines ----------------------------------------------------------------------------


def _ready_expected(people):
    filing = filing_selectors.filing_of(people.alliance_years[106], FilingKind.EXPECTED)
    with time_machine.travel(at(2017, 4, 1), tick=False):
        return filings.targets_save(filing=filing, by=people.pi, targets=full_targets())


@pytest.mark.smoke
def test_submitting_at_2359_taipei_on_the_due_day_passes(people):
    filing = _ready_expected(people)  # due 106.04.15
    with time_machine.travel(at(2017, 4, 15, 23, 59, 59), tick=False):
        version = _submit(people, filing)
    assert version.number == 1


@pytest.mark.smoke
def test_submitting_at_midnight_after_the_due_day_is_refused_without_an_extension(people):
    filing = _ready_expected(people)
    with (
        time_machine.travel(at(2017, 4, 16, 0, 0, 0), tick=False),
        pytest.raises(filings.FilingError, match="106.04.15"),
    ):
        _submit(people, filing)
    filing.refresh_from_db()
    assert filing.state == FilingState.DRAFT and not filing.versions.exists()


@pytest.mark.smoke
def test_an_office_extension_lets_that_alliance_submit_after_the_deadline(people):
    filing = _ready_expected(people)
    with time_machine.travel(at(2017, 4, 16, 0, 0, 0), tick=False):
        extension = filings.extension_grant(
            filing=filing, by=people.office, until=dt.date(2017, 4, 20), reason="颱風停班"
        )
        version = _submit(people, filing)
    assert version.number == 1
    assert extension.granted_by == people.office
    event = AuditEvent.objects.get(action="filing.extended")
    assert event.reason == "颱風停班" and event.after == {"due": "2017-04-20"}
    # The extension ends at 23:59:59 of its own day.
    other = filing_selectors.filing_of(people.alliance_years[106], FilingKind.FIRST)
    with time_machine.travel(at(2017, 11, 1, 9), tick=False):
        filings.extension_grant(
            filing=other, by=people.office, until=dt.date(2017, 11, 3), reason="系統維護"
        )
    with (
        time_machine.travel(at(2017, 11, 4, 0, 0, 0), tick=False),
        pytest.raises(filings.FilingError, match="106.11.03"),
    ):
        _submit(people, other)


def test_extensions_need_the_office_a_reason_and_a_day_not_in_the_past(people):
    filing = _ready_expected(people)
    cases = [
        (people.pi, dt.date(2017, 4, 20), "自己延"),  # not the office
        (people.office, dt.date(2017, 4, 20), "  "),  # no reason
        (people.office, dt.date(2017, 4, 15), "太晚"),  # a day already past
    ]
    with time_machine.travel(at(2017, 4, 16, 9), tick=False):
        for by, until, reason in cases:
            with pytest.raises(filings.FilingError):
                filings.extension_grant(filing=filing, by=by, until=until, reason=reason)
    assert not filing.extensions.exists()


def test_the_window_must_be_open(people):
    filing = filing_selectors.filing_of(people.alliance_years[106], FilingKind.EXPECTED)
    with time_machine.travel(at(2017, 2, 20), tick=False):  # opens 106.03.01
        filing = filings.targets_save(filing=filing, by=people.pi, targets=full_targets())
        with pytest.raises(filings.FilingError, match="106.03.01"):
            _submit(people, filing)


# --- the check ------------------------------------------------------------------------------


def test_a_missing_target_is_an_error_that_blocks_submission(people):
    filing = filing_selectors.filing_of(people.alliance_years[106], FilingKind.EXPECTED)
    targets = full_targets()
    del targets["O-PATENT-A"]
    with time_machine.travel(at(2017, 4, 10), tick=False):
        filing = filings.targets_save(filing=filing, by=people.pi, targets=targets)
        with pytest.raises(filings.FilingHasErrors) as refused:
            _submit(people, filing)
    assert "專利申請" in refused.value.result.errors[0].message
    filing.refresh_from_db()
    assert filing.state == FilingState.DRAFT and not filing.versions.exists()


def test_a_counted_record_without_its_evidence_is_an_error_citing_its_rule(people):
    submitted_expected(people)
    transfer = ledger.record_save(
        record=RevenueEntry(
            alliance_year=people.alliance_years[106],
            kind="technology_transfer",
            amount=500_000,
            firm=people.firm,
            date=dt.date(2017, 7, 1),
        ),
        by=people.pi,
    )
    result = checks.run(_first(people))
    errors = [p for p in result.errors if p.rule == "R6"]
    assert len(errors) == 1 and f"/revenue/{transfer.pk}/" in errors[0].link
    with time_machine.travel(at(2017, 10, 20), tick=False), pytest.raises(filings.FilingHasErrors):
        _submit(people, _first(people))
    ledger.evidence_add(
        record=transfer, upload=ContentFile(b"%PDF-1.4 contract", name="c.pdf"), by=people.pi
    )
    assert not checks.run(_first(people)).errors


def test_a_record_dated_outside_its_year_is_an_error(people):
    submitted_expected(people)
    RevenueEntry.objects.create(  # as an old import could have left it
        alliance_year=people.alliance_years[106],
        kind="membership_fee",
        amount=10_000,
        date=dt.date(2016, 12, 1),
        counted=True,
        full_amount=10_000,
        counted_amount=10_000,
        rule="R2",
    )
    result = checks.run(_first(people))
    assert any("105.12.01" in p.message for p in result.errors)


def test_a_kpi_filing_before_any_expected_outcomes_is_an_error(people):
    result = checks.run(_first(people))
    assert [p.rule for p in result.errors] == ["§4"]


def test_warnings_cite_their_rules_and_do_not_block(people):
    ay = people.alliance_years[106]
    ay.phase, ay.phase_year = 2, 3
    ay.collaboration_weight = 30
    ay.save()
    targets = full_targets(10)
    submitted_expected(people, targets=targets)
    result = checks.run(_first(people))
    rules = {p.rule for p in result.warnings}
    assert {"P1", "P2", "R10"} <= rules  # one new member, no P2 floor yet, 6% of subsidy
    assert any(p.rule == "§4" and "廠商會員數 1/10" in p.message for p in result.warnings)
    with time_machine.travel(at(2017, 10, 20), tick=False):
        version = _submit(people, _first(people))
    assert {w["rule"] for w in version.warnings} == rules


def test_r9_warns_when_revenue_does_not_grow(people):
    ledger.record_save(
        record=RevenueEntry(
            alliance_year=people.alliance_years[105],
            kind="other_operating",
            amount=900_000,
            date=dt.date(2016, 6, 1),
        ),
        by=people.pi,
    )
    submitted_expected(people)
    second = filing_selectors.filing_of(people.alliance_years[106], FilingKind.SECOND)
    assert "R9" in {p.rule for p in checks.run(second).warnings}


# --- states, versions and changes ---------------------------------------------------------


def test_submitting_twice_is_refused_and_changes_nothing(people):
    version = submitted_first_filing(people)
    with (
        time_machine.travel(at(2017, 10, 21), tick=False),
        pytest.raises(filings.FilingError, match="已送出|submitted"),
    ):
        _submit(people, _first(people))
    assert FilingVersion.objects.filter(filing=version.filing).count() == 1


def test_targets_of_a_submitted_filing_cannot_change(people):
    version = submitted_expected(people)
    with pytest.raises(filings.FilingError):
        filings.targets_save(filing=version.filing, by=people.pi, targets=full_targets(5))
    from kpi.ledger import catalog

    entered = version.items.filter(code__in=[i.code for i in catalog.TARGETED])
    assert set(entered.values_list("target", flat=True)) == {1}
    version.filing.refresh_from_db()
    assert version.filing.targets == full_targets()


def test_two_people_saving_targets_from_the_same_page_do_not_overwrite_each_other(people):
    filing = filing_selectors.filing_of(people.alliance_years[106], FilingKind.EXPECTED)
    filing = filings.targets_save(filing=filing, by=people.pi, targets=full_targets(1))
    opened = filing.revision
    filings.targets_save(
        filing=filing, by=people.copi, targets=full_targets(2), expected_revision=opened
    )
    with pytest.raises(filings.StaleFiling):
        filings.targets_save(
            filing=filing, by=people.pi, targets=full_targets(3), expected_revision=opened
        )
    filing.refresh_from_db()
    assert filing.targets == full_targets(2)


def test_every_transition_is_in_the_history_with_an_audit_event(people):
    version = submitted_first_filing(people)
    filing = version.filing
    with time_machine.travel(at(2017, 11, 5), tick=False):
        filings.filing_review_start(filing=filing, by=people.office)
        office_returns(people, filing, "技術服務金額請附發票")
    filing.refresh_from_db()
    assert filing.state == FilingState.RETURNED
    assert filing.correction_due == dt.date(2017, 12, 31)
    steps = list(filing.transitions.values_list("from_state", "to_state", "by__email"))
    assert steps == [
        ("draft", "submitted", "pi@example.org"),
        ("submitted", "under_review", "office@example.org"),
        ("under_review", "returned", "office@example.org"),
    ]
    actions = list(
        AuditEvent.objects.filter(action__startswith="filing.", target_id=str(filing.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["filing.submitted", "filing.review_started"]
    issued = AuditEvent.objects.get(action="audit_record.issued", target_id=str(filing.pk))
    assert issued.after["state"] == "returned" and issued.after["number"] == "106-1-001"


def test_a_resubmission_is_a_new_version_showing_what_changed(people):
    version = submitted_first_filing(people)
    filing = version.filing
    with time_machine.travel(at(2017, 11, 5), tick=False):
        filings.filing_review_start(filing=filing, by=people.office)
        office_returns(people, filing, "請補登其他收入")
    added = ledger.record_save(
        record=RevenueEntry(
            alliance_year=people.alliance_years[106],
            kind="other_operating",
            amount=8_000,
            date=dt.date(2017, 9, 1),
        ),
        by=people.pi,
    )
    with time_machine.travel(at(2017, 12, 20), tick=False):  # inside the correction window
        second = _submit(people, filing)
    filing.refresh_from_db()
    assert second.number == 2 and filing.state == FilingState.RESUBMITTED
    rows = {r["item"].code: r for r in filing_selectors.version_rows(second, version)}
    assert rows["R-OTHER"]["changed"] and rows["R-OTHER"]["now"].counted == 8_000
    assert not rows["M-COMPANY"]["changed"]
    changes = filing_selectors.record_changes(second, version)
    assert [r.record_id for r in changes["added"]] == [added.pk]
    assert _items(version)["R-OTHER"] == (0, 0, 1)  # version 1 kept as it was


def test_resubmitting_after_the_correction_deadline_is_refused(people):
    filing = submitted_first_filing(people).filing
    with time_machine.travel(at(2017, 11, 5), tick=False):
        filings.filing_review_start(filing=filing, by=people.office)
        office_returns(people, filing, "請更正", correction_due=dt.date(2017, 11, 20))
    with (
        time_machine.travel(at(2017, 11, 21, 0, 0, 1), tick=False),
        pytest.raises(filings.FilingError, match="106.11.20"),
    ):
        _submit(people, filing)


def test_records_changed_after_an_accepted_filing_show_with_their_reasons(people):
    first = submitted_first_filing(people).filing
    with time_machine.travel(at(2017, 11, 5), tick=False):
        filings.filing_review_start(filing=first, by=people.office)
        office_accepts(people, first)
    entry = RevenueEntry.objects.get(pk=people.entry.pk)
    entry.amount = 100_000
    with pytest.raises(ledger.ReasonRequired):
        ledger.record_save(record=entry, by=people.pi)
    ledger.record_save(record=entry, by=people.pi, reason="發票金額誤植，更正為十萬元")
    second = filing_selectors.filing_of(people.alliance_years[106], FilingKind.SECOND)
    with time_machine.travel(at(2018, 1, 20), tick=False):
        version = _submit(people, second)
    after = filing_selectors.changed_after_acceptance(version)
    assert [(r.record_id, r.change_reason) for r in after["changed"]] == [
        (entry.pk, "發票金額誤植，更正為十萬元")
    ]


def test_only_the_office_routes_and_an_accepted_filing_is_final(people):
    filing = submitted_first_filing(people).filing
    with pytest.raises(filings.FilingError):
        filings.filing_review_start(filing=filing, by=people.pi)
    with time_machine.travel(at(2017, 11, 5), tick=False):
        filings.filing_review_start(filing=filing, by=people.office)
        with pytest.raises(filings.FilingError, match="查核記錄"):  # KPI: only by a record
            filings.filing_accept(filing=filing, by=people.office)
        office_accepts(people, filing)
        with pytest.raises(filings.FilingError):
            office_returns(people, filing, "再改")
        with pytest.raises(filings.FilingError):
            _submit(people, filing)
    filing.refresh_from_db()
    assert filing.state == FilingState.ACCEPTED
    assert filing.transitions.count() == 3


def test_accepted_expected_outcomes_are_the_years_targets(people):
    version = submitted_expected(people, targets=full_targets(4))
    targets, source = filing_selectors.year_targets(people.alliance_years[106])
    assert source == "submitted" and targets["M-COMPANY"] == 4
    with time_machine.travel(at(2017, 5, 5), tick=False):
        filings.filing_review_start(filing=version.filing, by=people.office)
        filings.filing_accept(filing=version.filing, by=people.office)
    targets, source = filing_selectors.year_targets(people.alliance_years[106])
    # R1: fee + service + other + transfer + collaboration, each 4
    assert source == "accepted" and targets["R-TOTAL"] == 20


def test_p2_floor_is_the_accepted_phase1_year3_company_target(people):
    ay = people.alliance_years[106]
    ay.phase_year = 3
    ay.save()
    version = submitted_expected(people, targets=full_targets(7))
    assert judgement.p2_floors([people.alliance.pk]) == {}
    with time_machine.travel(at(2017, 5, 5), tick=False):
        filings.filing_review_start(filing=version.filing, by=people.office)
        filings.filing_accept(filing=version.filing, by=people.office)
    assert judgement.p2_floors([people.alliance.pk]) == {people.alliance.pk: 7}


def test_submission_emails_a_receipt_to_the_pi_and_co_pis(people):
    from core.models import OutboundEmail

    submitted_expected(people)
    receipts = OutboundEmail.objects.filter(template="filing_submitted")
    assert sorted(e.to[0] for e in receipts) == ["copi@example.org", "pi@example.org"]
    assert "預期成果" in receipts.first().subject


def test_snapshot_records_and_items_cannot_be_added_twice(people):
    version = submitted_first_filing(people)
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        SnapshotItem.objects.create(version=version, code="R-TOTAL", counted=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        SnapshotRecord.objects.create(
            version=version, source="revenue", record_id=people.entry.pk, kind="x", label="x"
        )


def test_roles_do_not_leak_between_alliances(people):
    """A PI of another alliance who is also made assistant here gets nothing to submit."""
    AllianceRole.objects.create(
        alliance=people.alliance,
        user=people.other_pi,
        role=TeamRole.ASSISTANT,
        status=RoleStatus.ACTIVE,
        capabilities=[Capability.FILINGS],
    )
    filing = filing_selectors.filing_of(people.alliance_years[106], FilingKind.EXPECTED)
    with pytest.raises(filings.FilingError):
        filings.filing_submit(
            filing=filing, by=people.other_pi, certified_name=people.other_pi.name, confirmed=True
        )


def test_the_second_filing_warns_item_by_item_below_the_accepted_targets(people):
    version = submitted_expected(people, targets=full_targets(3))
    with time_machine.travel(at(2017, 5, 5), tick=False):
        filings.filing_review_start(filing=version.filing, by=people.office)
        filings.filing_accept(filing=version.filing, by=people.office)
    second = filing_selectors.filing_of(people.alliance_years[106], FilingKind.SECOND)
    messages = [p.message for p in checks.run(second).warnings if p.rule == "§4"]
    assert any("（M-COMPANY）：1，低於年度目標 3" in m for m in messages)
    assert not any("R-SERVICE" in m for m in messages)  # NT$120,000 ≥ NT$3
    assert not any("尚未經計畫辦公室核定" in m for m in messages)
