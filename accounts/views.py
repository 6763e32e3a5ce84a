from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import SetPasswordForm
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.services import invitation_accept
from accounts.tokens import (
    InvitationExpired,
    InvitationInvalid,
    InvitationUsed,
    user_for_invitation,
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
