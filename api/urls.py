"""/api/v1/: the read-only JSON API (docs/api.md), its OpenAPI schema and documentation."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api.views import alliances, reports

app_name = "api"

ALLIANCE = "alliances/<slug:code>/"
YEAR = ALLIANCE + "years/<int:year>/"

urlpatterns = [
    path("alliances/", alliances.AllianceList.as_view(), name="alliance-list"),
    path(ALLIANCE, alliances.AllianceDetail.as_view(), name="alliance-detail"),
    path(ALLIANCE + "years/", alliances.AllianceYearList.as_view(), name="alliance-years"),
    path(YEAR + "members/", alliances.MemberList.as_view(), name="members"),
    path(YEAR + "ledger/<slug:kind>/", alliances.LedgerList.as_view(), name="ledger"),
    path(YEAR + "filings/", alliances.FilingList.as_view(), name="filings"),
    path(YEAR + "audit-records/", alliances.AuditRecordList.as_view(), name="audit-records"),
    path("reports/<int:year>/fields/", reports.FieldReport.as_view(), name="report-fields"),
    path("reports/fee-bands/", reports.FeeBands.as_view(), name="report-fee-bands"),
    path(
        "reports/<int:year>/self-sufficiency/",
        reports.SelfSufficiency.as_view(),
        name="report-self-sufficiency",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
