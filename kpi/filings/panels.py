"""What the layer above the filings adds to the filing pages (a registry it fills).

The office's review (kpi/review) issues audit records, flags items and decides the annual
assessment; the PI's filing pages show them. The filings must not import the review, so
the review registers, at start-up (kpi/apps.py), functions that give those pages their
part of the context:

- `year_panel(alliance_year) -> dict`: for the year's list of filings; the keys
  `records` ({filing id: its latest audit record}) and `assessment` are read;
- `filing_panel(filing, versions) -> dict`: for one filing's page; `records` (its audit
  records, newest first, each with its finding rows) and `office_flags`.
- `findings(filing) -> dict | None`: the findings a resubmission answers (the last audit
  record, if the filing was returned with it): `number` and `rows`, each row with its
  `key` (models.finding_key), `n`, `subject`, `rule`, `reason` and `link`.

Without a registered panel the pages show the filings alone.
"""

from collections.abc import Callable

YEAR_PANELS: list[Callable] = []
FILING_PANELS: list[Callable] = []
FINDINGS: list[Callable] = []


def register(
    *,
    year: Callable | None = None,
    filing: Callable | None = None,
    findings: Callable | None = None,
) -> None:
    if year is not None and year not in YEAR_PANELS:
        YEAR_PANELS.append(year)
    if filing is not None and filing not in FILING_PANELS:
        FILING_PANELS.append(filing)
    if findings is not None and findings not in FINDINGS:
        FINDINGS.append(findings)


def for_year(alliance_year) -> dict:
    context: dict = {"records": {}, "assessment": None}
    for panel in YEAR_PANELS:
        context.update(panel(alliance_year))
    return context


def for_filing(filing, versions) -> dict:
    context: dict = {"records": [], "office_flags": []}
    for panel in FILING_PANELS:
        context.update(panel(filing, versions))
    return context


def open_findings(filing) -> dict | None:
    """The findings the PI answers when resubmitting this filing, or None."""
    for source in FINDINGS:
        found = source(filing)
        if found:
            return found
    return None
