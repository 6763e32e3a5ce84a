"""The benchmark dataset's filings: each alliance-year's filings with their versions and
snapshots, as the portal makes them, and the check that they hold what kpi.filings.checks
computes (used by bench/reports.py)."""

import datetime as dt
import random

from alliances.models import (
    ProgrammeYear,
)
from bench.build_data import BATCH, TAIPEI, YearPlan
from core.money import half_up_int
from kpi.filings import calendar
from kpi.ledger import catalog
from kpi.models import (
    ActivityKind,
    Filing,
    FilingKind,
    FilingState,
    FilingTransition,
    FilingVersion,
    LedgerCoverage,
    OutcomeKind,
    RevenueKind,
    SnapshotItem,
    SnapshotRecord,
)
from members.models import MemberKind


class FilingRows:
    """The filings part of bench.build.Builder (a mixin: it uses the builder's rows)."""

    def _filings(self, plans: list[YearPlan], year: ProgrammeYear) -> None:
        """Accepted expected outcomes (targets near what the year brought) and an accepted
        second KPI filing; one in ten second filings was returned once and resubmitted, so
        "the newest version" matters. Items as kpi.filings.checks.figures computes them, records
        as kpi.filings.services takes them."""
        rng = self.rng
        roc_year = year.roc_year
        through = calendar.period_end(FilingKind.SECOND, year)
        filings, versions, items, records, transitions, coverage = [], [], [], [], [], []
        for plan in plans:
            ay = plan.ay
            counted = _values(plan, counted_only=True)
            entered = _values(plan, counted_only=False)
            wanted = {
                code: _near(counted[code] or 0, rng) for code in (i.code for i in catalog.TARGETED)
            }
            targets = catalog.derive_targets(
                wanted, weight=ay.collaboration_weight, subsidy=ay.subsidy
            )

            expected = Filing(
                alliance_year=ay,
                kind=FilingKind.EXPECTED,
                state=FilingState.ACCEPTED,
                targets=wanted,
            )
            version = FilingVersion(
                filing=expected,
                number=1,
                through=None,
                submitted_at=_at(roc_year, 4, 10),
                certified_name="計畫主持人",
                statement="本人確認所填資料正確。",
            )
            filings.append(expected)
            versions.append(version)
            items += [
                SnapshotItem(version=version, code=item.code, target=targets.get(item.code))
                for item in catalog.ITEMS
            ]
            transitions += _history(expected, [(4, 10), (4, 20), (5, 15)], roc_year, 1)

            second = Filing(alliance_year=ay, kind=FilingKind.SECOND, state=FilingState.ACCEPTED)
            filings.append(second)
            returned = rng.random() < 0.1
            numbers = [1, 2] if returned else [1]
            for number in numbers:
                final = number == numbers[-1]
                values = counted if final else _before_correction(counted, rng)
                version = FilingVersion(
                    filing=second,
                    number=number,
                    through=through,
                    submitted_at=_at(roc_year, 13 if number == 1 else 14, 20 if number == 1 else 5),
                    certified_name="計畫主持人",
                    statement="本人確認所填資料正確。",
                )
                versions.append(version)
                items += [
                    SnapshotItem(
                        version=version,
                        code=item.code,
                        entered=entered[item.code],
                        counted=values[item.code],
                        target=targets.get(item.code),
                    )
                    for item in catalog.ITEMS
                ]
                records += self._records(version, plan)
            if returned:
                second.correction_due = dt.date(roc_year + 1912, 2, 28)
                steps = [(13, 20), (13, 25), (14, 1), (14, 5), (14, 6), (14, 20)]
                states = [
                    FilingState.SUBMITTED,
                    FilingState.UNDER_REVIEW,
                    FilingState.RETURNED,
                    FilingState.RESUBMITTED,
                    FilingState.UNDER_REVIEW,
                    FilingState.ACCEPTED,
                ]
                transitions += _history(second, steps, roc_year, 2, states)
            else:
                transitions += _history(second, [(13, 20), (13, 25), (14, 20)], roc_year, 1)
            coverage.append(
                LedgerCoverage(
                    alliance_year=ay,
                    covered_through=through,
                    label=f"第二次KPI填報 v{numbers[-1]}",
                )
            )
        Filing.objects.bulk_create(filings, batch_size=BATCH)
        FilingVersion.objects.bulk_create(versions, batch_size=BATCH)
        SnapshotItem.objects.bulk_create(items, batch_size=BATCH)
        SnapshotRecord.objects.bulk_create(records, batch_size=BATCH)
        FilingTransition.objects.bulk_create(transitions, batch_size=BATCH)
        LedgerCoverage.objects.bulk_create(coverage, batch_size=BATCH)

    def _records(self, version: FilingVersion, plan: YearPlan) -> list[SnapshotRecord]:
        labels = self.labels
        rows = [
            SnapshotRecord(
                version=version,
                source=SnapshotRecord.Source.MEMBERSHIP,
                record_id=m.pk,
                kind=m.counted_kind,
                kind_label=labels["membership"][m.counted_kind],
                label=(m.firm.name if m.firm else m.person_name)[:300],
                amount=m.annual_fee,
                counted=m.counted_kind == MemberKind.COMPANY,
                counted_amount=m.annual_fee if m.counted_kind == MemberKind.COMPANY else 0,
                rule=m.rule,
                rule_params=m.rule_params,
            )
            for m in plan.memberships
        ]
        for source, key, ledger in (
            (SnapshotRecord.Source.REVENUE, "revenue", plan.revenue),
            (SnapshotRecord.Source.OUTCOME, "outcome", plan.outcomes),
            (SnapshotRecord.Source.ACTIVITY, "activity", plan.activities),
        ):
            rows += [
                SnapshotRecord(
                    version=version,
                    source=source,
                    record_id=r.pk,
                    record_version=r.version,
                    kind=r.kind,
                    kind_label=labels[key][r.kind],
                    date=r.date,
                    label=(getattr(r, "title", "") or r.description)[:300],
                    amount=r.full_amount,
                    counted=r.counted,
                    counted_amount=r.counted_amount,
                    rule=r.rule,
                    rule_params=r.rule_params,
                )
                for r in ledger
            ]
        return rows


