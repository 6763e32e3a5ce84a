"""The one audit trail of the portal (docs/decisions.md).

Services call `record()` inside their own transaction, so a change and its audit event
commit or roll back together. Events say who did what to which object, when, with the
state before and after (plain JSON) and an optional reason.
"""

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from core.models import AuditEvent


def record(
    *,
    actor,
    action: str,
    target,
    alliance=None,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=ContentType.objects.get_for_model(target),
        target_id=str(target.pk),
        target_repr=str(target)[:200],
        alliance=alliance,
        before=before or {},
        after=after or {},
        reason=reason,
    )


ACTION_LABELS = {
    "role.requested": _("Assistant asked to join"),
    "role.approved": _("Assistant approved"),
    "role.rejected": _("Assistant rejected"),
    "role.capabilities_changed": _("Capabilities changed"),
    "role.revoked": _("Role ended"),
    "role.pi_assigned": _("PI assigned"),
    "role.handover": _("Alliance handed to a new PI"),
    "role.co_pi_appointed": _("Co-PI appointed"),
    "account.invitation_accepted": _("Invitation accepted"),
    "account.language_set": _("Language of emails changed"),
    "api_token.created": _("API token made"),
    "api_token.revoked": _("API token revoked"),
    "filing.targets_saved": _("Targets saved"),
    "filing.submitted": _("Filing certified and submitted"),
    "filing.review_started": _("Filing review started"),
    "filing.returned": _("Filing returned for correction"),
    "filing.accepted": _("Filing accepted"),
    "filing.extended": _("Filing deadline extended"),
    "filing.reopened": _("Accepted filing reopened"),
    "filing.noted": _("Note added to a filing"),
    "review.marked": _("Review mark saved"),
    "review.accepted_rest": _("Unmarked items accepted"),
    "audit_record.issued": _("Audit record issued"),
    "audit_record.bulk_started": _("Bulk issue of audit records started"),
    "report.exported": _("Export started"),
    "task.requeued": _("Task queued again after its worker stopped"),
    "task.worker_lost": _("Task failed: its worker stopped"),
    "visit.scheduled": _("Site visit scheduled"),
    "visit.changed": _("Site visit changed"),
    "visit.cancelled": _("Site visit cancelled"),
    "visit.attendee_added": _("Site-visit attendee added"),
    "visit.attendee_removed": _("Site-visit attendee removed"),
    "visit.form_saved": _("Site-visit review form saved as a draft"),
    "visit.form_submitted": _("Site-visit review form submitted"),
    "visit.form_returned": _("Site-visit review form returned"),
    "visit.consolidated": _("Site-visit result recorded"),
    "visit.reopened": _("Site-visit result reopened"),
    "visit.shared": _("Site-visit summary shared"),
    "award.selected": _("Outstanding alliance chosen"),
    "award.noted": _("Reason for an outstanding alliance changed"),
    "event.created": _("Event created"),
    "event.changed": _("Event changed"),
    "event.cancelled": _("Event cancelled"),
    "event.material_added": _("Event material added"),
    "event.registered": _("Registered for an event"),
    "event.registration_cancelled": _("Event registration cancelled"),
    "event.registration_promoted": _("Event registration moved up from the waiting list"),
    "event.attendance_marked": _("Event attendance marked"),
    "announcement.posted": _("Announcement posted"),
    "announcement.emailed": _("Announcement emailed"),
    "award.published": _("Outstanding alliance published"),
    "assessment.saved": _("Annual assessment recorded"),
    "programme_year.opened": _("Programme year opened"),
    "programme_year.changed": _("Programme year changed"),
    "cross_checks.queued": _("Checks across alliances started"),
    "visit.no_conflict_declared": _("Reviewer declared no conflict of interest"),
    "visit.conflict_declared": _("Reviewer declared a conflict of interest and withdrew"),
    "visit.conflict_overridden": _("Reviewer assigned despite a conflict of interest"),
    "reviewer.affiliation_added": _("Reviewer affiliation added"),
    "reviewer.affiliation_removed": _("Reviewer affiliation removed"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))
