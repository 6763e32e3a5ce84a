"""Event pages: the list of a year, an event with its registration, .ics and materials;
for the office, the event form, attendance, the duty views (with xlsx) and the alliances'
own promotion events and seminars (S1–S2). Who sees what: events/permissions.py."""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.permissions import office_view, require
from alliances.models import ProgrammeYear
from alliances.permissions import active_roles, is_programme_reader
from alliances.views.years import year_from_query
from core.forms import error_sentence
from core.http import xlsx_response
from events import permissions, selectors, services
from events.forms.events import CancelForm, EventForm, MaterialForm, RegistrationForm
from events.models import (
    Event,
    EventKind,
    EventMaterial,
    EventStatus,
    Registration,
    RegistrationStatus,
)
from events.services import EventError


def events_page(view):
    """A page for those who may see events (404 for anyone else)."""

    @login_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        require(permissions.can_see_events(request.user))
        return view(request, *args, **kwargs)

    return wrapper


def _event(event_id) -> Event:
    event = selectors.event_for_page(event_id)
    if event is None:
        raise Http404
    return event


@events_page
def event_list(request):
    year = year_from_query(request)
    if year is None:
        raise Http404
    kind = request.GET.get("kind", "")
    if kind and kind not in EventKind.values:
        kind = ""
        messages.warning(request, _("There is no such kind of event; all are shown."))
    events = list(selectors.events_of_year(year.roc_year, kind))
    mine = {}
    alliances = list(active_roles(request.user))
    if alliances:
        for r in Registration.objects.filter(event__in=events, alliance_id__in=alliances).exclude(
            status=RegistrationStatus.CANCELLED
        ):
            mine.setdefault(r.event_id, []).append(r)
    rows = [{"event": e, "mine": mine.get(e.pk, [])} for e in events]
    return render(
        request,
        "events/event_list.html",
        {
            "year": year,
            "years": ProgrammeYear.objects.order_by("-roc_year").values_list("roc_year", flat=True),
            "rows": rows,
            "kind": kind,
            "kinds": EventKind.choices,
            "office": permissions.can_manage(request.user),
        },
    )


def _detail_context(request, event, form=None):
    user = request.user
    office = permissions.can_manage(user)
    reader = is_programme_reader(user)  # the office and the department see every registration
    live = [r for r in event.registrations.all() if r.status != RegistrationStatus.CANCELLED]
    registrations = [r for r in live if reader or r.alliance_id in active_roles(user)]
    open_alliances = []
    if services.open_for_registration(event):
        taken = {r.alliance_id for r in live}
        open_alliances = [
            a for a in permissions.registrable_alliances(user, event) if a.pk not in taken
        ]
    closed = event.status == EventStatus.CANCELLED or services.is_over(event)
    cancellable = {
        r.pk
        for r in registrations
        if permissions.can_register(user, r.alliance, event)
        and (office or not closed)
        and not any(a.attended is not None for a in r.attendees.all())
    }
    if form is None and open_alliances:
        form = RegistrationForm(alliances=open_alliances)
    return {
        "event": event,
        "when": services.when_label(event),
        "taken": selectors.seats_taken(event),
        "waiting": sum(1 for r in live if r.status == RegistrationStatus.WAITLISTED),
        "registrations": registrations,
        "cancellable": cancellable,
        "form": form if open_alliances else None,
        "office": office,
        "all_registrations": reader,
        "material_form": MaterialForm() if office else None,
    }


@events_page
def event_detail(request, event_id):
    event = _event(event_id)
    return render(request, "events/event_detail.html", _detail_context(request, event))


