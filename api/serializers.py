"""What the API answers, field by field. Money in NT$ (whole dollars), years in ROC years,
dates ISO 8601; every counted figure carries the rule id that decided it."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kpi.ledger import rules as ledger_rules
from kpi.ledger.catalog import BY_CODE
from members import rules as member_rules


class FieldSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()


class AllianceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    field = FieldSerializer()
    institution = serializers.CharField()
    team_type = serializers.CharField()
    website = serializers.CharField()
    years_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_years_url(self, alliance) -> str:
        url = reverse("api:alliance-years", kwargs={"code": alliance.code})
        return self.context["request"].build_absolute_uri(url)


class AllianceYearSerializer(serializers.Serializer):
    year = serializers.IntegerField(source="programme_year.roc_year", help_text="ROC year")
    phase = serializers.IntegerField()
    phase_year = serializers.IntegerField()
    subsidy = serializers.SerializerMethodField(
        help_text="NT$; for the programme office and department viewers only (null to others), "
        "as on the office's page of the alliance's years"
    )
    collaboration_weight = serializers.IntegerField(
        help_text="% of collaboration funding counted (R8)"
    )

    def get_subsidy(self, ay) -> int | None:
        return ay.subsidy if self.context.get("programme_reader") else None


class FirmSerializer(serializers.Serializer):
    name = serializers.CharField()
    ubn = serializers.CharField(help_text="統一編號 (empty for a foreign firm)")
    country = serializers.CharField()


class MembershipSerializer(serializers.Serializer):
    """A member of the alliance in the year, without its contact person (private)."""

    id = serializers.IntegerField()
    firm = FirmSerializer(allow_null=True)
    person_name = serializers.CharField(help_text="an individual member's name")
    entered_kind = serializers.CharField()
    counted_kind = serializers.CharField(help_text="the kind it counts as (M1–M4)")
    rule = serializers.CharField()
    explanation = serializers.SerializerMethodField()
    joined_on = serializers.DateField(allow_null=True)
    annual_fee = serializers.IntegerField(help_text="NT$")

    def get_explanation(self, membership) -> str:
        return str(member_rules.explain(membership.rule, membership.rule_params))


class RecordSerializer(serializers.Serializer):
    """One ledger record with the verdict stored beside it (counted or not, and by which
    rule)."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    date = serializers.DateField()
    label = serializers.SerializerMethodField()
    firm = FirmSerializer(allow_null=True)
    amount = serializers.SerializerMethodField(help_text="NT$ as entered (0 where no money)")
    counted = serializers.BooleanField()
    counted_amount = serializers.IntegerField(help_text="NT$ counted")
    rule = serializers.CharField()
    rule_params = serializers.JSONField()
    explanation = serializers.SerializerMethodField()
    evidence_files = serializers.IntegerField()
    changed_after_acceptance = serializers.BooleanField()

    def get_amount(self, record) -> int:
        return getattr(record, "amount", 0) or 0

    def get_label(self, record) -> str:
        return (
            getattr(record, "title", None)
            or record.description
            or getattr(record, "payer_name", "")
        )

    def get_explanation(self, record) -> str:
        return str(ledger_rules.explain(record.rule, record.rule_params, record.counted))


class ItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.SerializerMethodField()
    unit = serializers.SerializerMethodField()
    entered = serializers.IntegerField(allow_null=True)
    counted = serializers.IntegerField(allow_null=True)
    target = serializers.IntegerField(allow_null=True)

    def get_label(self, item) -> str:
        known = BY_CODE.get(item.code)
        return str(known.label) if known else item.code

    def get_unit(self, item) -> str:
        known = BY_CODE.get(item.code)
        return known.unit if known else ""


class VersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    through = serializers.DateField(allow_null=True, help_text="figures through this date")
    submitted_at = serializers.DateTimeField()
    certified_name = serializers.CharField()
    items = ItemSerializer(many=True)


class FilingSerializer(serializers.Serializer):
    kind = serializers.CharField()
    state = serializers.CharField(help_text="the workflow state")
    state_label = serializers.CharField(source="get_state_display")
    status = serializers.CharField(
        help_text="the state as every page shows it: also not_started and overdue"
    )
    status_label = serializers.CharField()
    correction_due = serializers.DateField(
        source="correction_deadline",
        allow_null=True,
        help_text="a returned filing's one correction deadline, extensions included",
    )
    accepted_version = VersionSerializer(
        allow_null=True, help_text="the accepted version's figures; null until one is accepted"
    )


class AuditRecordSerializer(serializers.Serializer):
    number = serializers.CharField(help_text="year-period-serial, e.g. 106-1-003")
    period = serializers.CharField()
    version = serializers.IntegerField(source="version.number")
    issued_at = serializers.DateTimeField()
    correction_due = serializers.DateField(allow_null=True)
    findings = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    def get_findings(self, record) -> int:
        return len(record.findings or [])

    @extend_schema_field(OpenApiTypes.URI)
    def get_pdf_url(self, record) -> str:
        ay = record.filing.alliance_year
        url = reverse(
            "audit_record_pdf",
            kwargs={
                "pk": ay.alliance_id,
                "year": record.roc_year,
                "filing": record.period,
                "aid": record.pk,
            },
        )
        return self.context["request"].build_absolute_uri(url)
