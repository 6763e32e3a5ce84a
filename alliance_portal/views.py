from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone

from accounts import permissions as account_permissions
from accounts.permissions import office_view
from alliances import selectors
from alliances.models import Field, ProgrammeYear
from alliances.selectors import public_alliances
from core import roc
from core.http import paginate
from core.models import OutboundEmail
from core.tasks import failed_tasks


def home(request):
    """The public landing page: this programme year's calendar and the alliance directory."""
    today = timezone.localdate()
    year = (
        ProgrammeYear.objects.filter(roc_year__lte=roc.project_year_of(today)).first()
        or ProgrammeYear.objects.order_by("roc_year").first()
    )
    current = public_alliances()
    fields = Field.objects.order_by("order").annotate(
        n=Count("alliances", filter=Q(alliances__in=current), distinct=True)
    )
    return render(
        request,
        "home.html",
        {"year": year, "today": today, "fields": fields, "alliance_count": current.count()},
    )


@office_view
def office_failed_work(request):
    """Background work for the office to watch and act on: the task workers and their last
    heartbeat, emails still waiting to be sent, tasks put back in the queue after their
    worker died, and task runs and emails that failed for good."""
    from core.models import AuditEvent, WorkerHeartbeat
    from core.workers import live_workers

    pending = OutboundEmail.objects.filter(
        status__in=[OutboundEmail.Status.QUEUED, OutboundEmail.Status.RETRYING]
    ).order_by("created_at", "pk")
    emails = OutboundEmail.objects.filter(status=OutboundEmail.Status.FAILED)
    since = timezone.now() - timezone.timedelta(days=7)
    return render(
        request,
        "office/failed_work.html",
        {
            "workers": WorkerHeartbeat.objects.filter(beat_at__gte=since)[:20],
            "live_worker_ids": set(live_workers().values_list("worker_id", flat=True)),
            "stale_seconds": f"{settings.WORKER_STALE_SECONDS:g}",
            "pending": paginate(request, pending, param="pending"),
            "recoveries": AuditEvent.objects.filter(
                action__in=["task.requeued", "task.worker_lost"], occurred_at__gte=since
            ).order_by("-occurred_at")[:20],
            "tasks": paginate(request, failed_tasks(), param="tasks"),
            "emails": paginate(request, emails, param="emails"),
        },
    )


@login_required
def dashboard(request):
    """Each person's start page: their work queue (alliance_portal/queues), what their roles
    let them do and the newest announcements."""
    from alliance_portal.queues import queues_for

    user = request.user
    context = selectors.dashboard_for(user)
    context["queues"] = queues_for(user, to_do=context["to_do"])
    context["has_mfa"] = account_permissions.has_mfa(user) if user.is_office else None
    return render(request, "accounts/dashboard.html", context)
