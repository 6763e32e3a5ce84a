"""Conflicts of interest (issue 28): a reviewer's affiliations (kept by them and by the
office), and the reviewer's declaration before opening their form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import ProgrammeRole, User
from accounts.permissions import is_reviewer, office_view, require
from core.forms import error_sentence
from inspections import permissions, selectors, services
from inspections.forms import AffiliationForm, ConflictForm
from inspections.models import ReviewerAffiliation
from inspections.services import VisitError
from inspections.views.people import own_form, visit_page


def _affiliations_page(request, reviewer, *, own: bool):
    can_edit = permissions.can_keep_affiliations(request.user, reviewer)
    form = AffiliationForm()
    status = 200
    if request.method == "POST":
        require(can_edit)
        form = AffiliationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                affiliation = services.affiliation_add(
                    reviewer=reviewer,
                    by=request.user,
                    kind=data["kind"],
                    tie=data["tie"],
                    name=data["name"],
                )
            except VisitError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request, _("%(name)s is on the list.") % {"name": affiliation.label}
                )
                return redirect(request.path)
        if form.errors:
            messages.error(
                request, _("Check the form: %(errors)s") % {"errors": error_sentence(form)}
            )
            status = 400
    return render(
        request,
        "inspections/affiliations.html",
        {
            "reviewer": reviewer,
            "own": own,
            "affiliations": selectors.affiliations_of(reviewer),
            "form": form,
            "can_edit": can_edit,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def reviewer_affiliations(request):
    """A reviewer's own institutions and firms."""
    require(is_reviewer(request.user))
    return _affiliations_page(request, request.user, own=True)


@office_view(viewers=True)
def office_reviewers(request):
    """Every reviewer with their affiliations (the office keeps them; the department reads)."""
    return render(
        request,
        "inspections/office_reviewers.html",
        {
            "reviewers": selectors.reviewers_with_affiliations(),
            "office": permissions.can_manage(request.user),
        },
    )


@office_view(viewers=True)
@require_http_methods(["GET", "POST"])
def office_reviewer(request, uid):
    reviewer = get_object_or_404(User, pk=uid, programme_role=ProgrammeRole.REVIEWER)
    return _affiliations_page(request, reviewer, own=False)


@login_required
def affiliation_delete(request, affiliation_id):
    affiliation = get_object_or_404(
        ReviewerAffiliation.objects.select_related("reviewer"), pk=affiliation_id
    )
    reviewer = affiliation.reviewer
    require(permissions.can_keep_affiliations(request.user, reviewer))
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    label = affiliation.label
    services.affiliation_remove(affiliation=affiliation, by=request.user)
    messages.success(request, _("%(name)s is off the list.") % {"name": label})
    if reviewer.pk == request.user.pk:
        return redirect("reviewer_affiliations")
    return redirect("office_reviewer", uid=reviewer.pk)


@visit_page
def visit_declare(request, visit):
    """The reviewer's declaration: no conflict of interest (then the form opens), or a
    conflict, which withdraws them from the visit."""
    form_obj = own_form(request, visit)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    answer = request.POST.get("answer", "")
    try:
        if answer == "none":
            services.declare_no_conflict(form=form_obj, by=request.user)
            messages.success(request, _("Thank you: you declared no conflict of interest."))
            return redirect("visit_form", vid=visit.pk)
        if answer != "conflict":
            raise VisitError(_("Choose one of the two declarations."))
        conflict = ConflictForm(request.POST)
        if not conflict.is_valid():
            raise VisitError(error_sentence(conflict))
        services.declare_conflict(
            form=form_obj, by=request.user, description=conflict.cleaned_data["description"]
        )
    except VisitError as error:
        messages.error(request, str(error))
        return redirect("visit_form", vid=visit.pk)
    messages.success(
        request,
        _(
            "You are withdrawn from the visit for a conflict of interest; the programme "
            "office is told and will find another reviewer."
        ),
    )
    return redirect("visit_list")
