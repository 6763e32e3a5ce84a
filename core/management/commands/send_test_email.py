from django.core.management.base import BaseCommand
from django.core.validators import validate_email

from core.mail import send_templated_email


class Command(BaseCommand):
    help = "Queue a test message through the portal's mail service (checks MAILERS and the worker)."

    def add_arguments(self, parser):
        parser.add_argument("--to", required=True)
        parser.add_argument("--language", default="zh-hant", choices=["zh-hant", "en"])

    def handle(self, *args, to, language, **options):
        validate_email(to)
        email = send_templated_email(to=[to], template="test_message", language=language)
        self.stdout.write(f"Queued message {email.pk} to {to}; a worker (db_worker) sends it.")
