"""The demo's filings (domain.md §4), as the programme office would have them in 107:

- 106: every alliance's expected outcomes, first and second KPI filings, accepted; the
  second filings' snapshots are the year's official figures and reproduce
  revenue_106.csv and members_106.csv. The demo alliance's first filing went round the
  review loop (audit record 106-1-001 with a finding, a resubmission, 106-1-002 with
  none); every 106 alliance-year has its annual assessment.
- 107: expected outcomes in every state (accepted, under review, submitted, returned,
  draft, not started) for the office to work on; the demo alliance's first KPI filing is a
  draft with an extension, so the demo PI can check, certify and submit it.

History is written with its own dates (submitted on 106.04.12, and so on), so it goes
through the snapshot and transition helpers of kpi.filings.services rather than the services, which
stamp the present moment and refuse submissions after a deadline. Idempotent.
"""

import datetime as dt
import hashlib
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from alliances.models import AllianceRole, AllianceYear, RoleStatus, TeamRole
from kpi.filings import checks
from kpi.filings import selectors as filing_selectors
from kpi.filings import services as filings
from kpi.filings.models import finding_key
from kpi.ledger import catalog
from kpi.models import (
    Assessment,
    AssessmentOutcome,
    AuditRecord,
    Filing,
    FilingExtension,
    FilingKind,
    FilingState,
    FilingTransition,
    FindingAnswer,
    LedgerCoverage,
    MarkVerdict,
    ReviewMark,
)
from kpi.review import pdf as audit_pdf
from kpi.review import services as review

TAIPEI = ZoneInfo("Asia/Taipei")
DEMO_ALLIANCE_CODE = "MECH001"


def _at(roc_year: int, month: int, day: int, hour: int = 10) -> dt.datetime:
    """A moment in Taiwan; months 13 and 14 of year N are January and February of N+1
    (the second KPI filing's dates)."""
    if month > 12:
        roc_year, month = roc_year + 1, month - 12
    return dt.datetime(roc_year + 1911, month, day, hour, tzinfo=TAIPEI)


def _pis() -> dict[int, User]:
    return {
        role.alliance_id: role.user
        for role in AllianceRole.objects.filter(
            role=TeamRole.PI, status=RoleStatus.ACTIVE
        ).select_related("user")
    }


def _history(filing: Filing, steps, *, pi, office, figures=None) -> None:
    """Write (state, when, comment) steps; a submission step freezes a version (of the
    figures given, or computed now)."""
    for state, when, comment in steps:
        number = None
        if state in (FilingState.SUBMITTED, FilingState.RESUBMITTED):
            result = figures or checks.figures(filing)
            version = filings._take_snapshot(
                filing,
                result,
                by=pi,
                certified_name=pi.name if pi else "計畫主持人",
                at=when,
            )
            number = version.number
        FilingTransition.objects.create(
            filing=filing,
            from_state=filing.state,
            to_state=state,
            version=number or filing.versions.count() or None,
            by=pi if state in (FilingState.SUBMITTED, FilingState.RESUBMITTED) else office,
            at=when,
            comment=comment,
        )
        filing.state = state
        filing.save(update_fields=["state", "correction_due", "updated_at"])
        if state == FilingState.ACCEPTED:
            version = filing.versions.order_by("-number").first()
            if version.through is not None:
                LedgerCoverage.objects.create(
                    alliance_year=filing.alliance_year,
                    covered_through=version.through,
                    label=f"{filing.get_kind_display()} v{version.number}",
                    recorded_by=office,
                )


def _targets_from(values: dict, growth: float) -> dict:
    return {item.code: int((values.get(item.code) or 0) * growth) for item in catalog.TARGETED}


def _accepted(
    filing: Filing, roc_year: int, dates, *, pi, office, comment="", figures=None
) -> None:
    submitted, review, accepted = dates
    _history(
        filing,
        [
            (FilingState.SUBMITTED, _at(roc_year, *submitted), ""),
            (FilingState.UNDER_REVIEW, _at(roc_year, *review), ""),
            (FilingState.ACCEPTED, _at(roc_year, *accepted), comment),
        ],
        pi=pi,
        office=office,
        figures=figures,
    )


