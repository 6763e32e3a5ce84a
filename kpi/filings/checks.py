"""The check of a filing (domain.md §3–§4): errors block submission, warnings do not. Each
problem cites its rule. The same values the check computes are what a submission freezes.

Errors: a target missing (expected outcomes); a counted record without the evidence its
rule asks for; a record dated outside its programme year; a KPI filing before any expected
outcomes were submitted. Warnings: R9, R10, P1, P2, targets not met, records after the
first filing's period, records not counted.
"""

from dataclasses import dataclass, field

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from core import lists, roc
from core.money import format_ntd
from kpi.filings import calendar, judgement
from kpi.filings import selectors as filing_selectors
from kpi.filings.models import Filing, FilingKind
from kpi.ledger import catalog, flags, rules
from kpi.ledger.models import Activity, Outcome, RevenueEntry, RevenueKind
from kpi.ledger.totals import ledger_totals

SIGNED_KINDS = {RevenueKind.TECHNOLOGY_TRANSFER, RevenueKind.COLLABORATION}
LEDGER = (("revenue", RevenueEntry), ("outcomes", Outcome), ("activities", Activity))
SOURCE = {"revenue": "revenue", "outcomes": "outcome", "activities": "activity"}
MAX_LISTED = 20


@dataclass(frozen=True)
class Problem:
    rule: str
    message: str
    link: str = ""


@dataclass
class CheckResult:
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    values: dict = field(default_factory=dict)  # counted value by item code
    entered: dict = field(default_factory=dict)  # entered (full) value by item code
    targets: dict = field(default_factory=dict)  # target by item code
    targets_source: str | None = None
    through: object = None
    totals: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def _format(item, value) -> str:
    if value is None:
        return "—"
    if item.unit == "ntd":
        return format_ntd(value)
    if item.unit == "percent":
        return f"{value}%"
    return f"{value:,}"


def _record_link(ay, kind: str, record) -> str:
    return reverse(
        "record_edit",
        kwargs={
            "pk": ay.alliance_id,
            "year": ay.programme_year.roc_year,
            "kind": kind,
            "record_id": record.pk,
        },
    )


def figures(filing: Filing) -> CheckResult:
    """The values a submission would freeze, without judging them: the targets of expected
    outcomes; a KPI filing's counted and entered values (through its period) and targets."""
    ay = filing.alliance_year
    if filing.kind == FilingKind.EXPECTED:
        entered = {code: v for code, v in (filing.targets or {}).items() if v is not None}
        targets = catalog.derive_targets(
            entered, weight=ay.collaboration_weight, subsidy=ay.subsidy
        )
        return CheckResult(targets=targets, targets_source="draft")
    through = calendar.period_end(filing.kind, ay.programme_year)
    scope = through if filing.kind == FilingKind.FIRST else None
    result = CheckResult(through=through)
    both = ledger_totals([ay], through=scope)[ay.pk]
    totals, entered = both.counted, both.entered
    result.values = {item.code: catalog.value(item, totals) for item in catalog.ITEMS}
    result.entered = {item.code: catalog.value(item, entered) for item in catalog.ITEMS}
    result.targets, result.targets_source = filing_selectors.year_targets(ay)
    result.totals = totals
    return result


def run(filing: Filing) -> CheckResult:
    """The figures of `figures()`, with the errors and warnings they raise."""
    ay = filing.alliance_year
    result = figures(filing)
    if filing.kind == FilingKind.EXPECTED:
        return _expected(filing, ay, result)
    return _kpi(filing, ay, result)


def _expected(filing: Filing, ay, result: CheckResult) -> CheckResult:
    entered = {code: v for code, v in (filing.targets or {}).items() if v is not None}
    missing = [item for item in catalog.TARGETED if entered.get(item.code) is None]
    if missing:
        result.errors.append(
            Problem(
                "§4",
                _("A target is missing for: %(items)s.")
                % {"items": lists.join(str(item.label) for item in missing)},
            )
        )
        return result
    t = result.targets
    basis = judgement.bases([ay])[ay.pk]
    if basis.source is not None:
        before = basis.totals["revenue"]
        was = before["recurring"] + before["transfer"]
        was += before["collaboration_full"] * ay.collaboration_weight // 100
        if t["R-TOTAL-C"] <= was:
            result.warnings.append(
                Problem(
                    "R9",
                    _(
                        "The revenue target %(target)s is not above last year's %(before)s: "
                        "revenue should grow every year."
                    )
                    % {"target": format_ntd(t["R-TOTAL-C"]), "before": format_ntd(was)},
                )
            )
    if ay.phase == 2:
        if t["M-NEW"] < flags.P1_NEW_MEMBERS:
            result.warnings.append(
                Problem(
                    "P1",
                    _("Phase 2 needs at least %(floor)s new company members a year.")
                    % {"floor": flags.P1_NEW_MEMBERS},
                )
            )
        floor = basis.floor
        if floor is not None and t["M-COMPANY"] < floor:
            result.warnings.append(
                Problem(
                    "P2",
                    _("The company-member target is below the phase-1 target of %(floor)s.")
                    % {"floor": floor},
                )
            )
    return result


