"""The work queue of an alliance's people (issue 26): per alliance, within what the role
allows — filings due with the days left, returned filings with their audit record and
correction deadline, open filings whose check would find errors, findings not yet answered
(PI, co-PIs, assistants who prepare filings); assistants waiting (PI, co-PIs); the next
site visit (everyone); event duties not met (PI, co-PIs, assistants who register for
events). A fixed number of queries whatever the number of alliances, years and records.

"Check errors" are the errors of kpi.filings.checks that stored data shows without running
the check (which counts every item): a target missing (expected outcomes), no expected
outcomes submitted, a record dated outside the programme year, a counted record without
the evidence its rule asks for. The entry links to the check, which lists them.
"""

from collections import defaultdict

from django.db.models import Exists, Max, Min, OuterRef, Prefetch, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alliance_portal.queues import Group, Item, Queue, days_left, in_days
from alliances import permissions
from alliances.models import AllianceYear, Capability, TeamRole
from core import roc
from events.models import Attendee, Event, EventKind, EventStatus, Registration
from events.models import RegistrationStatus as RegStatus
from events.services import is_over, open_for_registration
from inspections.models import SiteVisit, VisitStatus
from kpi.filings import calendar
from kpi.filings.checks import SIGNED_KINDS
from kpi.filings.models import Filing, FilingExtension, FilingKind, FilingState, FilingVersion
from kpi.ledger import catalog, rules
from kpi.ledger.models import Activity, Outcome, RevenueEntry
from kpi.review.models import AuditRecord

LEDGER = (("revenue", RevenueEntry), ("outcome", Outcome), ("activity", Activity))
SOON_DAYS = 3  # a deadline this close is marked urgent


def filing_title(kind: str, roc_year: int) -> str:
    return _("%(kind)s of %(year)s") % {"kind": FilingKind(kind).label, "year": roc_year}


def _ledger_annotations() -> dict:
    """Per alliance-year: the earliest and latest record dates (R6/R7 signed revenue aside,
    as the check does) and whether a counted record lacks the evidence its rule asks for,
    over the whole year and through the first filing's due day."""
    notes = {}
    for source, model in LEDGER:
        records = model.objects.filter(alliance_year=OuterRef("pk")).order_by()
        if model is RevenueEntry:
            records = records.exclude(kind__in=SIGNED_KINDS)
        dates = records.values("alliance_year")
        notes[f"{source}_first"] = Subquery(dates.annotate(d=Min("date")).values("d")[:1])
        notes[f"{source}_last"] = Subquery(dates.annotate(d=Max("date")).values("d")[:1])
        needing = [k for (s, k) in rules.EVIDENCE_REQUIRED if s == source]
        if needing:
            bare = model.objects.filter(
                alliance_year=OuterRef("pk"), counted=True, kind__in=needing, evidence__isnull=True
            )
            notes[f"{source}_bare"] = Exists(bare)
            notes[f"{source}_bare_first"] = Exists(
                bare.filter(date__lte=OuterRef("programme_year__first_kpi_due"))
            )
    notes["expected_submitted"] = Exists(
        FilingVersion.objects.filter(
            filing__alliance_year=OuterRef("pk"), filing__kind=FilingKind.EXPECTED
        )
    )
    return notes


def check_errors(filing: Filing, ay) -> list[str]:
    """What the check of this open filing would refuse, as far as stored data shows."""
    if filing.kind == FilingKind.EXPECTED:
        targets = filing.targets or {}
        if any(targets.get(item.code) is None for item in catalog.TARGETED):
            return [_("a target is missing")]
        return []
    errors = []
    if not ay.expected_submitted:
        errors.append(_("the expected outcomes are not submitted"))
    year = ay.programme_year
    first = filing.kind == FilingKind.FIRST
    firsts = [getattr(ay, f"{s}_first") for s, _m in LEDGER]
    lasts = [getattr(ay, f"{s}_last") for s, _m in LEDGER]
    early = any(d is not None and d < year.starts_on for d in firsts)
    late = not first and any(d is not None and d > year.ends_on for d in lasts)
    if early or late:
        errors.append(_("records dated outside the programme year"))
    suffix = "_bare_first" if first else "_bare"
    if any(getattr(ay, f"{s}{suffix}", False) for s, _m in LEDGER):
        errors.append(_("counted records without their evidence"))
    return errors


