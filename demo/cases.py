"""The demo's checks across alliances (issue 28, README "Assurance across alliances"): the
evidence a careful alliance attaches to its large 106 records, and a handful of cases the
checks find — a contract claimed by two alliances (X1), a firm renamed after two
alliances had submitted it under its old name (X2), and a large record without its
evidence (X6); the members who pay no fee (X3) are in the demo plan
(demo/plan/build.py). The checks of 106 run at the end of `load_demo`, so that their
findings are on the office's pages at once."""

import datetime as dt

from django.core.files.base import ContentFile
from django.db.models import Count, Exists, OuterRef

from alliances.models import AllianceYear, ProgrammeYear
from assurance import runner
from assurance.checks import threshold
from assurance.models import CheckRun, CrossFinding
from core.models import AuditEvent
from core.storage import private_storage
from kpi.ledger import rules as kpi_rules
from kpi.ledger import selectors as kpi_selectors
from kpi.ledger import services as kpi_services
from kpi.ledger.models import Evidence, RevenueEntry, RevenueKind
from members import services as member_services
from members.models import Firm, MemberKind, Membership

YEAR = 106
X1_CLAIMS, X1_CLAIMED_BY = "MECH001", "MECH002"  # the contract and who claims it too
X1_NOTE = "與會員廠商之產學合作（亦列於他聯盟）"
X6_FIELD = "elec"  # its first alliance's largest counted 106 record goes without evidence
RENAMED_REASON = "更名（統一編號不變）"
EVIDENCE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _ay(code: str):
    return (
        AllianceYear.objects.select_related("programme_year", "alliance")
        .filter(alliance__code=code, programme_year__roc_year=YEAR)
        .first()
    )


def before_filings() -> int:
    """X1's second claim and the evidence of the large records (except X6's), before the
    106 filings take their snapshots."""
    return _second_claim() + _evidence()


def _second_claim() -> int:
    claims, claimed_by = _ay(X1_CLAIMS), _ay(X1_CLAIMED_BY)
    if claims is None or claimed_by is None:
        return 0
    if RevenueEntry.objects.filter(alliance_year=claimed_by, description=X1_NOTE).exists():
        return 0
    context = kpi_selectors.year_context(claimed_by)
    for original in (
        RevenueEntry.objects.filter(
            alliance_year=claims,
            kind__in=[RevenueKind.COLLABORATION, RevenueKind.TECHNOLOGY_TRANSFER],
            counted=True,
        )
        .exclude(firm=None)
        .exclude(firm__ubn="")
        .select_related("firm")
        .order_by("-amount", "pk")
    ):
        # The same contract (firm, amount, signed two days later) in MECH002's ledger, with a
        # firm that is not MECH002's member: R6/R7 keep it out of MECH002's figures (the
        # published tables do not move), and X1 sees the two claims.
        copy = RevenueEntry(
            alliance_year=claimed_by,
            kind=original.kind,
            firm=original.firm,
            amount=original.amount,
            date=original.date + dt.timedelta(days=2),
            description=X1_NOTE,
        )
        kpi_services.store_verdict(copy, kpi_rules.revenue(copy, context))
        if not copy.counted:
            copy.save()
            return 1
    return 0


def _evidence() -> int:
    """One small PDF for each counted 106 record of at least X6's amount that has none,
    except one of the first alliance of X6_FIELD: a careful alliance's ledger."""
    spared = (
        RevenueEntry.objects.filter(
            alliance_year__alliance__field__code=X6_FIELD,
            alliance_year__programme_year__roc_year=YEAR,
            counted=True,
            amount__gte=threshold("EVIDENCE_AMOUNT"),
        )
        .order_by("alliance_year__alliance__code", "-amount", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    bare = (
        RevenueEntry.objects.filter(
            alliance_year__programme_year__roc_year=YEAR,
            counted=True,
            amount__gte=threshold("EVIDENCE_AMOUNT"),
        )
        .exclude(pk=spared)
        .annotate(has=Exists(Evidence.objects.filter(revenue=OuterRef("pk"))))
        .filter(has=False)
        .values_list("pk", "alliance_year_id")
    )
    storage = private_storage()
    rows = []
    for pk, ay_id in bare:
        name = storage.save(f"evidence/{ay_id}/demo-{pk}.pdf", ContentFile(EVIDENCE_PDF))
        rows.append(
            Evidence(
                alliance_year_id=ay_id,
                revenue_id=pk,
                file=name,
                extension="pdf",
                original_name=f"合約及發票-{pk}.pdf",
                size=len(EVIDENCE_PDF),
            )
        )
    Evidence.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def after_filings(office) -> int:
    """X2: a firm that two alliances submitted in their 106 member lists changes its name
    afterwards; then the checks of 106 run."""
    created = _rename_shared_firm(office)
    year = ProgrammeYear.objects.filter(roc_year=YEAR).first()
    if year is not None and not CrossFinding.objects.filter(programme_year=year).exists():
        runner.run_year(CheckRun.objects.create(programme_year=year, trigger="office"))
        created += 1
    return created


def _rename_shared_firm(office) -> int:
    if AuditEvent.objects.filter(action="firm.changed", reason=RENAMED_REASON).exists():
        return 0
    shared = (
        Membership.objects.filter(
            alliance_year__programme_year__roc_year=YEAR, counted_kind=MemberKind.COMPANY
        )
        .exclude(firm=None)
        .exclude(firm__ubn="")
        .values("firm_id")
        .annotate(n=Count("alliance_year", distinct=True))
        .filter(n__gte=2)
        .order_by("firm_id")
        .values_list("firm_id", flat=True)
        .first()
    )
    if shared is None:
        return 0
    firm = Firm.objects.get(pk=shared)
    stem = firm.name.removesuffix("股份有限公司").removesuffix("有限公司")
    firm.name = f"{stem}科技股份有限公司"
    member_services.firm_save(firm=firm, by=office)
    AuditEvent.objects.filter(action="firm.changed", target_id=str(firm.pk)).update(
        reason=RENAMED_REASON
    )
    return 1
