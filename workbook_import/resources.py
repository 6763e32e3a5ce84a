"""The base of every import/export resource: scope, natural keys with readable errors,
duplicate rows, and the audit of what an import changed."""

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError
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

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if value in (None, ""):
            raise ValueError(_("This cell is required."))
        try:
            return self.get_queryset(value, row, **kwargs).get(**{self.field: str(value).strip()})
        except (ObjectDoesNotExist, ValueError):
            raise ValueError(self.not_found % {"value": quote(value)}) from None


class PortalResource(resources.ModelResource):
    """Every sheet's resource: built with the importing user and, for an alliance's own
    import, the alliance it is limited to."""

    def __init__(self, *, user=None, alliance=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.alliance = alliance
        self._seen = {}
        self.on_row = None  # called after each row (imports.run_workbook's progress)

    class Meta:
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        skip_html_diff = True
        use_transactions = True

    def export_queryset(self):
        return self._meta.model.objects.all()

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
