"""The filings side of the pages benchmark's data (bench/pages_data.py): the year before
the first as imported history, the showcase alliance-year whose pages are measured, and
the returned second filing that makes a year's showcase of its kind when the builder's
random draw gave the year none (a small dataset).
"""

import datetime as dt
import time

from django.db import transaction
from django.db.models import Exists, OuterRef

from alliances.models import AllianceYear, ProgrammeYear
from bench.build_data import BATCH
from bench.pages_events import at
from kpi.ledger import catalog
from kpi.models import (
    Filing,
    FilingKind,
    FilingState,
    FilingTransition,
    FilingVersion,
    LedgerCoverage,
    SnapshotItem,
    SnapshotRecord,
)

SHOWCASE_KINDS = (  # the kind wanted, then the nearest ones
    {"returned": True, "last_year": True, "phase": 2},
    {"returned": True, "last_year": True},
    {"returned": True},
    {},
)


def _years(roc_year: int):
    return (
        AllianceYear.objects.filter(programme_year__roc_year=roc_year)
        .select_related("alliance", "programme_year")
        .annotate(
            returned=Exists(
                Filing.objects.filter(
                    alliance_year=OuterRef("pk"), kind=FilingKind.SECOND, versions__number=2
                )
            ),
            last_year=Exists(
                AllianceYear.objects.filter(
                    alliance=OuterRef("alliance"), programme_year__roc_year=roc_year - 1
                )
            ),
        )
        .order_by("alliance__code")
    )


def showcase(roc_year: int) -> AllianceYear:
    """The alliance-year whose own pages are measured, of the same kind in every year: the
    first (by alliance code) in phase 2, with a last year, whose second KPI filing was
    returned once (so every part of its pages shows: two versions, two audit records, the
    changes, last year's figures, the P2 floor); failing that, the first that is as near
    as there is (pages.py prints which one it measured)."""
    years = _years(roc_year)
    for wanted in SHOWCASE_KINDS:
        picked = years.filter(**wanted).first()
        if picked is not None:
            return picked
    raise LookupError(f"programme year {roc_year} has no alliance-year")


def add_history(roc_year: int, log=print) -> float:
    """The year before the first built one as the office imports past years (kpi's
    historic figures: an accepted second filing of one imported version, items only)
    for the alliances that were running then, so that the first year measured has a
    last year, as every later one does."""
    started = time.perf_counter()
    with transaction.atomic():
        year = ProgrammeYear.objects.create(
            roc_year=roc_year, **ProgrammeYear.calendar_defaults(roc_year)
        )
        nexts = [
            ay
            for ay in AllianceYear.objects.filter(programme_year__roc_year=roc_year + 1)
            .select_related("alliance")
            .order_by("alliance__code")
            if (ay.phase, ay.phase_year) != (1, 1)
        ]
        counted = {}
        for ay_id, code, value in SnapshotItem.objects.filter(
            version__filing__alliance_year__in=nexts,
            version__filing__kind=FilingKind.SECOND,
            version__number=1,
        ).values_list("version__filing__alliance_year_id", "code", "counted"):
            counted.setdefault(ay_id, {})[code] = value
        ays, filings, versions, items = [], [], [], []
        for after in nexts:
            phase, phase_year = (
                (after.phase, after.phase_year - 1) if after.phase_year > 1 else (1, 3)
            )
            ay = AllianceYear(
                alliance=after.alliance,
                programme_year=year,
                phase=phase,
                phase_year=phase_year,
                subsidy=after.subsidy,
                collaboration_weight=year.weight_for_phase(phase),
            )
            filing = Filing(alliance_year=ay, kind=FilingKind.SECOND, state=FilingState.ACCEPTED)
            version = FilingVersion(
                filing=filing,
                number=1,
                through=year.ends_on,
                submitted_at=at(roc_year + 1, 3, 1),
                certified_name="計畫辦公室匯入",
                statement="Accepted figures of a past year, imported by the programme office.",
                imported=True,
            )
            wanted = {
                item.code: int((counted[after.pk].get(item.code) or 0) * 0.9)
                for item in catalog.TARGETED
            }
            values = catalog.derive_targets(
                wanted, weight=ay.collaboration_weight, subsidy=ay.subsidy
            )
            ays.append(ay)
            filings.append(filing)
            versions.append(version)
            items += [
                SnapshotItem(
                    version=version,
                    code=item.code,
                    entered=values.get(item.code),
                    counted=values.get(item.code),
                )
                for item in catalog.ITEMS
            ]
        AllianceYear.objects.bulk_create(ays, batch_size=BATCH)
        Filing.objects.bulk_create(filings, batch_size=BATCH)
        FilingVersion.objects.bulk_create(versions, batch_size=BATCH)
        SnapshotItem.objects.bulk_create(items, batch_size=BATCH)
    seconds = time.perf_counter() - started
    log(f"  imported figures of {roc_year}: {len(ays)} alliance-years in {seconds:.1f} s")
    return seconds


def ensure_showcase(roc_year: int) -> None:
    """Make the year's first phase-2 alliance-year with a last year a returned one (its
    accepted second filing gets a first version the office returned, as bench.build's
    returned filings have) when the year has no alliance-year of the showcase's kind."""
    years = _years(roc_year)
    if years.filter(**SHOWCASE_KINDS[0]).exists():
        return
    ay = years.filter(last_year=True, phase=2).first()
    if ay is None:
        return
    filing = Filing.objects.get(alliance_year=ay, kind=FilingKind.SECOND)
    final = filing.versions.get()
    final.number, final.submitted_at = 2, at(roc_year, 14, 5)
    final.save(update_fields=["number", "submitted_at"])
    first = FilingVersion.objects.create(
        filing=filing,
        number=1,
        through=final.through,
        submitted_at=at(roc_year, 13, 20),
        certified_name=final.certified_name,
        statement=final.statement,
    )
    wrong = {"M-COMPANY": 1, "R-TRANSFER-N": 1, "R-TRANSFER": 200_000}
    wrong["R-TOTAL"] = wrong["R-TOTAL-C"] = wrong["R-TRANSFER"]
    items = []
    for item in final.items.all():
        item.pk, item.version = None, first
        if item.code in wrong and item.counted is not None:
            item.counted += wrong[item.code]
        items.append(item)
    SnapshotItem.objects.bulk_create(items, batch_size=BATCH)
    records = []
    for record in SnapshotRecord.objects.filter(version=final):
        record.pk, record.version = None, first
        records.append(record)
    SnapshotRecord.objects.bulk_create(records, batch_size=BATCH)
    filing.transitions.all().delete()
    steps = [
        (13, 20, FilingState.DRAFT, FilingState.SUBMITTED, 1),
        (13, 25, FilingState.SUBMITTED, FilingState.UNDER_REVIEW, 1),
        (14, 1, FilingState.UNDER_REVIEW, FilingState.RETURNED, 1),
        (14, 5, FilingState.RETURNED, FilingState.RESUBMITTED, 2),
        (14, 6, FilingState.RESUBMITTED, FilingState.UNDER_REVIEW, 2),
        (14, 20, FilingState.UNDER_REVIEW, FilingState.ACCEPTED, 2),
    ]
    FilingTransition.objects.bulk_create(
        FilingTransition(
            filing=filing, from_state=a, to_state=b, version=n, at=at(roc_year, month, day)
        )
        for month, day, a, b, n in steps
    )
    filing.correction_due = dt.date(roc_year + 1912, 2, 28)
    filing.save(update_fields=["correction_due"])
    LedgerCoverage.objects.filter(alliance_year=ay).update(label="第二次KPI填報 v2")
