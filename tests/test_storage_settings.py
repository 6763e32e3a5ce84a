"""No state on an app server (issue 12): uploads on a configurable storage — the local disk
(tested here end to end) or an S3-compatible bucket (its configuration checked) — static
files hashed and served by WhiteNoise in production, sessions in the database or, with
Redis, read through the cache."""

import pytest
from django.core.files.base import ContentFile

from core.storage import private_storage
from tests.test_deploy_settings import manage

PRINT = (
    "from django.conf import settings as s; from django.core.files.storage import storages; "
    "p = storages['private']; d = storages['default']; "
    "print(type(p).__name__, getattr(p, 'location', ''), getattr(p, 'bucket_name', '')); "
    "print(type(d).__name__); print(type(storages['staticfiles']).__name__); "
    "print(s.SESSION_ENGINE); print(s.CACHES['default']['BACKEND']); "
    "print('whitenoise.middleware.WhiteNoiseMiddleware' in s.MIDDLEWARE)"
)


def lines(result, n=6):
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-n:]


@pytest.mark.smoke
def test_production_defaults_local_disk_hashed_static_and_database_sessions(tmp_path):
    out = lines(manage("shell", "-c", PRINT, tmp_path=tmp_path, PRIVATE_MEDIA_ROOT="/srv/private"))
    assert out[0] == "PrivateFileSystemStorage /srv/private "
    assert out[1:] == [
        "FileSystemStorage",
        "CompressedManifestStaticFilesStorage",
        "django.contrib.sessions.backends.db",
        "django.core.cache.backends.db.DatabaseCache",
        "True",
    ]


@pytest.mark.smoke
def test_s3_storage_and_redis_sessions_from_the_environment(tmp_path):
    out = lines(
        manage(
            "shell",
            "-c",
            PRINT + "; print(p.location, p.default_acl, p.querystring_auth, p.endpoint_url)",
            tmp_path=tmp_path,
            STORAGE_BACKEND="s3",
            AWS_STORAGE_BUCKET_NAME="alliance-files",
            AWS_S3_ENDPOINT_URL="https://objects.example.org",
            REDIS_URL="redis://127.0.0.1:6379/9",
        ),
        n=7,
    )
    assert out[0].split() == ["S3Storage", "private", "alliance-files"]
    assert out[1] == "S3Storage"
    assert out[3:5] == [
        "django.contrib.sessions.backends.cached_db",
        "django.core.cache.backends.redis.RedisCache",
    ]
    # Private files under their own prefix, never public, links signed and short-lived.
    assert out[-1] == "private None True https://objects.example.org"


@pytest.mark.smoke
def test_s3_without_a_bucket_or_an_unknown_backend_is_refused(tmp_path):
    result = manage("check", tmp_path=tmp_path, STORAGE_BACKEND="s3")
    assert result.returncode != 0 and "AWS_STORAGE_BUCKET_NAME must be set" in result.stderr
    result = manage("check", tmp_path=tmp_path, STORAGE_BACKEND="ftp")
    assert result.returncode != 0 and "STORAGE_BACKEND must be local or s3" in result.stderr


def test_private_files_go_to_the_private_root_on_the_local_disk(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    storage = private_storage()
    name = storage.save("evidence/2026/contract.pdf", ContentFile(b"%PDF-1.7 test"))
    assert (tmp_path / "private" / name).read_bytes() == b"%PDF-1.7 test"
    with storage.open(name) as handle:
        assert handle.read() == b"%PDF-1.7 test"
    # A second file of the same name never overwrites the first.
    other = storage.save("evidence/2026/contract.pdf", ContentFile(b"second"))
    assert other != name and storage.open(name).read() == b"%PDF-1.7 test"
    storage.delete(name)
    assert not storage.exists(name)
