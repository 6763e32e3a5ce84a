from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone

from accounts.permissions import office_view
from alliance_portal import roc
from alliance_portal.models import OutboundEmail
from alliance_portal.tasks import failed_tasks
from alliances.models import Field, ProgrammeYear
from alliances.selectors import public_alliances

PAGE_SIZE = 25


def int_param(value) -> int | None:
    """A positive whole number from a query or form value, else None (never a 500)."""
    text = str(value or "")
    return int(text) if text.isascii() and text.isdecimal() and len(text) < 10 else None


def paginate(request, queryset, *, param="page", per_page=PAGE_SIZE):
    """The page of `queryset` asked for by ?<param>=; a bad or out-of-range number gives the
    first or last page rather than an error."""
    page = Paginator(queryset, per_page).get_page(request.GET.get(param))
    page.param = param
    return page


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
    from alliance_portal.models import AuditEvent, WorkerHeartbeat
    from alliance_portal.workers import live_workers

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
