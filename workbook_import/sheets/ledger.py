"""Sheets 「收入」, 「成果」 and 「活動」: the ledger in the registry's workbook machinery
(same guarantees: preview, all or nothing, messages by sheet, row and column). A row with
an 編號 changes that record; a row without one adds a record."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export.fields import Field as Column
from import_export.widgets import Widget

from core.workbooks import quote
from kpi.ledger import selectors, services
from kpi.models import (
    Activity,
    ActivityKind,
    Applicant,
    Outcome,
    OutcomeKind,
    PayerKind,
    RevenueEntry,
    RevenueKind,
)
from members.models import Firm, Membership
from members.ubn import is_valid_ubn, normalize_text, normalize_ubn
from workbook_import.engine import (
    REQUIRED,
    AmountWidget,
    ChoiceLabelWidget,
    RocDateWidget,
    TextWidget,
    register_sheet,
)
from workbook_import.resources import PortalResource, chunks, column_values
from workbook_import.sheets.members import COL_ALLIANCE, COL_YEAR, AllianceYearWidget

REVENUE_ZH = {
    RevenueKind.MEMBERSHIP_FEE: "會費收入",
    RevenueKind.TECHNICAL_SERVICE: "技術服務",
    RevenueKind.OTHER_OPERATING: "其他收入",
    RevenueKind.TECHNOLOGY_TRANSFER: "技術移轉",
    RevenueKind.COLLABORATION: "產學合作",
    RevenueKind.UNIVERSITY_INCENTIVE: "學校獎勵金或設備",
    RevenueKind.DONATED_EQUIPMENT: "廠商捐贈設備",
    RevenueKind.MOST_SUBSIDY: "科技部補助款",
}
PAYER_ZH = {
    PayerKind.FIRM: "廠商",
    PayerKind.GOVERNMENT: "政府機關",
    PayerKind.UNIVERSITY: "學校",
    PayerKind.INDIVIDUAL: "個人",
    PayerKind.OTHER: "其他單位",
}
OUTCOME_ZH = {
    OutcomeKind.NEW_PRODUCT: "新產品",
    OutcomeKind.NEW_TECHNOLOGY: "新技術",
    OutcomeKind.PATENT_APPLICATION: "專利申請",
    OutcomeKind.PATENT_GRANT: "專利獲證",
    OutcomeKind.NEW_HIRES: "新增聘用",
    OutcomeKind.OUTPUT_VALUE: "增加產值",
}
APPLICANT_ZH = {Applicant.FIRM: "會員廠商", Applicant.UNIVERSITY: "學校"}
ACTIVITY_ZH = {
    ActivityKind.PROMOTION: "推廣活動",
    ActivityKind.SEMINAR: "技術研討會",
    ActivityKind.CONSULTING: "專業諮詢",
    ActivityKind.ONSITE: "訪廠現地指導",
}
YES = {"是", "yes", "y", "true", "1", "v", "✓"}


class FirmByUbnWidget(Widget):
    """A firm on file, by its 統一編號 (empty: none)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.on_file = {}  # 統一編號 → firm or None, for the 統一編號 `prime` was given

    def prime(self, ubns) -> None:
        self.on_file = dict.fromkeys(ubns)
        for part in chunks(ubns):
            for firm in Firm.objects.filter(ubn__in=part).select_related("merged_into"):
                self.on_file[firm.ubn] = firm

    def clean(self, value, row=None, **kwargs):
        ubn = normalize_ubn(value)
        if not ubn:
            return None
        if not is_valid_ubn(ubn):
            raise ValueError(_("%(value)s: the check digit is wrong.") % {"value": quote(ubn)})
        on_file = ubn in self.on_file
        firm = self.on_file[ubn] if on_file else Firm.objects.filter(ubn=ubn).first()
        if firm is None:
            raise ValueError(
                _(
                    "No firm with UBN %(value)s is on file; add it as a member first, or "
                    "name the payer below."
                )
                % {"value": quote(ubn)}
            )
        return firm.merged_into or firm

    def render(self, value, obj=None, **kwargs):
        return value.ubn if value else ""


