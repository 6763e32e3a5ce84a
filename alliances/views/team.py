"""Alliance pages for its team (and, read-only, the office and department viewers)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.permissions import require
from alliances import permissions, selectors, services
from alliances.forms import CapabilitiesForm, PersonForm, RejectForm, RevokeForm
from alliances.models import Alliance, AllianceRole, RoleStatus, TeamRole
from core.http import paginate


def _alliance_for(request, pk) -> Alliance:
    """The alliance if the user may see it; 404 otherwise (also for pending assistants)."""
    alliance = get_object_or_404(Alliance.objects.select_related("field"), pk=pk)
    require(permissions.can_view_alliance(request.user, alliance))
    return alliance


def _role_for(alliance, role_pk) -> AllianceRole:
    return get_object_or_404(
        AllianceRole.objects.select_related("user", "alliance"), pk=role_pk, alliance=alliance
    )


@login_required
def alliance_dashboard(request, pk):
    alliance = _alliance_for(request, pk)
    role = permissions.role_in(request.user, alliance)
    can_manage = permissions.can_manage_team(request.user, alliance)
    return render(
        request,
        "alliances/dashboard.html",
        {
            "alliance": alliance,
            "my_role": role,
            "can_manage": can_manage,
            "pending": list(selectors.pending_requests([alliance])) if can_manage else [],
            "team": [r for r in selectors.team_of(alliance) if r.status == RoleStatus.ACTIVE],
        },
    )


@login_required
def alliance_team(request, pk):
    alliance = _alliance_for(request, pk)
    user = request.user
    roles = list(selectors.team_of(alliance))
    can_see_history = permissions.is_programme_reader(user) or permissions.can_manage_co_pis(
        user, alliance
    )
    return render(
        request,
        "alliances/team.html",
        {
            "alliance": alliance,
            "live": [r for r in roles if r.status in (RoleStatus.ACTIVE, RoleStatus.PENDING)],
            "past": [r for r in roles if r.status not in (RoleStatus.ACTIVE, RoleStatus.PENDING)],
            "can_manage": permissions.can_manage_team(user, alliance),
            "can_manage_co_pis": permissions.can_manage_co_pis(user, alliance),
            "events": paginate(request, selectors.role_events(alliance), param="events")
            if can_see_history
            else None,
            "me": user,
        },
    )


def _team_action(
    request, pk, role_pk, *, form_class, template, perform, done_message, initial=None
):
    """Shared shape of the team actions: GET shows a form, POST performs the service;
    a refusal is shown as a message and changes nothing."""
    alliance = _alliance_for(request, pk)
    role = _role_for(alliance, role_pk)
    form = form_class(
        request.POST if request.method == "POST" else None,
        initial=initial(role) if initial else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            perform(role, form.cleaned_data)
        except services.TeamError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, done_message % {"name": role.user})
            return redirect("alliance_team", pk=alliance.pk)
    return render(request, template, {"alliance": alliance, "role": role, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def role_approve(request, pk, role_pk):
    require(permissions.can_manage_team(request.user, pk))
    return _team_action(
        request,
        pk,
        role_pk,
        form_class=CapabilitiesForm,
        template="alliances/role_approve.html",
        perform=lambda role, data: services.assistant_approve(
            role=role, by=request.user, capabilities=data["capabilities"]
        ),
        done_message=_("%(name)s is approved."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def role_reject(request, pk, role_pk):
    require(permissions.can_manage_team(request.user, pk))
    return _team_action(
        request,
        pk,
        role_pk,
        form_class=RejectForm,
        template="alliances/role_reject.html",
        perform=lambda role, data: services.assistant_reject(
            role=role, by=request.user, reason=data["reason"]
        ),
        done_message=_("The request of %(name)s is rejected; they are told why."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def role_capabilities(request, pk, role_pk):
    require(permissions.can_manage_team(request.user, pk))
    return _team_action(
        request,
        pk,
        role_pk,
        form_class=CapabilitiesForm,
        initial=lambda role: {"capabilities": role.capabilities},
        template="alliances/role_capabilities.html",
        perform=lambda role, data: services.assistant_set_capabilities(
            role=role, by=request.user, capabilities=data["capabilities"]
        ),
        done_message=_("The capabilities of %(name)s are changed."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def role_revoke(request, pk, role_pk):
    require(permissions.can_manage_team(request.user, pk))
    return _team_action(
        request,
        pk,
        role_pk,
        form_class=RevokeForm,
        template="alliances/role_revoke.html",
        perform=lambda role, data: services.role_revoke(
            role=role, by=request.user, reason=data["reason"]
        ),
        done_message=_("The role of %(name)s has ended."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def co_pi_add(request, pk):
    alliance = _alliance_for(request, pk)
    require(permissions.can_manage_co_pis(request.user, alliance))
    form = PersonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            role = services.co_pi_appoint(
                alliance=alliance,
                by=request.user,
                email=form.cleaned_data["email"],
                name=form.cleaned_data["name"],
            )
        except services.TeamError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("%(name)s is now a co-PI.") % {"name": role.user})
            return redirect("alliance_team", pk=alliance.pk)
    return render(
        request,
        "alliances/co_pi_add.html",
        {"alliance": alliance, "form": form, "role_name": TeamRole.CO_PI.label},
    )