# --- values, as kpi.filings.checks.figures computes them ----------------------------------------


def _totals(plan: YearPlan, *, counted_only: bool) -> dict:
    """kpi.ledger.selectors.alliance_year_totals, computed from the rows in memory."""
    ay = plan.ay
    kind_of = "counted_kind" if counted_only else "entered_kind"
    kinds = [getattr(m, kind_of) for m in plan.memberships]
    members = {
        "company": kinds.count(MemberKind.COMPANY),
        "individual": kinds.count(MemberKind.INDIVIDUAL),
        "other": kinds.count(MemberKind.OTHER),
        "reclassified": 0 if not counted_only else sum(m.rule == "M3" for m in plan.memberships),
        "total": len(kinds),
        "new_company": plan.new_company,
    }

    def scope(rows):
        return [r for r in rows if r.counted] if counted_only else list(rows)

    by_kind: dict = {}
    for r in scope(plan.revenue):
        full, counted_amount, n = by_kind.get(r.kind, (0, 0, 0))
        by_kind[r.kind] = (full + r.full_amount, counted_amount + r.counted_amount, n + 1)

    def get(kind, index):
        return by_kind.get(kind, (0, 0, 0))[index]

    fees = get(RevenueKind.MEMBERSHIP_FEE, 0)
    service = get(RevenueKind.TECHNICAL_SERVICE, 0)
    other = get(RevenueKind.OTHER_OPERATING, 0)
    recurring = fees + service + other
    transfer = get(RevenueKind.TECHNOLOGY_TRANSFER, 0)
    collab_full = get(RevenueKind.COLLABORATION, 0)
    collab_counted = get(RevenueKind.COLLABORATION, 1 if counted_only else 0)
    revenue = {
        "membership_fees": fees,
        "technical_service": service,
        "technical_service_cases": get(RevenueKind.TECHNICAL_SERVICE, 2),
        "other_operating": other,
        "recurring": recurring,
        "transfers": get(RevenueKind.TECHNOLOGY_TRANSFER, 2),
        "transfer": transfer,
        "collaborations": get(RevenueKind.COLLABORATION, 2),
        "collaboration_full": collab_full,
        "collaboration_counted": collab_counted,
        "total_full": recurring + transfer + collab_full,
        "total_counted": recurring + transfer + collab_counted,
    }
    revenue["self_sufficiency"] = (
        half_up_int(revenue["total_counted"] * 100 / ay.subsidy)
        if ay.subsidy and counted_only
        else None
    )

    amount = "counted_amount" if counted_only else "full_amount"
    outcomes = dict.fromkeys(OutcomeKind.values, 0)
    sums = dict.fromkeys(OutcomeKind.values, 0)
    for r in scope(plan.outcomes):
        outcomes[r.kind] += 1
        sums[r.kind] += getattr(r, amount)
    outcomes["new_hires"] = sums[OutcomeKind.NEW_HIRES]
    outcomes["output_value"] = sums[OutcomeKind.OUTPUT_VALUE]

    activities = dict.fromkeys(["promotion", "seminar", "consulting", "onsite"], 0)
    activities["seminar_attendees"] = 0
    for r in scope(plan.activities):
        activities[r.kind] += 1
        if r.kind == ActivityKind.SEMINAR:
            activities["seminar_attendees"] += getattr(r, amount)
    return {"members": members, "revenue": revenue, "outcomes": outcomes, "activities": activities}


