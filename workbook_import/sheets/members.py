"""Sheets 「廠商」 and 「成員」 of the workbook (docs/import-format.md)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from import_export.fields import Field as Column
from import_export.widgets import Widget

from alliances.models import AllianceYear
from core.workbooks import quote
from members import services
from members.models import EntityType, Firm, MemberKind, Membership
from members.ubn import is_valid_ubn, normalize_text, normalize_ubn
from workbook_import.engine import (
    REQUIRED,
    AmountWidget,
    ChoiceLabelWidget,
    RocDateWidget,
    TextWidget,
    register_sheet,
)
from workbook_import.resources import AMBIGUOUS, PortalResource, chunks, column_values

ENTITY_TYPES_ZH = {
    EntityType.COMPANY: "公司行號",
    EntityType.NON_RESEARCH_LEGAL: "非研究型法人",
    EntityType.RESEARCH_LEGAL: "研究型法人",
    EntityType.FOREIGN_REGISTERED: "外國公司（有在臺登記）",
    EntityType.FOREIGN_UNREGISTERED: "外國公司（無在臺登記）",
}
MEMBER_KINDS_ZH = {
    MemberKind.COMPANY: "廠商會員",
    MemberKind.INDIVIDUAL: "個人會員",
    MemberKind.OTHER: "其它會員",
}

COL_UBN, COL_FIRM, COL_COUNTRY, COL_ENTITY = "統一編號", "廠商名稱", "國別", "廠商類型"
COL_ALLIANCE, COL_YEAR, COL_KIND = "聯盟代碼", "年度", "會員類別"


def _text(value) -> str:
    return normalize_text(value)


def _ubn(value) -> str:
    return normalize_ubn(value)


class UbnWidget(TextWidget):
    def clean(self, value, row=None, **kwargs):
        ubn = _ubn(value)
        if ubn and not is_valid_ubn(ubn):
            raise ValueError(_("%(value)s: the check digit is wrong.") % {"value": quote(ubn)})
        return ubn


class Loaded(dict):
    """Records by key, loaded at once; `asked`: the keys looked for (a key asked and not
    in the dict is known not to exist)."""

    def __init__(self, *args, asked=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.asked = set(asked)


def firm_key(ubn, name, country) -> tuple:
    return (ubn,) if ubn else ("", name, country or "TW")


def firms_named(dataset) -> Loaded:
    """The firms the rows name (by 統一編號, or by name and country without one), two
    queries per few thousand rows; keyed as `firm_key`."""
    ubns = column_values(dataset, COL_UBN, _ubn)
    names = column_values(dataset, COL_FIRM, _text)
    firms = Loaded(asked={(u,) for u in ubns})
    for part in chunks(ubns):
        for firm in Firm.objects.filter(ubn__in=part).select_related("merged_into"):
            firms[(firm.ubn,)] = firm
    for part in chunks(names):
        for firm in Firm.objects.filter(ubn="", name__in=part).select_related("merged_into"):
            firms["", firm.name, firm.country] = firm
    if COL_FIRM in (dataset.headers or []):
        countries = (
            dataset[COL_COUNTRY] if COL_COUNTRY in dataset.headers else [None] * len(dataset)
        )
        for name, country in zip(dataset[COL_FIRM], countries, strict=True):
            firms.asked.add(("", _text(name), _text(country).upper() or "TW"))
    return firms


# --- 廠商 ----------------------------------------------------------------------------------


class FirmResource(PortalResource):
    ubn = Column("ubn", COL_UBN, widget=UbnWidget())
    name = Column("name", COL_FIRM, widget=TextWidget(required_message=REQUIRED))
    country = Column("country", COL_COUNTRY, widget=TextWidget())
    entity_type = Column(
        "entity_type", COL_ENTITY, widget=ChoiceLabelWidget(EntityType.choices, ENTITY_TYPES_ZH)
    )

    class Meta(PortalResource.Meta):
        model = Firm
        import_id_fields = ["ubn"]
        fields = ["ubn", "name", "country", "entity_type"]

    def export_queryset(self):
        return Firm.objects.filter(merged_into=None).order_by("ubn", "name")

    def natural_key(self, row):
        ubn = self.fields["ubn"].clean(row)
        return (
            (ubn,) if ubn else ("", _text(row.get(COL_FIRM)), _text(row.get(COL_COUNTRY)).upper())
        )

    def load_instances(self, dataset):
        return firms_named(dataset)

    def get_instance(self, instance_loader, row):
        key = self.natural_key(row)
        key = key if key[0] else ("", key[1], key[2] or "TW")
        if self._instances is not None and key in self._instances.asked:
            return self._instances.get(key)
        if key[0]:
            return Firm.objects.filter(ubn=key[0]).first()
        return Firm.objects.filter(ubn="", name=key[1], country=key[2]).first()

    def before_import_row(self, row, **kwargs):
        if not _text(row.get(COL_COUNTRY)):
            row[COL_COUNTRY] = "TW"
        super().before_import_row(row, **kwargs)

    def after_save_instance(self, instance, row, **kwargs):
        services.recompute_verdicts(instance)
        super().after_save_instance(instance, row, **kwargs)


# --- 成員 ----------------------------------------------------------------------------------


class AllianceYearWidget(Widget):
    """聯盟代碼 + 年度 → the alliance-year; an alliance's own import is limited to it."""

    def __init__(self, resource, **kwargs):
        super().__init__(**kwargs)
        self.resource = resource
        self.found = None  # (code, ROC year) → alliance-year: one query per sheet

    def clean(self, value, row=None, **kwargs):
        code = _text(value)
        year = _text((row or {}).get(COL_YEAR))
        if not code:
            raise ValueError(_("This cell is required."))
        scope = self.resource.alliance
        if scope is not None and scope.code != code:
            raise ValueError(
                _("“%(value)s” is not your alliance's code (%(code)s).")
                % {"value": quote(code), "code": scope.code}
            )
        if self.found is None:
            years = AllianceYear.objects.select_related("alliance", "programme_year")
            if scope is not None:
                years = years.filter(alliance=scope)
            self.found = {(ay.alliance.code, ay.programme_year.roc_year): ay for ay in years}
        found = self.found.get((code, int(year) if year.isascii() and year.isdecimal() else -1))
        if found is None:
            raise ValueError(
                _("There is no alliance-year %(code)s / %(year)s; the office opens alliance-years.")
                % {"code": code, "year": year or "?"}
            )
        return found

    def render(self, value, obj=None, **kwargs):
        return value.alliance.code if value else ""