@transaction.atomic
def load() -> int:
    if Filing.objects.exists():
        return 0
    office = User.objects.filter(email__iexact="office@example.org").first()
    pis = _pis()
    created = 0
    years_106 = AllianceYear.objects.filter(programme_year__roc_year=106).select_related(
        "alliance", "programme_year"
    )
    values_106 = {}
    for ay in years_106.order_by("alliance__code"):
        pi = pis.get(ay.alliance_id)
        first = Filing.objects.create(alliance_year=ay, kind=FilingKind.FIRST)
        second = Filing.objects.create(alliance_year=ay, kind=FilingKind.SECOND)
        figures = checks.figures(second)
        live = figures.values
        values_106[ay.alliance_id] = live
        expected = Filing.objects.create(
            alliance_year=ay, kind=FilingKind.EXPECTED, targets=_targets_from(live, 0.9)
        )
        _accepted(expected, 106, ((4, 12), (5, 2), (5, 20)), pi=pi, office=office)
        if ay.alliance.code == DEMO_ALLIANCE_CODE:
            _corrected_first(first, pi=pi, office=office)
        else:
            _accepted(first, 106, ((10, 27), (11, 6), (11, 30)), pi=pi, office=office)
        figures.targets, figures.targets_source = filing_selectors.year_targets(ay)
        _accepted(second, 106, ((13, 25), (14, 5), (14, 26)), pi=pi, office=office, figures=figures)
        created += 3
    _assessments(years_106, values_106, office)
    created += _load_107(pis, office, values_106)
    return created


def _marks(version, office, when, flags=()) -> None:
    """Every item of the version marked: accepted, or flagged as (code, rule, reason)."""
    flagged = {code: (rule, reason) for code, rule, reason in flags}
    ReviewMark.objects.bulk_create(
        ReviewMark(
            version=version,
            code=item.code,
            verdict=MarkVerdict.FLAGGED if item.code in flagged else MarkVerdict.ACCEPTED,
            rule=flagged.get(item.code, ("", ""))[0],
            reason=flagged.get(item.code, ("", ""))[1],
            by=office,
            at=when,
        )
        for item in catalog.ITEMS
    )


def _record(filing, version, office, serial: int, when, due=None) -> AuditRecord:
    """An audit record issued at `when`, its PDF rendered as the office's would be."""
    record = AuditRecord(
        filing=filing,
        version=version,
        roc_year=filing.alliance_year.programme_year.roc_year,
        period=filing.kind,
        serial=serial,
        findings=review.findings_of(version),
        correction_due=due,
        issued_by=office,
        issued_at=when,
    )
    pdf = audit_pdf.render(record)
    record.sha256 = hashlib.sha256(pdf).hexdigest()
    record.pdf.save("record.pdf", ContentFile(pdf), save=False)
    record.save()
    return record


def _corrected_first(filing: Filing, *, pi, office) -> None:
    """The demo alliance's 106 first KPI filing went round the loop once: audit record
    106-1-001 flagged the technical-service revenue, the PI resubmitted, and 106-1-002 found
    nothing."""
    _history(
        filing,
        [
            (FilingState.SUBMITTED, _at(106, 10, 27), ""),
            (FilingState.UNDER_REVIEW, _at(106, 11, 6), ""),
        ],
        pi=pi,
        office=office,
    )
    v1 = filing.versions.get(number=1)
    _marks(
        v1,
        office,
        _at(106, 11, 20),
        flags=[("R-SERVICE", "R5", "技術服務收入請附上合約及發票影本，並確認付款單位為廠商會員。")],
    )
    due = dt.date(2017, 12, 31)
    first = _record(filing, v1, office, 1, _at(106, 11, 28), due)
    filing.correction_due = due
    _history(
        filing,
        [
            (FilingState.RETURNED, _at(106, 11, 28), f"查核記錄 {first.number}：1 項查核意見。"),
            (FilingState.RESUBMITTED, _at(106, 12, 15), ""),
            (FilingState.UNDER_REVIEW, _at(106, 12, 18), ""),
        ],
        pi=pi,
        office=office,
    )
    v2 = filing.versions.get(number=2)
    FindingAnswer.objects.create(  # the PI answered the finding with the resubmission
        version=v2,
        record_number=first.number,
        finding=finding_key(first.findings[0]),
        answer="已補上傳技術服務合約及發票影本；付款單位為本聯盟廠商會員。",
    )
    _marks(v2, office, _at(106, 12, 19))
    second = _record(filing, v2, office, 2, _at(106, 12, 20))
    _history(
        filing,
        [(FilingState.ACCEPTED, _at(106, 12, 20), f"查核記錄 {second.number}：無查核意見。")],
        pi=pi,
        office=office,
    )


