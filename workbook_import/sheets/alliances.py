"""Sheets 「聯盟」 and 「聯盟年度」 of the workbook (docs/import-format.md)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.fields import Field as Column

from alliances.models import Alliance, AllianceYear, Field, ProgrammeYear, TeamType
from workbook_import.engine import (
    REQUIRED,
    AmountWidget,
    ChoiceLabelWidget,
    TextWidget,
    register_sheet,
)
from workbook_import.resources import NaturalKeyWidget, PortalResource

TEAM_TYPES_ZH = {
    TeamType.CROSS_SCHOOL: "跨校合作型",
    TeamType.REGIONAL_CENTRE: "地區研究中心型",
    TeamType.SAME_SCHOOL: "同校整合型",
    TeamType.SINGLE_LAB: "個別型",
}


class AllianceResource(PortalResource):
    code = Column("code", "聯盟代碼", widget=TextWidget(required_message=REQUIRED))
    name_zh = Column("name_zh", "中文名稱", widget=TextWidget(required_message=REQUIRED))
    name_en = Column("name_en", "英文名稱", widget=TextWidget())
    field = Column(
        "field",
        "領域",
        widget=NaturalKeyWidget(
            Field, "name_zh", not_found=gettext_lazy("There is no field named “%(value)s”.")
        ),
    )
    institution = Column("institution", "執行機構", widget=TextWidget(required_message=REQUIRED))
    team_type = Column(
        "team_type", "團隊型態", widget=ChoiceLabelWidget(TeamType.choices, TEAM_TYPES_ZH)
    )

    class Meta(PortalResource.Meta):
        model = Alliance
        import_id_fields = ["code"]
        fields = ["code", "name_zh", "name_en", "field", "institution", "team_type"]

    def audit_alliance(self, instance):
        return instance

    def load_instances(self, dataset):
        alliances = Alliance.objects.select_related("field").exclude(code=None)
        return {(alliance.code,): alliance for alliance in alliances}

    def export_queryset(self):
        qs = Alliance.objects.select_related("field").exclude(code=None).order_by("code")
        return qs.filter(pk=self.alliance.pk) if self.alliance else qs


class AllianceYearResource(PortalResource):
    alliance = Column(
        "alliance",
        "聯盟代碼",
        widget=NaturalKeyWidget(
            Alliance,
            "code",
            not_found=gettext_lazy("There is no alliance with the code “%(value)s”."),
        ),
    )
    programme_year = Column(
        "programme_year",
        "年度",
        widget=NaturalKeyWidget(
            ProgrammeYear,
            "roc_year",
            not_found=gettext_lazy(
                "There is no programme year “%(value)s”; the programme office creates it first."
            ),
        ),
    )
    phase = Column("phase", "期別", widget=AmountWidget(maximum=2, default=None))
    phase_year = Column("phase_year", "期內年次", widget=AmountWidget(maximum=3, default=None))
    subsidy = Column("subsidy", "補助款", widget=AmountWidget())
    collaboration_weight = Column(
        "collaboration_weight", "產學合作計入比例", widget=AmountWidget(maximum=100, default=None)
    )

    class Meta(PortalResource.Meta):
        model = AllianceYear
        import_id_fields = ["alliance", "programme_year"]
        fields = [
            "alliance",
            "programme_year",
            "phase",
            "phase_year",
            "subsidy",
            "collaboration_weight",
        ]

    def export_queryset(self):
        qs = AllianceYear.objects.select_related("alliance", "programme_year").exclude(
            alliance__code=None
        )
        qs = qs.order_by("alliance__code", "programme_year__roc_year")
        return qs.filter(alliance=self.alliance) if self.alliance else qs

    def audit_alliance(self, instance):
        return instance.alliance

    def load_instances(self, dataset):
        years = AllianceYear.objects.select_related("alliance", "programme_year")
        return {(ay.alliance, ay.programme_year): ay for ay in years}

    def before_save_instance(self, instance, row, **kwargs):
        if instance.collaboration_weight is None and instance.programme_year_id and instance.phase:
            instance.collaboration_weight = instance.programme_year.weight_for_phase(instance.phase)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        if instance.phase not in (1, 2) and "phase" not in errors:
            errors["phase"] = [_("Write 1 or 2.")]
        if instance.phase_year not in (1, 2, 3) and "phase_year" not in errors:
            errors["phase_year"] = [_("Write 1, 2 or 3.")]
        if errors:
            raise ValidationError(errors)
        if instance.collaboration_weight is None:
            instance.collaboration_weight = instance.programme_year.weight_for_phase(instance.phase)
        return super().validate_instance(instance, import_validation_errors, validate_unique)


register_sheet("聯盟", AllianceResource, order=10, scopes=("office",))
register_sheet("聯盟年度", AllianceYearResource, order=20, scopes=("office",))
