from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.utils import translation

from core.mail import queue_email

# The links allauth puts in its messages, built from the request's Host: they are moved
# onto PORTAL_BASE_URL, where every other email of the portal links.
LINKS = ("activate_url", "password_reset_url", "signup_url")


def on_portal(url: str) -> str:
    """`url`'s path, query and fragment on PORTAL_BASE_URL."""
    bits = urlsplit(url)
    return settings.PORTAL_BASE_URL + urlunsplit(("", "", bits.path, bits.query, bits.fragment))


class AccountAdapter(DefaultAccountAdapter):
    """allauth's hooks, bent to the portal's rules."""

    def is_open_for_signup(self, request):
        """Accounts are issued by the programme office; self-registration opens with the
        assistant sign-up (accounts issue), which has its own form."""
        return False

    def send_mail(self, template_prefix, email, context):
        """allauth's messages (password reset, email confirmation) go through the portal's
        mail service like every other message: logged, queued, sent once by the worker."""
        from django.contrib.sites.models import Site

        # What allauth's own send_mail adds: the site names the portal in the greeting.
        site = Site.objects.get_current()
        if not site.name:  # a row never named (core.apps.sync_site runs after migrate)
            site = Site(pk=site.pk, domain=site.domain, name=settings.PORTAL_SITE_NAME)
        context = {"email": email, "current_site": site, **context}
        for key in LINKS:
            if context.get(key):
                context[key] = on_portal(context[key])
        message = self.render_mail(template_prefix, email, context)
        html = next(
            (
                content
                for content, mimetype in getattr(message, "alternatives", [])
                if mimetype == "text/html"
            ),
            "",
        )
        queue_email(
            to=list(message.to),
            subject=message.subject,
            body_text=message.body,
            body_html=html,
            template=template_prefix,
            language=translation.get_language() or "zh-hant",
        )
