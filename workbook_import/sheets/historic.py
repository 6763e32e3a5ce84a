"""Past years' accepted figures (the reports issue, domain.md §7): the sheet
「歷年核定數據」 of the office's workbook gives, per alliance-year, its phase, subsidy and
the value of every catalog item the office accepted then. Importing a row makes the
alliance-year's second KPI filing accepted with an imported version whose snapshot holds
those values, so reports, trends, R9, P1, P2 and fee bands read past years exactly as they
read years filed on the portal. A changed row adds a new imported version (versions are
only ever added); an unchanged row changes nothing."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from import_export.fields import Field as Column

from kpi.ledger import catalog
from kpi.models import (
    Filing,
    FilingKind,
    FilingState,
    FilingTransition,
    FilingVersion,
    SnapshotItem,
)
from workbook_import.engine import AmountWidget, register_sheet
from workbook_import.resources import chunks
from workbook_import.sheets.alliances import AllianceYearResource

SHEET = "歷年核定數據"
IMPORTED_NAME = "歷年核定數據匯入"


def column_header(item) -> str:
    with translation.override("zh-hant"):
        return f"{item.label}（{item.code}）"


def imported_values(alliance_year) -> dict | None:
    """The item values of the alliance-year's last imported version, or None."""
    version = (
        FilingVersion.objects.filter(
            filing__alliance_year=alliance_year, filing__kind=FilingKind.SECOND, imported=True
        )
        .order_by("-number")
        .first()
    )
    if version is None:
        return None
    return dict(version.items.values_list("code", "counted"))


def imported_values_of_all() -> dict:
    """`imported_values` of every alliance-year that has imported figures: two queries."""
    last = {}
    versions = FilingVersion.objects.filter(filing__kind=FilingKind.SECOND, imported=True)
    for version_id, year_id in versions.order_by("-number").values_list(
        "pk", "filing__alliance_year_id"
    ):
        last.setdefault(year_id, version_id)
    values = {year_id: {} for year_id in last}
    year_of = {version_id: year_id for year_id, version_id in last.items()}
    for part in chunks(year_of):
        items = SnapshotItem.objects.filter(version__in=part).values_list(
            "version_id", "code", "counted"
        )
        for version_id, code, counted in items:
            values[year_of[version_id]][code] = counted
    return values


class HistoricFiguresResource(AllianceYearResource):
    """An alliance-year (聯盟代碼, 年度, 期別, 期內年次, 補助款) and its accepted figures, one
    column per catalog item that is not computed from others."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._items_cache = {}
        self._imported = None  # alliance-year pk → its imported values, read once per sheet
        for item in catalog.TARGETED:
            self.fields[item.code] = Column(
                attribute=None,
                column_name=column_header(item),
                widget=AmountWidget(),
                dehydrate_method=lambda ay, code=item.code: (self._exported(ay) or {}).get(code),
            )

    class Meta(AllianceYearResource.Meta):
        pass

    def export_queryset(self):
        ids = FilingVersion.objects.filter(imported=True).values("filing__alliance_year")
        return super().export_queryset().filter(pk__in=ids)

    def load_instances(self, dataset):
        self._imported = imported_values_of_all()
        return super().load_instances(dataset)

    def _exported(self, ay):
        if ay.pk not in self._items_cache:
            self._items_cache[ay.pk] = imported_values(ay)
        return self._items_cache[ay.pk]

    def _values(self, row) -> dict:
        values, errors = {}, {}
        for item in catalog.TARGETED:
            column = self.fields[item.code]
            try:
                values[item.code] = column.clean(row)
            except ValueError as error:
                errors[item.code] = [str(error)]
        if errors:
            raise ValidationError(errors)
        return values

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        try:
            self._row_values = self._values(self._current_row)
        except ValidationError as error:
            errors.update(error.message_dict)
        if (
            instance.pk
            and Filing.objects.filter(
                alliance_year=instance, kind=FilingKind.SECOND, versions__imported=False
            ).exists()
        ):
            errors.setdefault(NON_FIELD_ERRORS, []).append(
                _(
                    "This alliance-year's second KPI filing was submitted on the portal; "
                    "its figures are not replaced by imported ones."
                )
            )
        if errors:
            raise ValidationError(errors)
        return super().validate_instance(instance, import_validation_errors, validate_unique)

    def import_instance(self, instance, row, **kwargs):
        self._current_row = row
        super().import_instance(instance, row, **kwargs)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors:
            return False
        unchanged_year = super().skip_row(instance, original, row, import_validation_errors)
        if not unchanged_year or not original.pk:
            return False
        try:
            values = self._values(row)
        except ValidationError:
            return False
        if self._imported is not None:
            current = self._imported.get(original.pk)
        else:
            current = imported_values(original)
        return current is not None and all(current.get(k) == v for k, v in values.items())

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        values = getattr(self, "_row_values", None) or self._values(row)
        save_figures(alliance_year=instance, values=values, by=self.user)


def save_figures(*, alliance_year, values: dict, by) -> FilingVersion:
    """The alliance-year's accepted second filing gets a new imported version of `values`
    (the derived items computed as the catalog computes targets)."""
    derived = catalog.derive_targets(
        values, weight=alliance_year.collaboration_weight, subsidy=alliance_year.subsidy
    )
    filing, _created = Filing.objects.get_or_create(
        alliance_year=alliance_year, kind=FilingKind.SECOND
    )
    number = filing.versions.count() + 1
    now = timezone.now()
    version = FilingVersion.objects.create(
        filing=filing,
        number=number,
        through=alliance_year.programme_year.ends_on,
        submitted_at=now,
        submitted_by=by if getattr(by, "is_authenticated", False) else None,
        certified_name=IMPORTED_NAME,
        statement=_("Accepted figures of a past year, imported by the programme office."),
        imported=True,
    )
    SnapshotItem.objects.bulk_create(
        SnapshotItem(
            version=version,
            code=item.code,
            entered=derived.get(item.code),
            counted=derived.get(item.code),
        )
        for item in catalog.ITEMS
    )
    if filing.state != FilingState.ACCEPTED:
        FilingTransition.objects.create(
            filing=filing,
            from_state=filing.state,
            to_state=FilingState.ACCEPTED,
            version=number,
            by=by if getattr(by, "is_authenticated", False) else None,
            at=now,
            comment=IMPORTED_NAME,
        )
        filing.state = FilingState.ACCEPTED
        filing.save(update_fields=["state", "updated_at"])
    return version


register_sheet(SHEET, HistoricFiguresResource, order=80, scopes=("office",))