def _filing_groups(years, today, current) -> dict:
    """alliance id → {group key: [Item]} of the filings of these alliance-years."""
    rows = list(
        Filing.objects.filter(alliance_year__in=[ay.pk for ay in years]).prefetch_related(
            Prefetch(
                "audit_records",
                queryset=AuditRecord.objects.order_by("-issued_at", "-pk"),
                to_attr="records_newest_first",
            ),
        )
    )
    # The extension that counts for each (for a returned filing, one granted since it was
    # returned): the one derivation of every page, email and reminder (kpi.filings.calendar).
    extensions = calendar.latest_extensions(rows)
    filings = {(f.alliance_year_id, f.kind): f for f in rows}
    found = defaultdict(lambda: defaultdict(list))
    for ay in years:
        roc_year = ay.programme_year.roc_year
        for kind in FilingKind.values:
            filing = filings.get((ay.pk, kind)) or Filing(alliance_year=ay, kind=kind)
            if filing.state not in (FilingState.DRAFT, FilingState.RETURNED):
                continue
            d = calendar.deadline(filing, ay.programme_year, extensions.get(filing.pk))
            if filing.state == FilingState.DRAFT:
                if d.opens is not None and today < d.opens:
                    continue  # its window is not open yet
                if roc_year < current and d.passed():
                    continue  # a past year's filing: the office's overview follows it
            args = (ay.alliance_id, roc_year, kind)
            url = reverse("filing_detail", args=args)
            title = filing_title(kind, roc_year)
            due = days_left(d.due, today)
            if d.extension is not None:
                due = _("%(due)s (extended by the office)") % {"due": due}
            urgent = d.passed() or d.days_left(today) <= SOON_DAYS
            groups = found[ay.alliance_id]
            if filing.state == FilingState.RETURNED:
                records = getattr(filing, "records_newest_first", [])
                record = records[0] if records else None
                extra = []
                if record is not None:
                    detail = _("audit record %(number)s · corrections %(due)s") % {
                        "number": record.number,
                        "due": due,
                    }
                    extra.append(
                        (
                            _("Audit record %(number)s (PDF)") % {"number": record.number},
                            reverse("audit_record_pdf", args=(*args, record.pk)),
                        )
                    )
                else:
                    detail = _("corrections %(due)s") % {"due": due}
                groups["returned"].append(Item(title, url, detail, urgent, extra=extra))
                if record is not None and record.findings:
                    n = len(record.findings)
                    groups["findings"].append(
                        Item(
                            ngettext(
                                "%(count)d finding of audit record %(number)s",
                                "%(count)d findings of audit record %(number)s",
                                n,
                            )
                            % {"count": n, "number": record.number},
                            url,
                            title,
                            count=n,
                        )
                    )
            else:
                groups["due"].append(Item(title, url, due, urgent))
            errors = check_errors(filing, ay)
            if errors:
                groups["errors"].append(
                    Item(title, reverse("filing_check", args=args), " · ".join(errors))
                )
    return found


def _visit_items(alliance_ids, today) -> dict:
    """alliance id → the Item of its next scheduled site visit."""
    visits = (
        SiteVisit.objects.filter(
            alliance_year__alliance_id__in=alliance_ids,
            status=VisitStatus.SCHEDULED,
            starts_at__gte=timezone.now(),
        )
        .select_related("alliance_year")
        .order_by("starts_at", "pk")
    )
    found = {}
    for visit in visits:
        alliance_id = visit.alliance_year.alliance_id
        if alliance_id in found:
            continue
        local = visit.starts_at.astimezone(roc.PROGRAMME_TZ)
        found[alliance_id] = Item(
            _("Site visit on %(when)s") % {"when": roc.format_roc_datetime(visit.starts_at)},
            reverse("visit_detail", args=[visit.pk]),
            " · ".join(filter(None, [visit.place, in_days(local.date(), today)])),
        )
    return found


