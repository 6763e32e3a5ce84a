"""The API's report tables: members and revenue by field (official figures), fee bands
over a span of years, and self-sufficiency with its flags. For the readers of the portal's
reports (the programme, reviewers, PIs and co-PIs); alliances named only where the portal
names them to the asker. Each answer carries an ETag (api/etag.py)."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from alliances.models import Field, ProgrammeYear
from api import scope
from api.etag import conditional
from core.money import FEE_BAND_LABELS
from reports import figures, selectors

YEAR = OpenApiParameter("year", int, OpenApiParameter.PATH, description="ROC year, e.g. 106")


def _field(field) -> dict | None:
    if field is None:
        return None
    return {"code": field.code, "name_zh": field.name_zh, "name_en": field.name_en}


def _year(year: int) -> None:
    if not ProgrammeYear.objects.filter(roc_year=year).exists():
        raise Http404


def _field_codes() -> dict:
    """Field codes by id, read once: the span's light alliance objects carry only field_id."""
    return dict(Field.objects.values_list("pk", "code"))


def _alliance(ay, field_codes: dict) -> dict:
    alliance = ay.alliance
    return {
        "code": alliance.code,
        "name_zh": alliance.name_zh,
        "field": field_codes.get(alliance.field_id),
    }


@extend_schema(
    tags=["reports"],
    summary="Members and revenue by field (official figures: accepted second filings)",
    parameters=[YEAR],
    responses=OpenApiTypes.OBJECT,
)
class FieldReport(APIView):
    def get(self, request, year):
        scope.require_reports(request.user)
        _year(year)
        rows = selectors.official_field_report(year)
        data = {
            "year": year,
            "source": figures.OFFICIAL,
            "unit": "NT$",
            "rules": "M1–M4 (company members), R2 (recurring), R6 (transfer), R7 (collaboration)",
            "rows": [
                {
                    "field": _field(row.field),
                    "alliances": row.alliances,
                    "company_members": row.members,
                    "share_of_members": row.share,
                    "recurring_revenue": row.recurring,
                    "transfer_revenue": row.transfer,
                    "collaboration_revenue": row.collaboration,
                    "total_revenue": row.total,
                    "target_company_members": row.target,
                    "next_year_target": row.next_target,
                }
                for row in rows
            ],
        }
        return conditional(request, data)


@extend_schema(
    tags=["reports"],
    summary="Fee bands: membership fee per company member over a span of years",
    parameters=[
        OpenApiParameter("from", int, description="first ROC year (default: four before `to`)"),
        OpenApiParameter("to", int, description="last ROC year (default: the newest official)"),
    ],
    responses=OpenApiTypes.OBJECT,
)
class FeeBands(APIView):
    def get(self, request):
        named = scope.require_reports(request.user)
        span, problem = selectors.fee_band_span(request.GET.get("from"), request.GET.get("to"))
        if problem:
            return Response({"detail": problem}, status=status.HTTP_400_BAD_REQUEST)
        first, last = span
        bands = selectors.fee_bands(
            figures.official_span(first, last, figures.FEE_CODES), first, last
        )
        apart, hidden = selectors.visible(bands.without_members, named, lambda f: f.ay.alliance_id)
        codes = _field_codes()
        data = {
            "from": first,
            "to": last,
            "source": figures.OFFICIAL,
            "unit": _("thousand NT$ per company member, rounded half up"),
            "bands": list(FEE_BAND_LABELS),
            "rows": [
                {"field": _field(row.field), "counts": row.cells, "total": row.total}
                for row in bands.rows
            ],
            "shares": bands.shares,
            "under_10k_share": bands.under_10k_share,
            "without_company_members": [
                {**_alliance(f.ay, codes), "year": f.ay.programme_year.roc_year} for f in apart
            ],
            "without_company_members_not_shown": hidden,
        }
        return conditional(request, data)


@extend_schema(
    tags=["reports"],
    summary="Self-sufficiency (R10) with the R9, P1 and P2 flags",
    parameters=[YEAR],
    responses=OpenApiTypes.OBJECT,
)
class SelfSufficiency(APIView):
    def get(self, request, year):
        named = scope.require_reports(request.user)
        _year(year)
        report = selectors.self_sufficiency_report(year)
        shown, hidden = selectors.visible(report.rows, named, lambda r: r.fig.ay.alliance_id)
        codes = _field_codes()
        data = {
            "year": year,
            "source": figures.OFFICIAL,
            "unit": "NT$; ratios in %",
            "alliances": [
                {
                    **_alliance(row.fig.ay, codes),
                    "phase": row.fig.ay.phase,
                    "phase_year": row.fig.ay.phase_year,
                    "subsidy": row.fig.ay.subsidy,
                    "counted_revenue": row.fig.counted_total,
                    "ratio": row.ratio,
                    "flags": [
                        {"rule": f.rule, "ok": f.ok, "message": str(f.message)} for f in row.flags
                    ],
                }
                for row in shown
            ],
            "alliances_not_shown": hidden,
            "fields": [
                {
                    "field": _field(f.field),
                    "alliances": f.alliances,
                    "counted_revenue": f.counted,
                    "subsidy": f.subsidy,
                    "ratio": f.ratio,
                }
                for f in report.fields
            ],
            "trend": {
                "years": report.trend["years"],
                "rows": [
                    {"field": _field(r["field"]), "ratios": r["cells"]}
                    for r in report.trend["rows"]
                ],
            },
        }
        return conditional(request, data)
