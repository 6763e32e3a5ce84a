"""The API's alliance resources: alliances, their years, members, ledger, filings and audit
records. Each answers what the asking person may open in the portal, in a fixed number of
queries whatever the number of records (a page of a fixed size at a time)."""

from django.db.models import Count, Prefetch
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics

from alliances.permissions import is_programme_reader
from api import scope, serializers
from kpi.filings import calendar
from kpi.filings import status as filing_status
from kpi.filings.selectors import correction_deadlines
from kpi.models import (
    Activity,
    AuditRecord,
    Filing,
    FilingKind,
    FilingState,
    FilingVersion,
    Outcome,
    RevenueEntry,
)
from members.models import Membership

CODE = OpenApiParameter(
    "code", str, OpenApiParameter.PATH, description="the alliance's code, e.g. MECH001"
)
YEAR = OpenApiParameter("year", int, OpenApiParameter.PATH, description="ROC year, e.g. 106")
LEDGERS = {"revenue": RevenueEntry, "outcomes": Outcome, "activities": Activity}


@extend_schema(tags=["alliances"], summary="The alliances you may see")
class AllianceList(generics.ListAPIView):
    """Your own alliances (PI, co-PI, approved assistant); every alliance for the programme
    office and department viewers; none for others (the public directory is at /directory/)."""

    serializer_class = serializers.AllianceSerializer

    def get_queryset(self):
        return scope.alliances_for(self.request.user)


@extend_schema(tags=["alliances"], summary="One alliance", parameters=[CODE])
class AllianceDetail(generics.RetrieveAPIView):
    serializer_class = serializers.AllianceSerializer

    def get_object(self):
        return scope.alliance_for(self.request.user, self.kwargs["code"])


@extend_schema(tags=["alliances"], summary="An alliance's programme years", parameters=[CODE])
class AllianceYearList(generics.ListAPIView):
    serializer_class = serializers.AllianceYearSerializer

    def get_serializer_context(self):
        return {
            **super().get_serializer_context(),
            "programme_reader": is_programme_reader(self.request.user),
        }

    def get_queryset(self):
        alliance = scope.alliance_for(self.request.user, self.kwargs["code"])
        return alliance.years.select_related("programme_year").order_by("programme_year__roc_year")


@extend_schema(
    tags=["alliances"],
    summary="Members of an alliance in a year (without contact persons)",
    parameters=[CODE, YEAR],
)
class MemberList(generics.ListAPIView):
    serializer_class = serializers.MembershipSerializer

    def get_queryset(self):
        ay = scope.alliance_year_for(self.request.user, self.kwargs["code"], self.kwargs["year"])
        return (
            Membership.objects.filter(alliance_year=ay)
            .select_related("firm")
            .order_by("entered_kind", "firm__name", "person_name", "pk")
        )


@extend_schema(
    tags=["alliances"],
    summary="Ledger records of an alliance in a year, each with its verdict and rule",
    parameters=[
        CODE,
        YEAR,
        OpenApiParameter(
            "kind", str, OpenApiParameter.PATH, enum=list(LEDGERS), description="which ledger"
        ),
    ],
)
class LedgerList(generics.ListAPIView):
    serializer_class = serializers.RecordSerializer

    def get_queryset(self):
        model = LEDGERS.get(self.kwargs["kind"])
        if model is None:
            raise Http404
        ay = scope.alliance_year_for(self.request.user, self.kwargs["code"], self.kwargs["year"])
        return (
            model.objects.filter(alliance_year=ay)
            .select_related("firm")
            .annotate(evidence_files=Count("evidence", distinct=True))
            .order_by("kind", "date", "pk")
        )


@extend_schema(
    tags=["alliances"],
    summary="The year's three filings, with the accepted version's figures",
    parameters=[CODE, YEAR],
)
class FilingList(generics.ListAPIView):
    serializer_class = serializers.FilingSerializer

    def get_queryset(self):
        ay = scope.alliance_year_for(self.request.user, self.kwargs["code"], self.kwargs["year"])
        versions = FilingVersion.objects.order_by("number").prefetch_related("items")
        existing = {
            f.kind: f
            for f in Filing.objects.filter(alliance_year=ay).prefetch_related(
                Prefetch("versions", queryset=versions)
            )
        }
        result = []
        for kind in FilingKind.values:  # in calendar order; a filing nobody began is a draft
            filing = existing.get(kind) or Filing(alliance_year=ay, kind=kind)
            accepted = None
            if filing.pk and filing.state == FilingState.ACCEPTED:
                accepted = list(filing.versions.all())[-1]
            filing.accepted_version = accepted
            result.append(filing)
        deadlines = correction_deadlines(result)  # the one deadline, as the filing page's
        extensions = calendar.latest_extensions(result)
        ledger = bool(filing_status.with_records([ay.pk]))
        for filing in result:
            filing.correction_deadline = deadlines.get(filing.pk)
            filing.status = filing_status.of_filing(
                filing,
                ay,
                calendar.deadline(filing, ay.programme_year, extensions.get(filing.pk)),
                submitted_before=bool(filing.pk) and bool(filing.versions.all()),
                ledger=ledger,
            )
            filing.status_label = filing_status.label(filing.status)
        return result


@extend_schema(
    tags=["alliances"],
    summary="Audit records (查核記錄) issued to an alliance in a year",
    parameters=[CODE, YEAR],
)
class AuditRecordList(generics.ListAPIView):
    serializer_class = serializers.AuditRecordSerializer

    def get_queryset(self):
        ay = scope.alliance_year_for(self.request.user, self.kwargs["code"], self.kwargs["year"])
        return (
            AuditRecord.objects.filter(filing__alliance_year=ay)
            .select_related("filing__alliance_year", "version")
            .order_by("issued_at", "pk")
        )
