"""The base of every import/export resource: scope, natural keys with readable errors,
duplicate rows, and the audit of what an import changed.

An import asks the database a bounded number of times per sheet, not per row: natural keys
are looked up in tables read once (`NaturalKeyWidget`), each sheet loads the records its
rows name at once, with their relations (`load_instances`), and a row costs a savepoint
only when it is saved. A row that did not change costs no query."""

from collections.abc import Iterable, Iterator

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from import_export import resources, widgets

from core import audit
from core.workbooks import quote


class NaturalKeyWidget(widgets.ForeignKeyWidget):
    """A foreign key written as its natural key (a code, a year, a Chinese name), with a
    message that says what was not found."""

    def __init__(self, model, field, *, not_found, **kwargs):
        super().__init__(model, field=field, **kwargs)
        self.not_found = not_found
        self._by_key = None  # key value → object: the (small, unique-keyed) table read once

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if value in (None, ""):
            raise ValueError(_("This cell is required."))
        text = str(value).strip()
        try:
            key_field = self.model._meta.get_field(self.field)
            if not key_field.unique:
                return self.get_queryset(value, row, **kwargs).get(**{self.field: text})
            if self._by_key is None:
                self._by_key = {
                    getattr(obj, self.field): obj for obj in self.get_queryset(value, row, **kwargs)
                }
            # The value as the database compares it (a year typed as text is a number).
            return self._by_key[key_field.get_prep_value(text)]
        except (ObjectDoesNotExist, ValueError, KeyError):
            raise ValueError(self.not_found % {"value": quote(value)}) from None


CHUNK = 5000  # values in one `IN (…)`: well below the database's limit of parameters


def chunks(values: Iterable, size: int = CHUNK) -> Iterator[list]:
    """The values (sorted, without repeats) in lists of at most `size`."""
    values = sorted(set(values), key=repr)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def column_values(dataset, column: str, clean) -> set:
    """`clean(cell)` of every row of a column, leaving out cells it refuses (ValueError:
    the row reports it itself) and empty results."""
    if column not in (dataset.headers or []):
        return set()
    found = set()
    for cell in dataset[column]:
        try:
            value = clean(cell)
        except ValueError:
            continue
        if value not in (None, ""):
            found.add(value)
    return found


AMBIGUOUS = object()  # more than one record has this natural key: ask the database


class PortalResource(resources.ModelResource):
    """Every sheet's resource: built with the importing user and, for an alliance's own
    import, the alliance it is limited to."""

    def __init__(self, *, user=None, alliance=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.alliance = alliance
        self._seen = {}
        self._instances = None  # natural key → record, loaded once per sheet
        self.on_row = None  # called after each row (imports.run_workbook's progress)

    class Meta:
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        skip_html_diff = True
        use_transactions = True

    def export_queryset(self):
        return self._meta.model.objects.all()

    # --- one query per sheet, not per row -----------------------------------------------

    def load_instances(self, dataset) -> dict | None:
        """{natural key: record} of every record a row of the dataset may name, loaded at
        once with the relations its columns show; a key not in it is a new record. None:
        each row asks the database (the library's instance loader)."""
        return None

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._instances = self.load_instances(dataset)

    def import_data_inner(
        self, dataset, dry_run, raise_errors, using_transactions, collect_failed_rows, **kwargs
    ):
        # The library opens a savepoint around every row; here only a row that is saved
        # has one (`save_instance`), so a row that did not change costs no query. The sheet
        # as a whole stays in `import_data`'s transaction, rolled back on an error.
        return super().import_data_inner(
            dataset, dry_run, raise_errors, False, collect_failed_rows, **kwargs
        )

    def save_instance(self, instance, is_create, row, **kwargs):
        # A database error while saving undoes this row only, and the row reports it.
        with transaction.atomic():
            super().save_instance(instance, is_create, row, **kwargs)

    # --- one audit event per saved row, with the values before and after ----------------

    def audit_alliance(self, instance):
        """The alliance an audit event of this sheet concerns (None: programme-wide)."""
        return None

    def _state(self, instance) -> dict:
        state = {}
        for field in self.get_import_fields():
            if field.attribute:
                value = field.get_value(instance)
                state[field.column_name] = "" if value is None else str(value)
        return state

    def import_instance(self, instance, row, **kwargs):
        self._before = self._state(instance) if instance.pk else {}
        super().import_instance(instance, row, **kwargs)

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        before = getattr(self, "_before", {})
        audit.record(
            actor=self.user,
            action=f"import.{self._meta.model._meta.model_name}."
            + ("changed" if before else "created"),
            target=instance,
            alliance=self.audit_alliance(instance),
            before=before,
            after=self._state(instance),
        )

    def after_import_row(self, row, row_result, **kwargs):
        super().after_import_row(row, row_result, **kwargs)
        if self.on_row is not None:
            self.on_row()

    def natural_key(self, row) -> tuple:
        return tuple(self.fields[name].clean(row) for name in self.get_import_id_fields())

    def get_instance(self, instance_loader, row):
        errors = {}
        for name in self.get_import_id_fields():
            field = self.fields[name]
            try:
                field.clean(row)
            except ValueError as error:
                errors[field.attribute] = [str(error)]
        if errors:
            raise ValidationError(errors)
        if self._instances is not None:
            found = self._instances.get(self.natural_key(row))
            if found is not AMBIGUOUS:
                return found
        return super().get_instance(instance_loader, row)

    def before_import_row(self, row, **kwargs):
        """The same record twice in one sheet is an error, not a silent update."""
        try:
            key = self.natural_key(row)
        except ValueError:
            return  # get_instance reports it with its column
        number = kwargs.get("row_number", 0) + 1
        if key in self._seen:
            raise ValidationError(
                {
                    NON_FIELD_ERRORS: [
                        _("The same record as row %(row)s; each may appear once.")
                        % {"row": self._seen[key]}
                    ]
                }
            )
        self._seen[key] = number