class YesNoWidget(Widget):
    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return True
        if isinstance(value, bool):
            return value
        return normalize_text(value).lower() in YES

    def render(self, value, obj=None, **kwargs):
        return "是" if value else "否"


class LedgerResource(PortalResource):
    """Ledger sheets: 編號 is the key; the verdict is computed on save, like the forms."""

    id = Column("id", "編號", widget=AmountWidget(default=None))
    alliance_year = Column("alliance_year", COL_ALLIANCE)
    year = Column(column_name=COL_YEAR)

    class Meta(PortalResource.Meta):
        import_id_fields = ["id"]
        skip_unchanged = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fields["alliance_year"].widget = AllianceYearWidget(self)

    def audit_alliance(self, instance):
        return instance.alliance_year.alliance

    def natural_key(self, row):
        key = self.fields["id"].clean(row)
        return (key,) if key else (object(),)  # rows without 編號 are all new

    def _records(self):
        qs = self._meta.model.objects.select_related(
            "alliance_year__alliance", "alliance_year__programme_year", "firm"
        )
        if self.alliance is not None:
            qs = qs.filter(alliance_year__alliance=self.alliance)
        return qs

    def load_instances(self, dataset):
        """The records the rows name by 編號, and the firms they name by 統一編號."""
        firm = self.fields.get("firm")
        if firm is not None:
            firm.widget.prime(column_values(dataset, firm.column_name, normalize_ubn))
        ids = column_values(dataset, "編號", self.fields["id"].widget.clean)
        found = dict.fromkeys(ids)
        for part in chunks(ids):
            found.update((r.pk, r) for r in self._records().filter(pk__in=part))
        return found

    def get_instance(self, instance_loader, row):
        pk = self.fields["id"].clean(row)
        if not pk:
            return None
        if self._instances is not None and pk in self._instances:
            found = self._instances[pk]
        else:
            found = self._records().filter(pk=pk).first()
        if found is None:
            raise ValidationError({"id": [_("There is no record %(value)s here.") % {"value": pk}]})
        return found

    def dehydrate_year(self, record):
        return record.alliance_year.programme_year.roc_year

    def export_queryset(self):
        qs = self._meta.model.objects.select_related(
            "alliance_year__alliance", "alliance_year__programme_year", "firm"
        ).order_by(
            "alliance_year__alliance__code",
            "alliance_year__programme_year__roc_year",
            "kind",
            "date",
            "pk",
        )
        return qs.filter(alliance_year__alliance=self.alliance) if self.alliance else qs

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        if instance.date is None and "date" not in errors:
            errors["date"] = [_("This cell is required.")]
        if getattr(instance, "amount", 0) is None and "amount" not in errors:
            errors["amount"] = [_("This cell is required.")]
        if instance.alliance_year_id and "date" not in errors and instance.date:
            try:
                services._check_belongs(instance)
            except services.LedgerError as error:
                errors["date"] = [str(error)]
            through = services.covered_through(instance.alliance_year)
            was = (
                self._meta.model.objects.filter(pk=instance.pk)
                .values_list("date", flat=True)
                .first()
                if instance.pk
                else None
            )
            if through and (instance.date <= through or (was and was <= through)):
                errors["date"] = [
                    _(
                        "An accepted filing covers this period: change the record on its page, "
                        "with a reason."
                    )
                ]
        if errors:
            raise ValidationError(errors)
        self._verdict(instance)
        super().validate_instance(instance, import_validation_errors, validate_unique)

    def _verdict(self, instance):
        ctx = selectors.year_context(instance.alliance_year)
        services.store_verdict(instance, services.verdict_for(instance, ctx))

    def before_save_instance(self, instance, row, **kwargs):
        if instance.pk:
            instance.version += 1
        else:
            instance.created_by = self.user if getattr(self.user, "pk", None) else None


