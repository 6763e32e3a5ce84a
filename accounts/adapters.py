from allauth.account.adapter import DefaultAccountAdapter
from django.utils import translation

from core.mail import queue_email


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
        context = {"email": email, "current_site": Site.objects.get_current(), **context}
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
