"""The reports' charts, from the reports' selectors (reports/charts.py draws them): members
per field, revenue per field stacked by kind, the fee-band histogram and the
self-sufficiency trend. Each chart comes with its figures as a table (its text alternative);
titles and labels are in the active language, field names in it too."""

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import gettext as _

from core.money import FEE_BAND_LABELS
from reports import charts


def _fields(rows) -> list:
    return [row for row in rows if row.field is not None]


def members_chart(rows, year: int) -> charts.Chart:
    rows = _fields(rows)
    return charts.bar_chart(
        id="chart-members",
        title=_("Company members by field, %(year)s") % {"year": year},
        description=_("Horizontal bars: the company members of each field's alliances."),
        labels=[str(row.field.name) for row in rows],
        values=[row.members for row in rows],
        value_format=intcomma,
        label_header=_("Field"),
        value_header=_("Company members"),
    )


def revenue_chart(rows, year: int) -> charts.Chart:
    rows = _fields(rows)
    return charts.stacked_bar_chart(
        id="chart-revenue",
        title=_("Revenue by field, %(year)s (NT$ thousand)") % {"year": year},
        description=_(
            "Stacked bars: each field's recurring operating revenue, technology transfer and "
            "collaboration, in NT$ thousands."
        ),
        labels=[str(row.field.name) for row in rows],
        series=[
            (_("Recurring operating"), [row.recurring_k for row in rows]),
            (_("Technology transfer"), [row.transfer_k for row in rows]),
            (_("Collaboration"), [row.collaboration_k for row in rows]),
        ],
        value_format=intcomma,
        label_header=_("Field"),
    )


def fee_band_chart(bands) -> charts.Chart:
    first, last = bands.years
    return charts.histogram(
        id="chart-fee-bands",
        title=_("Alliance-years per fee band, %(first)s–%(last)s") % {"first": first, "last": last},
        description=_(
            "Columns: how many alliance-years fall in each band of average membership fee per "
            "company member (NT$ thousand)."
        ),
        labels=list(FEE_BAND_LABELS),
        values=bands.rows[-1].cells,
        value_format=intcomma,
        label_header=_("Fee band"),
        value_header=_("Alliance-years"),
    )


def trend_chart(trend: dict) -> charts.Chart:
    years = trend["years"]
    return charts.line_chart(
        id="chart-trend",
        title=_("Self-sufficiency by field, %(first)s–%(last)s")
        % {"first": years[0], "last": years[-1]},
        description=_(
            "Lines: each field's counted revenue ÷ subsidy per year, against the 80% target of R10."
        ),
        x_labels=[str(y) for y in years],
        series=[(str(row["field"].name), row["cells"]) for row in trend["rows"]],
        unit="%",
        reference=(_("R10 target 80%"), 80),
        label_header=_("Field"),
    )


def for_summary(summary) -> dict:
    return {
        "members": members_chart(summary.fields, summary.year),
        "revenue": revenue_chart(summary.fields, summary.year),
        "bands": fee_band_chart(summary.bands),
        "trend": trend_chart(summary.trend),
    }