def _assessments(years, values, office) -> None:
    """The 106 annual assessments: self-sufficiency (R10) decides the demo's outcome."""
    rows = []
    for ay in years:
        ratio = (values.get(ay.alliance_id) or {}).get("R-SELF") or 0
        if ratio >= 30:
            outcome, reasons, conditions = (
                AssessmentOutcome.CONTINUE,
                f"各項KPI大致達成，自給率 {ratio}%。",
                "",
            )
        else:
            outcome, reasons, conditions = (
                AssessmentOutcome.CONDITIONS,
                f"自給率 {ratio}% 偏低。",
                "107 年度須提出營運改善計畫，並於第一次KPI填報說明執行情形。",
            )
        rows.append(
            Assessment(
                alliance_year=ay,
                outcome=outcome,
                reasons=reasons,
                conditions=conditions,
                decided_by=office,
                decided_at=_at(107, 3, 15),
            )
        )
    Assessment.objects.bulk_create(rows)


def _load_107(pis, office, values_106) -> int:
    created = 0
    years = AllianceYear.objects.filter(programme_year__roc_year=107).select_related(
        "alliance", "programme_year"
    )
    for index, ay in enumerate(years.order_by("alliance__code")):
        pi = pis.get(ay.alliance_id)
        targets = _targets_from(values_106.get(ay.alliance_id, {}), 1.1)
        demo = ay.alliance.code == DEMO_ALLIANCE_CODE
        slot = 0 if demo else index % 10
        if slot == 9:
            continue  # one in ten has not started
        filing = Filing.objects.create(alliance_year=ay, kind=FilingKind.EXPECTED, targets=targets)
        created += 1
        submitted = (FilingState.SUBMITTED, _at(107, 4, 10 + index % 5), "")
        review = (FilingState.UNDER_REVIEW, _at(107, 5, 3), "")
        if slot <= 3:
            _accepted(filing, 107, ((4, 10 + index % 5), (5, 3), (5, 24)), pi=pi, office=office)
        elif slot in (4, 5):
            _history(filing, [submitted], pi=pi, office=office)
        elif slot == 6:
            filing.correction_due = dt.date(2018, 6, 30)
            _history(
                filing,
                [
                    submitted,
                    review,
                    (
                        FilingState.RETURNED,
                        _at(107, 5, 25),
                        "技術移轉目標低於去年實績，請說明或調整；會員數目標請與第二期門檻一致。",
                    ),
                ],
                pi=pi,
                office=office,
            )
        elif slot == 7:
            _history(filing, [submitted, review], pi=pi, office=office)
        else:  # a draft, half done
            filing.targets = dict(list(targets.items())[:6])
            filing.save(update_fields=["targets"])
        if demo:
            first = Filing.objects.create(alliance_year=ay, kind=FilingKind.FIRST)
            FilingExtension.objects.create(
                filing=first,
                until=timezone.localdate() + dt.timedelta(days=60),
                reason="示範資料：計畫辦公室同意延期繳交，讓示範帳號可以送出第一次KPI填報。",
                granted_by=office,
            )
            created += 1
    return created