class FirmRefWidget(Widget):
    """The member firm, by 統一編號 or (for a firm without Taiwan registration) by name and
    country. A firm not yet known is created from 廠商名稱, 國別 and 廠商類型."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Firms looked up or added during one sheet: each row's firm is asked for several
        # times (duplicate check, instance lookup, the field itself).
        self.known = {}
        self.on_file = Loaded()  # the firms the sheet's rows name, loaded at once

    def prime(self, dataset) -> None:
        self.on_file = firms_named(dataset)

    def clean(self, value, row=None, **kwargs):
        row = row or {}
        kind = _text(row.get(COL_KIND))
        if kind in (MEMBER_KINDS_ZH[MemberKind.INDIVIDUAL], MemberKind.INDIVIDUAL):
            return None
        ubn = _ubn(value)
        name = _text(row.get(COL_FIRM))
        country = _text(row.get(COL_COUNTRY)).upper() or "TW"
        key = (ubn,) if ubn else ("", name, country)
        if ubn and not is_valid_ubn(ubn):
            raise ValueError(_("%(value)s: the check digit is wrong.") % {"value": quote(ubn)})
        if key in self.known:
            return self.known[key]
        firm = self._find(ubn, name, country, row)
        if firm is not None:
            self.known[key] = firm
        return firm

    def _find(self, ubn, name, country, row):
        key = firm_key(ubn, name, country)
        if (ubn or name) and key in self.on_file.asked:
            firm = self.on_file.get(key)
        elif ubn:
            firm = Firm.objects.filter(ubn=ubn).select_related("merged_into").first()
        elif name:
            firm = (
                Firm.objects.filter(ubn="", name=name, country=country)
                .select_related("merged_into")
                .first()
            )
        else:
            raise ValueError(
                _("Give the UBN, or the name and country of a firm without Taiwan registration.")
            )
        if firm is not None:
            return firm.merged_into or firm
        if not name:
            raise ValueError(
                _("%(value)s is not a known firm: give its name (廠商名稱) to add it.")
                % {"value": quote(ubn)}
            )
        entity = ChoiceLabelWidget(EntityType.choices, ENTITY_TYPES_ZH).clean(
            row.get(COL_ENTITY)
            or (
                ENTITY_TYPES_ZH[EntityType.COMPANY]
                if ubn
                else ENTITY_TYPES_ZH[EntityType.FOREIGN_UNREGISTERED]
            )
        )
        firm = Firm(name=name, country=country, ubn=ubn, entity_type=entity)
        try:
            # Firm.clean() checks the entity type against the 統一編號 (the check
            # constraint); the two unique constraints hold, as the lookup above just found
            # no firm with this 統一編號 or name and country (the database still enforces
            # all three). Not asking the database again saves five queries per new firm.
            firm.full_clean(validate_constraints=False)
        except ValidationError as error:
            raise ValueError("; ".join(error.messages)) from None
        with transaction.atomic():  # a database error undoes this row only
            firm.save()
        return firm

    def render(self, value, obj=None, **kwargs):
        return value.ubn if value else ""


class MembershipResource(PortalResource):
    alliance_year = Column("alliance_year", COL_ALLIANCE)
    year = Column(column_name=COL_YEAR)
    entered_kind = Column(
        "entered_kind", COL_KIND, widget=ChoiceLabelWidget(MemberKind.choices, MEMBER_KINDS_ZH)
    )
    firm = Column("firm", COL_UBN, widget=FirmRefWidget())
    firm_name = Column(column_name=COL_FIRM)
    country = Column(column_name=COL_COUNTRY)
    entity = Column(column_name=COL_ENTITY)
    person_name = Column("person_name", "個人姓名", widget=TextWidget())
    joined_on = Column("joined_on", "入會日期", widget=RocDateWidget())
    annual_fee = Column("annual_fee", "年費", widget=AmountWidget())
    contact_name = Column("contact_name", "聯絡人", widget=TextWidget())
    contact_email = Column("contact_email", "聯絡電子郵件", widget=TextWidget())
    contact_phone = Column("contact_phone", "聯絡電話", widget=TextWidget())
    note = Column("note", "備註", widget=TextWidget())

    class Meta(PortalResource.Meta):
        model = Membership
        import_id_fields = ["alliance_year", "firm", "person_name"]
        fields = [
            "alliance_year",
            "year",
            "entered_kind",
            "firm",
            "firm_name",
            "country",
            "entity",
            "person_name",
            "joined_on",
            "annual_fee",
            "contact_name",
            "contact_email",
            "contact_phone",
            "note",
        ]
        exclude = ["id"]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fields["alliance_year"].widget = AllianceYearWidget(self)
        self.fields["firm"].widget = FirmRefWidget()

    def export_queryset(self):
        qs = Membership.objects.select_related(
            "alliance_year__alliance", "alliance_year__programme_year", "firm"
        ).order_by("alliance_year__alliance__code", "alliance_year__programme_year__roc_year", "pk")
        return qs.filter(alliance_year__alliance=self.alliance) if self.alliance else qs

    def audit_alliance(self, instance):
        return instance.alliance_year.alliance

    def load_instances(self, dataset):
        """The memberships of the alliance-years the rows name, with what the sheet shows;
        the firms the rows name go to the firm column at the same time."""
        self.fields["firm"].widget.prime(dataset)
        widget = self.fields["alliance_year"].widget
        years = set()
        for row in dataset.dict:
            try:
                years.add(widget.clean(row.get(COL_ALLIANCE), row=row).pk)
            except ValueError:
                continue
        found = {}
        for part in chunks(years):
            memberships = Membership.objects.filter(alliance_year__in=part).select_related(
                "alliance_year__alliance", "alliance_year__programme_year", "firm"
            )
            for m in memberships:
                key = (m.alliance_year, m.firm, m.person_name)
                found[key] = AMBIGUOUS if key in found else m
        return found

    def dehydrate_year(self, membership):
        return membership.alliance_year.programme_year.roc_year

    def dehydrate_firm_name(self, membership):
        return membership.firm.name if membership.firm_id else ""

    def dehydrate_country(self, membership):
        return membership.firm.country if membership.firm_id else ""

    def dehydrate_entity(self, membership):
        return ENTITY_TYPES_ZH.get(membership.firm.entity_type, "") if membership.firm_id else ""

    def before_save_instance(self, instance, row, **kwargs):
        services.apply_verdict(instance)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        services.apply_verdict(instance)
        return super().validate_instance(instance, import_validation_errors, validate_unique)


register_sheet("廠商", FirmResource, order=30, scopes=("office",))
register_sheet("成員", MembershipResource, order=40, scopes=("office", "alliance"))
