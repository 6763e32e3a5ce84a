from django.contrib import admin
from django.db import models

from alliances.models import Alliance, AllianceRole, Field, FieldTarget, ProgrammeYear
from core.forms import RocDateField


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ["order", "code", "name_zh", "name_en"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProgrammeYear)
class ProgrammeYearAdmin(admin.ModelAdmin):
    list_display = ["roc_year", "expected_outcomes_due", "first_kpi_due", "second_kpi_due"]
    formfield_overrides = {models.DateField: {"form_class": RocDateField}}


@admin.register(Alliance)
class AllianceAdmin(admin.ModelAdmin):
    list_display = ["name_zh", "field", "institution", "team_type"]
    list_filter = ["field", "team_type"]
    search_fields = ["name_zh", "name_en", "institution"]


@admin.register(AllianceRole)
class AllianceRoleAdmin(admin.ModelAdmin):
    """Read-only: roles change through the portal's services, which keep the audit trail."""

    list_display = ["alliance", "user", "role", "status", "created_at", "ended_at"]
    list_filter = ["role", "status"]
    search_fields = ["user__email", "user__name", "alliance__name_zh"]
    list_select_related = ["alliance", "user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FieldTarget)
class FieldTargetAdmin(admin.ModelAdmin):
    list_display = ["programme_year", "field", "company_members"]
    list_filter = ["programme_year"]
