from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import api_tokens
from accounts.forms import ApiTokenForm, LanguageForm
from accounts.services import (
    TokenNotMade,
    api_token_create,
    api_token_revoke,
    invitation_accept,
    user_language_set,
)
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


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    """The person's own page: their account, links to password, email and two-factor
    settings, and their personal API tokens (made, listed, revoked here)."""
    made = "token" in request.POST
    form = ApiTokenForm(request.POST if made else None)
    language = LanguageForm(
        request.POST if request.method == "POST" and not made else None,
        initial={"language": request.user.preferred_language},
    )
    shown = None
    if made and form.is_valid():
        try:
            _token, raw = api_token_create(
                user=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
            )
        except TokenNotMade as refused:
            form.add_error(None, str(refused))
        else:
            # Shown in this answer only (never cached: private, no-store), kept nowhere.
            shown = {"raw": raw}
            form = ApiTokenForm()
    elif language.is_bound and language.is_valid():
        user_language_set(user=request.user, language=language.cleaned_data["language"])
        messages.success(request, _("Your language for emails and the API is saved."))
        return redirect("profile")
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "language_form": language,
            "tokens": list(api_tokens.tokens_of(request.user)),
            "new_token": shown,
            "may_use_tokens": api_tokens.owner_may_use(request.user),
            "max_active": api_tokens.MAX_ACTIVE,
            "now": timezone.now(),
        },
        status=400 if form.errors or language.errors else 200,
    )


@login_required
@require_POST
def api_token_revoke_view(request, token_id):
    token = api_token_revoke(user=request.user, token_id=token_id)
    if token is None:
        raise Http404
    messages.success(
        request, _("The token %(token)s is revoked: it no longer works.") % {"token": token}
    )
    return redirect("profile")