@events_page
@require_POST
def event_register(request, event_id):
    event = _event(event_id)
    alliances = permissions.registrable_alliances(request.user, event)
    if not alliances:
        raise Http404
    form = RegistrationForm(request.POST, alliances=alliances)
    if form.is_valid():
        try:
            registration = services.register(
                event=event,
                alliance=form.cleaned_data["alliance"],
                attendees=form.attendees(),
                by=request.user,
            )
        except EventError as error:
            messages.error(request, str(error))
        else:
            if registration.status == RegistrationStatus.CONFIRMED:
                messages.success(
                    request,
                    _("Registered: %(n)s seats are yours. A confirmation is on its way by email.")
                    % {"n": registration.seats},
                )
            else:
                messages.warning(
                    request,
                    _(
                        "The event is full: %(alliance)s is on the waiting list and will be "
                        "emailed if seats free up."
                    )
                    % {"alliance": registration.alliance},
                )
            return redirect("event_detail", event_id=event.pk)
    else:
        messages.error(request, _("Check the form: %(errors)s") % {"errors": error_sentence(form)})
    event = _event(event_id)
    return render(
        request,
        "events/event_detail.html",
        _detail_context(request, event, form=form),
        status=400,
    )


@events_page
@require_POST
def registration_cancel(request, event_id, registration_id):
    registration = get_object_or_404(
        Registration.objects.select_related("alliance", "event"),
        pk=registration_id,
        event_id=event_id,
    )
    require(permissions.can_register(request.user, registration.alliance, registration.event))
    try:
        services.registration_cancel(registration=registration, by=request.user)
    except EventError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("The registration of %(alliance)s is cancelled.")
            % {"alliance": registration.alliance},
        )
    return redirect("event_detail", event_id=event_id)


@events_page
def event_ics(request, event_id):
    event = get_object_or_404(Event, pk=event_id)
    data = services.calendar_file(event)
    if data is None:
        messages.info(request, _("The event's day is not fixed yet; the calendar file follows."))
        return redirect("event_detail", event_id=event_id)
    response = HttpResponse(data, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}.ics"'
    return response


