from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data (`manage.py load_demo`): the top floor but one. It imports every app
    and no product module imports it; production refuses it (DEMO_DATA_ALLOWED)."""

    name = "demo"
    verbose_name = "Demo data"
