from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import permissions as account_permissions
from accounts.models import User
from accounts.services import invitation_accept
from accounts.tokens import (
    InvitationExpired,
    InvitationInvalid,
    InvitationUsed,
    user_for_invitation,
)
from alliances import selectors
from alliances.forms import AssistantSignupForm
from alliances.services import assistant_register, registration_attempted


@login_required
def dashboard(request):
    """Each person's start page: what their roles let them do and what waits for them."""
    user = request.user
    context = selectors.dashboard_for(user)
    context["has_mfa"] = account_permissions.has_mfa(user) if user.is_office else None
    return render(request, "accounts/dashboard.html", context)


@require_http_methods(["GET", "POST"])
def register_assistant(request):
    """Public sign-up of an assistant under an alliance; the PI approves later."""
    if request.user.is_authenticated:
        return redirect("dashboard")
    query = request.GET.get("q", "")[:100]
    form = AssistantSignupForm(request.POST if request.method == "POST" else None, query=query)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # A known address gets the same answer as a new one (no account enumeration); its
        # owner is emailed instead. The password is hashed either way, so that the answer
        # takes as long.
        existing = User.objects.filter(email__iexact=data["email"]).first()
        if existing is None:
            try:
                with transaction.atomic():
                    role = assistant_register(
                        email=data["email"],
                        name=data["name"],
                        password=data["password1"],
                        alliance=data["alliance"],
                        note=data["note"],
                    )
                    EmailAddress.objects.get(user=role.user).send_confirmation(request, signup=True)
            except IntegrityError:  # the same address registered a moment ago
                existing = User.objects.filter(email__iexact=data["email"]).first()
        if existing is not None:
            make_password(data["password1"])
            registration_attempted(user=existing, alliance=data["alliance"])
        request.session["registered_alliance"] = data["alliance"].name_zh
        return redirect("register_assistant_done")
    return render(
        request,
        "accounts/register_assistant.html",
        {"form": form, "query": query, "matches": form.fields["alliance"].queryset.count()},
    )


def register_assistant_done(request):
    return render(
        request,
        "accounts/register_assistant_done.html",
        {"alliance_name": request.session.get("registered_alliance", "")},
    )


@require_http_methods(["GET", "POST"])
def accept_invitation(request, token):
    """Set a password from an invitation link; the link works once."""
    try:
        user = user_for_invitation(token)
    except InvitationInvalid:
        return render(
            request, "accounts/invitation_invalid.html", {"reason": "invalid"}, status=404
        )
    except InvitationExpired:
        return render(
            request, "accounts/invitation_invalid.html", {"reason": "expired"}, status=410
        )
    except InvitationUsed:
        return render(request, "accounts/invitation_invalid.html", {"reason": "used"}, status=410)
    form = SetPasswordForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = invitation_accept(user=user, password=form.cleaned_data["new_password1"])
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Your password is set. Welcome to the Alliance Portal."))
        return redirect(reverse("dashboard"))
    return render(request, "accounts/accept_invitation.html", {"form": form, "invitee": user})
