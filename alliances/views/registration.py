"""Public self-registration of an assistant under an alliance; the PI approves later
(alliances.services). A known address gets the same answer as a new one."""

from allauth.account.models import EmailAddress
from allauth.core import ratelimit
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import User
from alliances.forms import AssistantSignupForm
from alliances.services import assistant_register, registration_attempted


@require_http_methods(["GET", "POST"])
def register_assistant(request):
    """Public sign-up of an assistant under an alliance; the PI approves later."""
    if request.user.is_authenticated:
        return redirect("dashboard")
    query = request.GET.get("q", "")[:100]
    form = AssistantSignupForm(request.POST if request.method == "POST" else None, query=query)
    status = 200
    if (
        request.method == "POST"
        and form.is_valid()
        and not ratelimit.consume(request, action="signup", key=form.cleaned_data["email"])
    ):
        # Per address and per IP (ACCOUNT_RATE_LIMITS["signup"]): nobody floods an owner with
        # "someone tried to register" emails or the PIs with requests. Known or not alike.
        form.add_error(None, _("Too many registrations from here; try again in an hour."))
        status = 429
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
        status=status,
    )


def register_assistant_done(request):
    return render(
        request,
        "accounts/register_assistant_done.html",
        {"alliance_name": request.session.get("registered_alliance", "")},
    )
