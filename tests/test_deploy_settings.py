"""Production settings pass `check --deploy`; demo data is refused there."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.smoke


def manage(*args, tmp_path, **env):
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PORTAL_", "DEBUG", "SECRET_KEY", "DEMO_"))
    }
    environ.update(
        {
            "PORTAL_ENV": "production",
            "SECRET_KEY": "k3y-" + "7Qx9vLp2Zr8Tn5Wm1Yc4Hb6Jd0Fs3Gu" * 2,
            "ALLOWED_HOSTS": "portal.example.org",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
            "DJANGO_SETTINGS_MODULE": "alliance_portal.settings",
        }
    )
    environ.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_with_no_warnings(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = manage("check", tmp_path=tmp_path, SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_load_demo_refuses_under_production_settings(tmp_path):
    migrate = manage("migrate", "--no-input", "-v", "0", tmp_path=tmp_path)
    assert migrate.returncode == 0, migrate.stderr
    result = manage("load_demo", tmp_path=tmp_path)
    assert result.returncode != 0
    assert "DEMO_DATA_ALLOWED is off" in result.stderr
    users = manage(
        "shell",
        "-c",
        "from accounts.models import User; print(User.objects.count())",
        tmp_path=tmp_path,
    )
    assert users.stdout.strip().splitlines()[-1] == "0"


def test_mailers_and_tasks_can_be_set_whole_from_the_environment(tmp_path):
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; "
        "print(s.MAILERS['default']['BACKEND']); print(s.TASKS['default']['BACKEND'])",
        tmp_path=tmp_path,
        MAILERS='{"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}',
        TASKS='{"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}',
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-2:] == [
        "django.core.mail.backends.dummy.EmailBackend",
        "django.tasks.backends.dummy.DummyBackend",
    ]


def test_a_malformed_setting_is_named(tmp_path):
    result = manage("check", tmp_path=tmp_path, MAILERS="{not json")
    assert result.returncode != 0
    assert "MAILERS must be JSON" in result.stderr
