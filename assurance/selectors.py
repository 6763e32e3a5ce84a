"""Reads of the stored findings of the checks across alliances: an alliance-year's (the
review page in full, the alliance's own filing page without the other alliances' data) and
a programme year's (the office's page, counts per check and field). Each in a fixed
number of queries; the checks themselves are never run by a page."""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count
from django.urls import reverse

from alliances.models import AllianceYear, Field
from assurance.checks import by_id
from assurance.models import CheckRun, CrossFinding
from kpi.filings.models import FilingKind

SOURCE_KIND = {"revenue": "revenue", "outcome": "outcomes", "activity": "activities"}


@dataclass
class Row:
    finding: CrossFinding
    check_id: str
    title: str
    sentence: str
    links: list = field(default_factory=list)  # (label, url), this alliance's first

    @property
    def alliance(self):
        return self.finding.alliance_year.alliance


def _places(findings) -> dict:
    """{alliance-year id: (alliance id, code, ROC year)} of every record's side, one query."""
    ids = {r["alliance_year"] for f in findings for r in f.records}
    return {
        pk: (alliance_id, code, year)
        for pk, alliance_id, code, year in AllianceYear.objects.filter(pk__in=ids).values_list(
            "pk", "alliance_id", "alliance__code", "programme_year__roc_year"
        )
    }


def _link(ref: dict, places: dict, own: int, full: bool):
    place = places.get(ref["alliance_year"])
    if place is None or (not full and ref["alliance_year"] != own):
        return None
    alliance_id, code, year = place
    if ref["source"] == "membership":
        url = reverse("member_edit", args=[alliance_id, year, ref["id"]])
    else:
        url = reverse(
            "record_edit", args=[alliance_id, year, SOURCE_KIND[ref["source"]], ref["id"]]
        )
    return (f"{code} #{ref['id']}", url)


def rows(findings, *, full: bool) -> list[Row]:
    checks = by_id()
    places = _places(findings)
    result = []
    for f in findings:
        params = dict(f.params)
        other = f.other_alliance_year
        if other is not None and full:
            params["other"] = f"{other.alliance.code} {other.alliance.name}"
        check = checks.get(f.check_id)
        if check is None:
            continue
        links = [_link(r, places, f.alliance_year_id, full) for r in f.records]
        result.append(
            Row(
                finding=f,
                check_id=f.check_id,
                title=str(check.TITLE),
                sentence=check.sentence(params, full),
                links=[link for link in links if link],
            )
        )
    return result


def for_alliance_year(ay, *, full: bool) -> list[Row]:
    findings = list(
        CrossFinding.objects.filter(alliance_year=ay)
        .select_related("other_alliance_year__alliance", "alliance_year__alliance")
        .order_by("check_id", "pk")
    )
    return rows(findings, full=full)


def filing_panel(filing, versions) -> dict:
    """The alliance's own filing page: the findings about it, without other alliances'."""
    if filing.kind == FilingKind.EXPECTED:
        return {"cross_checks": []}
    return {"cross_checks": for_alliance_year(filing.alliance_year, full=False)}


@dataclass
class Overview:
    year: object
    run: CheckRun | None
    queued: bool
    counts: list  # [(check id, title, n)]
    fields: list  # [(field, {check id: n}, total)]
    chosen: object  # the findings asked for (a queryset: the page pages it)
    total: int


def overview(programme_year, *, check_id: str = "", field_code: str = "") -> Overview:
    findings = CrossFinding.objects.filter(programme_year=programme_year)
    per_check = Counter()
    per_field = Counter()
    for check, field_id, n in (
        findings.values_list("check_id", "field_id").annotate(n=Count("pk")).order_by()
    ):
        per_check[check] += n
        per_field[field_id, check] += n
    checks = by_id()
    chosen = findings.select_related(
        "alliance_year__alliance", "other_alliance_year__alliance", "field"
    ).order_by("check_id", "alliance_year__alliance__code", "pk")
    if check_id in checks:
        chosen = chosen.filter(check_id=check_id)
    if field_code:
        chosen = chosen.filter(field__code=field_code)
    fields = []
    for f in Field.objects.order_by("order"):
        cells = {c: per_field.get((f.pk, c), 0) for c in checks}
        fields.append((f, cells, sum(cells.values())))
    run = (
        CheckRun.objects.filter(programme_year=programme_year, status=CheckRun.Status.FINISHED)
        .order_by("-finished_at", "-pk")
        .first()
    )
    queued = CheckRun.objects.filter(
        programme_year=programme_year,
        status__in=[CheckRun.Status.QUEUED, CheckRun.Status.RUNNING],
    ).exists()
    return Overview(
        year=programme_year,
        run=run,
        queued=queued,
        counts=[(c, str(check.TITLE), per_check.get(c, 0)) for c, check in checks.items()],
        fields=fields,
        chosen=chosen,
        total=sum(per_check.values()),
    )