@events_page
def event_material(request, event_id, material_id):
    material = get_object_or_404(EventMaterial, pk=material_id, event_id=event_id)
    try:
        handle = material.file.open("rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=material.filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- the office ---------------------------------------------------------------------


@office_view
@require_http_methods(["GET", "POST"])
def event_new(request):
    return _event_form(request, Event())


@office_view
@require_http_methods(["GET", "POST"])
def event_edit(request, event_id):
    return _event_form(request, get_object_or_404(Event, pk=event_id))


def _event_form(request, event):
    initial = {}
    if not event.pk:
        latest = ProgrammeYear.objects.order_by("-roc_year").first()
        initial = {"programme_year": latest, "kind": request.GET.get("kind", "")}
    form = EventForm(request.POST or None, instance=event, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.event_save(
                event=form.instance, fields=form.cleaned_data["fields_covered"], by=request.user
            )
        except EventError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The event is saved."))
            return redirect("event_detail", event_id=saved.pk)
    return render(
        request,
        "events/event_form.html",
        {"form": form, "event": event if event.pk else None},
        status=400 if form.errors else 200,
    )


@office_view
@require_http_methods(["GET", "POST"])
def event_cancel(request, event_id):
    event = get_object_or_404(Event, pk=event_id)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_cancel(event=event, by=request.user, reason=form.cleaned_data["reason"])
        except EventError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The event is cancelled; the people registered are told."))
            return redirect("event_detail", event_id=event_id)
    return render(
        request,
        "events/event_cancel.html",
        {"form": form, "event": event},
        status=400 if form.errors else 200,
    )


@office_view
@require_POST
def event_material_add(request, event_id):
    event = get_object_or_404(Event, pk=event_id)
    form = MaterialForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.material_add(
                event=event,
                upload=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
                by=request.user,
            )
        except EventError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The material is added."))
    else:
        messages.error(request, _("Check the form: %(errors)s") % {"errors": error_sentence(form)})
    return redirect("event_detail", event_id=event_id)


@office_view(viewers=True)
@require_http_methods(["GET", "POST"])
def event_attendance(request, event_id):
    """Who came: the office marks each confirmed person present or absent."""
    event = _event(event_id)
    confirmed = [r for r in event.registrations.all() if r.status == RegistrationStatus.CONFIRMED]
    if request.method == "POST":
        require(permissions.can_manage(request.user))
        values = {"yes": True, "no": False, "": None}
        marks = {}
        for registration in confirmed:
            for attendee in registration.attendees.all():
                key = f"attended_{attendee.pk}"
                if key not in request.POST:
                    continue  # not on the submitted page: left as it is
                raw = request.POST[key]
                if raw not in values:
                    messages.error(request, _("Mark each person present, absent or not yet."))
                    return redirect("event_attendance", event_id=event_id)
                marks[attendee.pk] = values[raw]
        try:
            n = services.attendance_mark(event=event, marks=marks, by=request.user)
        except EventError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Attendance saved (%(n)s changed).") % {"n": n})
        return redirect("event_attendance", event_id=event_id)
    return render(
        request,
        "events/attendance.html",
        {
            "event": event,
            "when": services.when_label(event),
            "registrations": confirmed,
            "office": permissions.can_manage(request.user),
        },
    )


DUTY_HEADERS = ["年度", "義務", "活動", "日期", "領域", "聯盟代碼", "聯盟名稱", "執行機構"]


@office_view(viewers=True)
def event_duties(request):
    """The attendance duties of a year: each exchange meeting's missing alliances of its
    fields; the alliances with nobody at any training session."""
    year = year_from_query(request)
    if year is None:
        raise Http404
    exchange = selectors.exchange_duties(year.roc_year)
    training = selectors.training_missing(year.roc_year)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            _duties_workbook(year.roc_year, exchange, training),
            f"attendance-duties-{year.roc_year}.xlsx",
        )
    return render(
        request,
        "events/duties.html",
        {
            "year": year,
            "years": ProgrammeYear.objects.order_by("-roc_year").values_list("roc_year", flat=True),
            "exchange": [
                {"event": d.event, "when": services.when_label(d.event), "missing": d.missing}
                for d in exchange
            ],
            "training": training,
        },
    )


def _duties_workbook(roc_year, exchange, training) -> bytes:
    import io

    from core.writers import BOLD_FONT, TITLE_FONT, new_workbook, write_only_cell

    book = new_workbook()
    ws = book.create_sheet("未達出席義務")
    ws.append([write_only_cell(ws, f"{roc_year} 年度未達出席義務之聯盟", font=TITLE_FONT)])
    ws.append([write_only_cell(ws, h, font=BOLD_FONT) for h in DUTY_HEADERS])
    for duty in exchange:
        for alliance in duty.missing:
            ws.append(
                [
                    write_only_cell(ws, value)
                    for value in (
                        roc_year,
                        "領域觀摩交流會",
                        duty.event.title,
                        services.when_label(duty.event),
                        alliance.field.name_zh,
                        alliance.code or "",
                        alliance.name_zh,
                        alliance.institution,
                    )
                ]
            )
    for alliance in training:
        ws.append(
            [
                write_only_cell(ws, value)
                for value in (
                    roc_year,
                    "系統平台操作說明會",
                    "（各場次皆未出席）",
                    "",
                    alliance.field.name_zh,
                    alliance.code or "",
                    alliance.name_zh,
                    alliance.institution,
                )
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@office_view(viewers=True)
def event_activities(request):
    """The alliances' own promotion events and seminars (S1–S2) of a year, from their
    ledgers, each linked to its record."""
    year = year_from_query(request)
    if year is None:
        raise Http404
    kind = request.GET.get("kind", "")
    activities = list(selectors.alliance_activities(year.roc_year, kind)[:500])
    return render(
        request,
        "events/activities.html",
        {
            "year": year,
            "years": ProgrammeYear.objects.order_by("-roc_year").values_list("roc_year", flat=True),
            "activities": activities,
            "kind": kind,
            "truncated": len(activities) == 500,
        },
    )
