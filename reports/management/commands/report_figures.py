"""Print the figures of the programme's published report tables as stable, sorted JSON, so
that two states of the portal can be compared with `diff` (the restore drill compares the
demo before a backup and after its restore: scripts/restore-drill):

    python manage.py report_figures             # every programme year
    python manage.py report_figures --year 106  # one year

For each year: the field report of each source of figures (official, submitted, live), the
fee bands over the five years ending at the year (as the report page shows them), the
self-sufficiency of every alliance-year with its flags, by field and its trend, and the fee
per firm of the programme targets, all computed by reports/selectors.py. Beside them: the
number of rows of every model and the files under MEDIA_ROOT and PRIVATE_MEDIA_ROOT
(count, bytes and one sha256 over every file's path and content).
"""

import hashlib
import json
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from alliances.models import ProgrammeYear
from reports import figures, selectors

TOTAL = "total"  # the key of a table's total row


def _field_key(field) -> str:
    return field.code if field is not None else TOTAL


def _alliance_key(fig) -> str:
    alliance = fig.ay.alliance
    return alliance.code or f"#{alliance.pk}"


def _field_rows(rows) -> dict:
    return {
        _field_key(row.field): {
            "alliances": row.alliances,
            "members": row.members,
            "recurring": row.recurring,
            "transfer": row.transfer,
            "collaboration": row.collaboration,
            "total": row.total,
            "target": row.target,
            "next_target": row.next_target,
            "share": row.share,
            "reached": row.reached,
            "average_members": row.average_members,
            "total_k": row.total_k,
            "average_k": row.average_k,
        }
        for row in rows
    }


def _fee_bands(bands: selectors.FeeBands) -> dict:
    return {
        "years": list(bands.years),
        "rows": {_field_key(row.field): row.cells for row in bands.rows},
        "shares": bands.shares,
        "total_share": bands.total_share,
        "under_10k_share": bands.under_10k_share,
        "without_members": sorted(
            f"{fig.ay.programme_year.roc_year}:{_alliance_key(fig)}"
            for fig in bands.without_members
        ),
    }


def _self_sufficiency(year: int) -> dict:
    data = figures.official(year)
    first = year - 4
    trend = selectors.trend(figures.official_span(first, year, figures.TREND_CODES), first, year)
    return {
        "alliance_years": {
            _alliance_key(row.fig): {
                "ratio": row.ratio,
                "flags": sorted([flag.rule, flag.ok, str(flag.message)] for flag in row.flags),
            }
            for row in selectors.self_sufficiency(data)
        },
        "fields": {
            _field_key(row.field): {
                "alliances": row.alliances,
                "counted": row.counted,
                "subsidy": row.subsidy,
                "ratio": row.ratio,
            }
            for row in selectors.field_self_sufficiency(data)
        },
        "trend": {
            "years": trend["years"],
            "rows": {_field_key(row["field"]): row["cells"] for row in trend["rows"]},
        },
        "fee_per_firm": selectors.fee_per_firm(data),
    }


def year_figures(year: int, known: list[int]) -> dict:
    fields = {
        figures.OFFICIAL: _field_rows(selectors.official_field_report(year)),
        figures.SUBMITTED: _field_rows(
            selectors.field_report(figures.of_year(year, figures.SUBMITTED), year)
        ),
        figures.LIVE: _field_rows(
            selectors.field_report(figures.of_year(year, figures.LIVE), year)
        ),
    }
    # The fee-band page's default span: the five years ending here, as far back as there are.
    first = max(year - 4, min(known))
    bands = selectors.fee_bands(figures.official_span(first, year, figures.FEE_CODES), first, year)
    return {
        "fields": fields,
        "fee_bands": _fee_bands(bands),
        "self_sufficiency": _self_sufficiency(year),
    }


def row_counts() -> dict:
    """The number of rows of every model with a table of its own."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def file_figures(root: Path) -> dict:
    """Count, bytes and one sha256 over the relative path and content of every file."""
    digest = hashlib.sha256()
    count = size = 0
    if root.is_dir():
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            relative = path.relative_to(root).as_posix()
            content = hashlib.sha256()
            with path.open("rb") as handle:
                for chunk in iter(lambda h=handle: h.read(1 << 20), b""):
                    content.update(chunk)
            digest.update(f"{content.hexdigest()}  {relative}\n".encode())
            count += 1
            size += path.stat().st_size
    return {"files": count, "bytes": size, "sha256": digest.hexdigest()}


class Command(BaseCommand):
    help = "Print the figures of the published report tables (and row and file counts) as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="one ROC year, e.g. 106 (default: all)")

    def handle(self, *args, year, **options):
        known = sorted(ProgrammeYear.objects.values_list("roc_year", flat=True))
        if year is not None and year not in known:
            raise CommandError(f"There is no programme year {year}.")
        years = [year] if year is not None else known
        storage_local = getattr(settings, "STORAGE_BACKEND", "local") == "local"
        result = {
            "years": {str(y): year_figures(y, known) for y in years},
            "rows": row_counts(),
            "files": {
                "media": file_figures(Path(settings.MEDIA_ROOT)),
                "private": file_figures(Path(settings.PRIVATE_MEDIA_ROOT)),
            }
            if storage_local
            else "not on this disk (STORAGE_BACKEND is not local)",
        }
        self.stdout.write(json.dumps(result, sort_keys=True, ensure_ascii=False, indent=1))
