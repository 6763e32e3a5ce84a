from django.contrib import admin

from core.models import AuditEvent, OutboundEmail


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the portal writes itself; the admin only reads them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "actor", "action", "target_repr", "alliance"]
    list_filter = ["action"]
    search_fields = ["target_repr", "actor__email", "reason"]
    list_select_related = ["actor", "alliance"]


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "template"]
    search_fields = ["subject"]