def _kpi(filing: Filing, ay, result: CheckResult) -> CheckResult:
    year = ay.programme_year
    through = result.through
    scope = through if filing.kind == FilingKind.FIRST else None
    totals = result.totals

    if result.targets_source is None:
        result.errors.append(
            Problem(
                "§4",
                _(
                    "The year's expected outcomes have not been submitted: file the targets "
                    "first, then the KPI filings."
                ),
                reverse(
                    "filing_detail",
                    kwargs={"pk": ay.alliance_id, "year": year.roc_year, "filing": "expected"},
                ),
            )
        )
    _ledger_errors(result, ay, scope)
    _flag_warnings(result, totals, ay)
    _target_warnings(result, filing)
    _ledger_warnings(result, ay, filing, through)
    return result


def _ledger_errors(result: CheckResult, ay, through) -> None:
    year = ay.programme_year
    listed = 0
    for kind, model in LEDGER:
        qs = model.objects.filter(alliance_year=ay)
        if through is not None:
            qs = qs.filter(date__lte=through)
        outside = qs.exclude(date__range=(year.starts_on, year.ends_on))
        if model is RevenueEntry:
            outside = outside.exclude(kind__in=SIGNED_KINDS)  # R6/R7 keep these as excluded
        for record in outside[:MAX_LISTED]:
            result.errors.append(
                Problem(
                    "§4",
                    _(
                        "%(record)s is dated %(date)s, outside the programme year "
                        "%(start)s–%(end)s: correct its date or delete it."
                    )
                    % {
                        "record": record,
                        "date": roc.format_roc_date(record.date),
                        "start": roc.format_roc_date(year.starts_on),
                        "end": roc.format_roc_date(year.ends_on),
                    },
                    _record_link(ay, kind, record),
                )
            )
        source = SOURCE[kind]
        needing = [k for (s, k) in rules.EVIDENCE_REQUIRED if s == source]
        if not needing:
            continue
        missing = (
            qs.filter(counted=True, kind__in=needing)
            .annotate(files=Count("evidence"))
            .filter(files=0)
            .order_by("date", "pk")
        )
        for record in missing:
            listed += 1
            if listed > MAX_LISTED:
                break
            rule = rules.evidence_rule(source, record.kind, True)
            result.errors.append(
                Problem(
                    rule,
                    _(
                        "%(record)s counts (%(rule)s) but has no evidence: attach the "
                        "contract, invoice or certificate."
                    )
                    % {"record": record, "rule": rule},
                    _record_link(ay, kind, record),
                )
            )


def _flag_warnings(result: CheckResult, totals: dict, ay) -> None:
    for flag in judgement.flags_of(ay, totals):
        if flag.ok is not True:
            result.warnings.append(Problem(flag.rule, flag.message))


def _target_warnings(result: CheckResult, filing: Filing) -> None:
    """Targets not met (§4: the accepted expected outcomes are the year's targets). The
    first filing is half a year: one note listing what is still below target; the second
    filing is the year's result: one warning per item."""
    if not result.targets:
        return
    below = []
    for item in catalog.ITEMS:
        if item.derived and item.code != "R-TOTAL-C":
            continue  # sums and ratios repeat the items they are made of
        target, value = result.targets.get(item.code), result.values.get(item.code)
        if target is None or value is None or value >= target:
            continue
        below.append((item, value, target))
    if not below:
        return
    note = (
        " " + _("(The targets are not accepted yet.)")
        if result.targets_source != "accepted"
        else ""
    )
    if filing.kind == FilingKind.FIRST:
        listed = lists.join(
            f"{item.label} {_format(item, value)}/{_format(item, target)}"
            for item, value, target in below
        )
        result.warnings.append(
            Problem(
                "§4", _("Below the year's targets so far: %(items)s.") % {"items": listed} + note
            )
        )
        return
    for item, value, target in below:
        params = {
            "item": item.label,
            "code": item.code,
            "value": _format(item, value),
            "target": _format(item, target),
        }
        result.warnings.append(
            Problem(
                "§4",
                _("%(item)s (%(code)s): %(value)s, below the year's target %(target)s.") % params
                + note,
            )
        )


def _ledger_warnings(result: CheckResult, ay, filing: Filing, through) -> None:
    if filing.kind == FilingKind.FIRST and through is not None:
        later = sum(
            model.objects.filter(alliance_year=ay, date__gt=through).count()
            for _kind, model in LEDGER
        )
        if later:
            result.warnings.append(
                Problem(
                    "§4",
                    _(
                        "%(n)s records are dated after %(date)s: they are not part of this "
                        "filing and count in the second KPI filing."
                    )
                    % {"n": later, "date": roc.format_roc_date(through)},
                )
            )
    excluded, excluded_rules = 0, set()
    for _kind, model in LEDGER:
        for rule, n in (
            model.objects.filter(alliance_year=ay, counted=False)
            .values_list("rule")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            excluded += n
            excluded_rules.add(rule)
    if excluded:
        result.warnings.append(
            Problem(
                " ".join(sorted(excluded_rules)),
                _(
                    "%(n)s records are kept but not counted; each one's verdict in the ledger "
                    "says which rule excludes it."
                )
                % {"n": excluded},
                reverse(
                    "ledger",
                    kwargs={
                        "pk": ay.alliance_id,
                        "year": ay.programme_year.roc_year,
                        "kind": "revenue",
                    },
                )
                + "?counted=0",
            )
        )
