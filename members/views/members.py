"""An alliance's members per programme year: list, add, change, remove, copy from last
year, export and import."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import ProtectedError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.permissions import require
from alliances.models import Alliance, AllianceYear
from core.http import paginate
from members import permissions, rules, selectors, services
from members.forms import MembershipForm
from members.models import Membership


def _alliance(request, pk) -> Alliance:
    alliance = get_object_or_404(Alliance.objects.select_related("field"), pk=pk)
    require(permissions.can_view_members(request.user, alliance))
    return alliance


def _alliance_year(alliance, year) -> AllianceYear:
    return get_object_or_404(
        AllianceYear.objects.select_related("programme_year", "alliance"),
        alliance=alliance,
        programme_year__roc_year=year,
    )


@login_required
def members_latest(request, pk):
    alliance = _alliance(request, pk)
    latest = (
        alliance.years.select_related("programme_year")
        .order_by("-programme_year__roc_year")
        .first()
    )
    if latest is None:
        return render(request, "members/no_years.html", {"alliance": alliance})
    return redirect("members_list", pk=alliance.pk, year=latest.programme_year.roc_year)


@login_required
def members_list(request, pk, year):
    alliance = _alliance(request, pk)
    ay = _alliance_year(alliance, year)
    page = paginate(request, selectors.memberships_of(ay), per_page=50)
    for membership in page.object_list:
        membership.explanation = rules.explain(membership.rule, membership.rule_params)
    years = list(
        alliance.years.order_by("-programme_year__roc_year").values_list(
            "programme_year__roc_year", flat=True
        )
    )
    previous = next((y for y in years if y < year), None)
    return render(
        request,
        "members/list.html",
        {
            "alliance": alliance,
            "ay": ay,
            "page": page,
            "counts": selectors.counts_for(ay),
            "years": years,
            "previous_year": previous,
            "can_edit": permissions.can_edit_members(request.user, alliance),
        },
    )


def _save(form, ay, by, membership=None):
    """A new firm (if the form found none) and the membership, in one transaction."""
    data = form.cleaned_data
    with transaction.atomic():
        firm = data.get("firm")
        if form.new_firm is not None:
            firm = services.firm_save(firm=form.new_firm, by=by)
        membership = membership or Membership(alliance_year=ay)
        membership.firm = firm
        membership.person_name = data.get("person_name", "").strip() if firm is None else ""
        membership.entered_kind = data["entered_kind"]
        membership.joined_on = data.get("joined_on")
        membership.annual_fee = data.get("annual_fee") or 0
        for name in ("contact_name", "contact_email", "contact_phone", "note"):
            setattr(membership, name, data.get(name, ""))
        return services.membership_save(membership=membership, by=by)


@login_required
@require_http_methods(["GET", "POST"])
def member_add(request, pk, year):
    alliance = _alliance(request, pk)
    require(permissions.can_edit_members(request.user, alliance))
    ay = _alliance_year(alliance, year)
    form = MembershipForm(request.POST if request.method == "POST" else None, alliance_year=ay)
    if request.method == "POST" and form.is_valid():
        try:
            membership = _save(form, ay, request.user)
        except services.MembershipError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("%(name)s is added.") % {"name": membership.member_name})
            return redirect("members_list", pk=alliance.pk, year=year)
    return render(request, "members/form.html", {"alliance": alliance, "ay": ay, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request, pk, year, mid):
    alliance = _alliance(request, pk)
    require(permissions.can_edit_members(request.user, alliance))
    ay = _alliance_year(alliance, year)
    membership = get_object_or_404(
        Membership.objects.select_related("firm"), pk=mid, alliance_year=ay
    )
    form = MembershipForm(
        request.POST if request.method == "POST" else None, alliance_year=ay, instance=membership
    )
    if request.method == "POST" and form.is_valid():
        try:
            membership = _save(form, ay, request.user, membership)
        except services.MembershipError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": membership.member_name})
            return redirect("members_list", pk=alliance.pk, year=year)
    return render(
        request,
        "members/form.html",
        {"alliance": alliance, "ay": ay, "form": form, "membership": membership},
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_delete(request, pk, year, mid):
    alliance = _alliance(request, pk)
    require(permissions.can_edit_members(request.user, alliance))
    ay = _alliance_year(alliance, year)
    membership = get_object_or_404(
        Membership.objects.select_related("firm"), pk=mid, alliance_year=ay
    )
    if request.method == "POST":
        name = membership.member_name
        try:
            services.membership_delete(membership=membership, by=request.user)
        except ProtectedError:
            messages.error(
                request,
                _("%(name)s has fee records in the ledger; delete those first.") % {"name": name},
            )
        else:
            messages.success(request, _("%(name)s is removed.") % {"name": name})
        return redirect("members_list", pk=alliance.pk, year=year)
    return render(
        request, "members/delete.html", {"alliance": alliance, "ay": ay, "membership": membership}
    )


@login_required
@require_http_methods(["GET", "POST"])
def members_copy(request, pk, year):
    alliance = _alliance(request, pk)
    require(permissions.can_edit_members(request.user, alliance))
    target = _alliance_year(alliance, year)
    source = (
        alliance.years.select_related("programme_year")
        .filter(programme_year__roc_year__lt=year)
        .order_by("-programme_year__roc_year")
        .first()
    )
    if source is None:
        messages.error(request, _("There is no earlier year to copy members from."))
        return redirect("members_list", pk=alliance.pk, year=year)
    if request.method == "POST":
        count = services.memberships_copy(source=source, target=target, by=request.user)
        messages.success(
            request,
            _("%(count)s members copied from %(year)s.")
            % {"count": count, "year": source.programme_year.roc_year},
        )
        return redirect("members_list", pk=alliance.pk, year=year)
    return render(
        request,
        "members/copy.html",
        {
            "alliance": alliance,
            "ay": target,
            "source": source,
            "source_count": source.memberships.count(),
        },
    )