class RevenueResource(LedgerResource):
    kind = Column("kind", "收入類別", widget=ChoiceLabelWidget(RevenueKind.choices, REVENUE_ZH))
    date = Column("date", "日期", widget=RocDateWidget())
    amount = Column("amount", "金額", widget=AmountWidget(default=None))
    firm = Column("firm", "統一編號", widget=FirmByUbnWidget())
    payer_name = Column("payer_name", "付款單位", widget=TextWidget())
    payer_kind = Column(
        "payer_kind", "付款單位類別", widget=ChoiceLabelWidget(PayerKind.choices, PAYER_ZH)
    )
    freely_usable = Column("freely_usable", "可自由運用", widget=YesNoWidget())
    description = Column("description", "說明", widget=TextWidget())

    class Meta(LedgerResource.Meta):
        model = RevenueEntry
        fields = [
            "id",
            "alliance_year",
            "year",
            "kind",
            "date",
            "amount",
            "firm",
            "payer_name",
            "payer_kind",
            "freely_usable",
            "description",
        ]

    def before_import_row(self, row, **kwargs):
        if not normalize_text(row.get("付款單位類別")) and normalize_text(row.get("統一編號")):
            row["付款單位類別"] = PAYER_ZH[PayerKind.FIRM]
        super().before_import_row(row, **kwargs)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        if instance.kind == RevenueKind.MEMBERSHIP_FEE and "firm" not in errors:
            membership = (
                Membership.objects.filter(
                    alliance_year=instance.alliance_year_id, firm=instance.firm
                ).first()
                if instance.firm_id
                else None
            )
            if membership is None:
                errors["firm"] = [_("A membership fee is received from a member.")]
            instance.membership = membership
        if errors:
            raise ValidationError(errors)
        super().validate_instance(instance, import_validation_errors, validate_unique)


class OutcomeResource(LedgerResource):
    kind = Column("kind", "成果類別", widget=ChoiceLabelWidget(OutcomeKind.choices, OUTCOME_ZH))
    title = Column("title", "名稱", widget=TextWidget(required_message=REQUIRED))
    date = Column("date", "日期", widget=RocDateWidget())
    firm = Column("firm", "統一編號", widget=FirmByUbnWidget())
    applicant = Column(
        "applicant", "專利申請人", widget=ChoiceLabelWidget(Applicant.choices, APPLICANT_ZH)
    )
    quantity = Column("quantity", "人數", widget=AmountWidget(default=1, maximum=100_000))
    amount = Column("amount", "增加產值", widget=AmountWidget())
    description = Column("description", "說明", widget=TextWidget())

    class Meta(LedgerResource.Meta):
        model = Outcome
        fields = [
            "id",
            "alliance_year",
            "year",
            "kind",
            "title",
            "date",
            "firm",
            "applicant",
            "quantity",
            "amount",
            "description",
        ]

    def before_import_row(self, row, **kwargs):
        if not normalize_text(row.get("專利申請人")):
            row["專利申請人"] = APPLICANT_ZH[Applicant.FIRM]
        super().before_import_row(row, **kwargs)


class ActivityResource(LedgerResource):
    kind = Column("kind", "活動類別", widget=ChoiceLabelWidget(ActivityKind.choices, ACTIVITY_ZH))
    title = Column("title", "名稱", widget=TextWidget(required_message=REQUIRED))
    date = Column("date", "日期", widget=RocDateWidget())
    firm = Column("firm", "統一編號", widget=FirmByUbnWidget())
    other_attendees = Column(
        "other_attendees", "其他出席人數", widget=AmountWidget(maximum=100_000)
    )
    description = Column("description", "說明", widget=TextWidget())

    class Meta(LedgerResource.Meta):
        model = Activity
        fields = [
            "id",
            "alliance_year",
            "year",
            "kind",
            "title",
            "date",
            "firm",
            "other_attendees",
            "description",
        ]


register_sheet("收入", RevenueResource, order=50, scopes=("office", "alliance"))
register_sheet("成果", OutcomeResource, order=60, scopes=("office", "alliance"))
register_sheet("活動", ActivityResource, order=70, scopes=("office", "alliance"))