def _values(plan: YearPlan, *, counted_only: bool) -> dict:
    totals = _totals(plan, counted_only=counted_only)
    return {item.code: catalog.value(item, totals) for item in catalog.ITEMS}


def _near(value: int, rng: random.Random) -> int:
    """A target near the value the year brought (money in whole thousands)."""
    target = value * rng.uniform(0.8, 1.2)
    return int(round(target, -3)) if value >= 10_000 else int(round(target))


def _before_correction(values: dict, rng: random.Random) -> dict:
    """The figures of a version the office returned: a member and a transfer too many."""
    wrong = dict(values)
    wrong["M-COMPANY"] = (wrong["M-COMPANY"] or 0) + 1
    extra = rng.randrange(100_000, 500_001, 10_000)
    for code in ("R-TRANSFER", "R-TOTAL", "R-TOTAL-C"):
        wrong[code] = (wrong[code] or 0) + extra
    wrong["R-TRANSFER-N"] = (wrong["R-TRANSFER-N"] or 0) + 1
    return wrong


def _at(roc_year: int, month: int, day: int) -> dt.datetime:
    """10:00 in Taiwan; months 13 and 14 of year N are January and February of N+1."""
    if month > 12:
        roc_year, month = roc_year + 1, month - 12
    return dt.datetime(roc_year + 1911, month, day, 10, tzinfo=TAIPEI)


def _history(filing, dates, roc_year, versions, states=None) -> list[FilingTransition]:
    """Transitions draft → submitted → under review → accepted (or the given states)."""
    states = states or [FilingState.SUBMITTED, FilingState.UNDER_REVIEW, FilingState.ACCEPTED]
    rows, before, number = [], FilingState.DRAFT, 0
    for (month, day), state in zip(dates, states, strict=True):
        if state in (FilingState.SUBMITTED, FilingState.RESUBMITTED):
            number += 1
        rows.append(
            FilingTransition(
                filing=filing,
                from_state=before,
                to_state=state,
                version=number or None,
                at=_at(roc_year, month, day),
            )
        )
        before = state
    assert number == versions
    return rows


# --- checks ------------------------------------------------------------------------------


def check_snapshots(roc_year: int, sample: int = 5) -> list[str]:
    """Compare a sample of stored second-filing snapshots (the newest version) with what
    kpi.filings.checks.figures computes from the ledger now; returns the differences."""
    from kpi.filings import checks

    problems = []
    filings = (
        Filing.objects.filter(
            kind=FilingKind.SECOND, alliance_year__programme_year__roc_year=roc_year
        )
        .select_related("alliance_year__programme_year", "alliance_year__alliance")
        .order_by("pk")
    )
    picked = list(filings[:sample]) + list(filings.filter(versions__number=2)[:sample])
    for filing in picked:
        version = filing.versions.order_by("-number").first()
        stored = {
            code: (entered, counted, target)
            for code, entered, counted, target in version.items.values_list(
                "code", "entered", "counted", "target"
            )
        }
        result = checks.figures(filing)
        for item in catalog.ITEMS:
            want = (
                result.entered.get(item.code),
                result.values.get(item.code),
                result.targets.get(item.code),
            )
            if stored.get(item.code) != want:
                problems.append(
                    f"{filing.alliance_year.alliance.code} {roc_year} {item.code}: "
                    f"stored (entered, counted, target) {stored.get(item.code)}, "
                    f"kpi.filings.checks.figures gives {want}"
                )
    return problems