def _event_items(roles, running, current, today) -> dict:
    """alliance id → Items of the year's attendance duties (domain.md §6) not met: a field
    exchange meeting of its field missed or not registered for, platform training nobody
    attended and nobody is registered for."""
    alliance_ids = [a for a in roles if a in running]
    if not alliance_ids:
        return {}
    events = list(
        Event.objects.filter(
            programme_year__roc_year=current, kind__in=[EventKind.EXCHANGE, EventKind.TRAINING]
        )
        .exclude(status=EventStatus.CANCELLED)
        .annotate(
            marked=Exists(
                Attendee.objects.filter(registration__event=OuterRef("pk"), attended__isnull=False)
            )
        )
        .prefetch_related("fields")
        .order_by("date", "pk")
    )
    if not events:
        return {}
    registrations = {
        (event_id, alliance_id): present
        for event_id, alliance_id, present in Registration.objects.filter(
            event__in=[e.pk for e in events], alliance_id__in=alliance_ids
        )
        .exclude(status=RegStatus.CANCELLED)
        .annotate(
            present=Exists(
                Attendee.objects.filter(registration=OuterRef("pk"), attended=True).filter(
                    registration__status=RegStatus.CONFIRMED
                )
            )
        )
        .values_list("event_id", "alliance_id", "present")
    }
    training_url = reverse("event_list") + f"?year={current}&kind={EventKind.TRAINING}"
    found = defaultdict(list)
    for alliance_id in alliance_ids:
        field_id = roles[alliance_id].alliance.field_id
        sessions = []
        for event in events:
            key = (event.pk, alliance_id)
            url = reverse("event_detail", args=[event.pk])
            when = roc.format_roc_date(event.date)
            if event.kind == EventKind.TRAINING:
                sessions.append((event, key in registrations, registrations.get(key)))
                continue
            if field_id not in {f.pk for f in event.fields.all()}:
                continue
            if is_over(event, today) or event.marked:
                if not registrations.get(key):
                    found[alliance_id].append(
                        Item(
                            _("Nobody from the alliance attended %(event)s")
                            % {"event": event.title},
                            url,
                            when,
                        )
                    )
            elif key not in registrations:
                detail = when
                if event.registration_deadline and open_for_registration(event, today):
                    detail = _("%(date)s · register by %(deadline)s") % {
                        "date": when,
                        "deadline": roc.format_roc_date(event.registration_deadline),
                    }
                found[alliance_id].append(
                    Item(_("Register for %(event)s") % {"event": event.title}, url, detail, True)
                )
        if not sessions or any(present for _e, _r, present in sessions):
            continue
        upcoming = [(e, registered) for e, registered, _p in sessions if not is_over(e, today)]
        if any(registered for _e, registered in upcoming):
            continue  # someone is registered for a session still to come
        if any(open_for_registration(e, today) for e, _r in upcoming):
            text = _("Nobody from the alliance has attended platform training: register someone")
        else:
            text = _("Nobody from the alliance attended platform training this year")
        found[alliance_id].append(Item(text, training_url, "", bool(upcoming)))
    return found


GROUP_TITLES = {
    "due": lambda: _("Filings due"),
    "returned": lambda: _("Returned for correction"),
    "errors": lambda: _("Open filings whose check finds errors"),
    "findings": lambda: _("Findings not yet answered"),
    "assistants": lambda: _("Assistants waiting for approval"),
    "visit": lambda: _("Next site visit"),
    "events": lambda: _("Event duties not met"),
}


def team_queues(user, *, to_do=()) -> list[Queue]:
    """One queue per alliance the person has an active role in."""
    roles = permissions.active_roles(user)
    if not roles:
        return []
    today = roc.today()
    current = roc.project_year_of(today)
    filers = [a for a, r in roles.items() if r.has_capability(Capability.FILINGS)]
    registrars = {a: r for a, r in roles.items() if r.has_capability(Capability.EVENTS)}
    years = list(
        AllianceYear.objects.filter(alliance_id__in=filers)
        .filter(  # this year and the last, any year with a filing returned for correction,
            # and any year with a filing the office extended to a day not yet past
            Q(programme_year__roc_year__in=[current - 1, current])
            | Q(pk__in=Filing.objects.filter(state=FilingState.RETURNED).values("alliance_year"))
            | Q(
                pk__in=FilingExtension.objects.filter(until__gte=today).values(
                    "filing__alliance_year"
                )
            )
        )
        .select_related("programme_year")
        .annotate(**_ledger_annotations())
        .order_by("programme_year__roc_year", "pk")
    )
    filing_items = _filing_groups(years, today, current) if years else {}
    running = (
        set(
            AllianceYear.objects.filter(
                alliance_id__in=list(registrars), programme_year__roc_year=current
            ).values_list("alliance_id", flat=True)
        )
        if registrars
        else set()
    )
    event_items = _event_items(registrars, running, current, today)
    visit_items = _visit_items(list(roles), today)
    waiting = defaultdict(int)
    for role in to_do:
        waiting[role.alliance_id] += 1
    queues = []
    for alliance_id, role in roles.items():
        found = dict(filing_items.get(alliance_id, {}))
        if role.role in (TeamRole.PI, TeamRole.CO_PI) and waiting.get(alliance_id):
            n = waiting[alliance_id]
            found["assistants"] = [
                Item(
                    ngettext(
                        "%(count)d assistant waiting for your approval",
                        "%(count)d assistants waiting for your approval",
                        n,
                    )
                    % {"count": n},
                    reverse("alliance_team", args=[alliance_id]),
                    count=n,
                )
            ]
        if alliance_id in visit_items:
            found["visit"] = [visit_items[alliance_id]]
        if event_items.get(alliance_id):
            found["events"] = event_items[alliance_id]
        groups = []
        for key, title in GROUP_TITLES.items():
            items = found.get(key)
            if items:
                counted = sum(i.count or 1 for i in items)
                groups.append(Group(key, title(), items, counted))
        queues.append(
            Queue(
                key=f"alliance-{alliance_id}",
                title=_("%(alliance)s: what needs you now") % {"alliance": role.alliance.name},
                groups=groups,
                empty=_("Nothing is waiting for you in this alliance."),
            )
        )
    return queues
