"""Backups (scripts/backup, scripts/restore, docs/backup.md): on PostgreSQL the restore
drill backs up the demo, wipes it, restores it and finds the same report figures, and a
restore into a database ahead of the backup (upgraded since) replaces it whole; on SQLite
the scripts refuse, saying why. Either way a restore checks the backup against its manifest
and asks before it wipes anything."""

import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
DRILL_DATABASE = "alliance_drill_test"
AHEAD_DATABASE = "alliance_restore_ahead_test"
# Never reached: the scripts refuse before they connect.
NOWHERE = "postgres://nobody@127.0.0.1:9/nothing"


def on_postgresql() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def script(name, *args, tmp_path, timeout=60, **env):
    """Run scripts/<name> with this Python, a var dir of its own and `env` (None: unset)."""
    return run([str(ROOT / "scripts" / name), *args], tmp_path=tmp_path, timeout=timeout, **env)


def run(command, *, tmp_path, timeout=60, **env):
    """Run `command` in the project with this Python as PY, a var dir of its own and `env`."""
    environ = {**os.environ, "PY": sys.executable, "PORTAL_VAR_DIR": str(tmp_path / "var")}
    for key, value in env.items():
        if value is None:
            environ.pop(key, None)
        else:
            environ[key] = value
    return subprocess.run(
        command,
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def drill_url(database: str = DRILL_DATABASE) -> str:
    db = settings.DATABASES["default"]
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{quote(db['USER'], safe='')}{password}@{host}:{port}/{database}"


def test_the_restore_drill_finds_the_same_report_figures_after_a_restore(tmp_path):
    """On PostgreSQL: the whole drill, in its own database (about half a minute). On SQLite
    the drill refuses: there is nothing it could back up."""
    if not on_postgresql():
        result = script("restore-drill", f"sqlite:///{tmp_path / 'x.sqlite3'}", tmp_path=tmp_path)
        assert result.returncode == 2, result.stdout + result.stderr
        assert "needs a PostgreSQL database" in result.stderr
        return
    result = script("restore-drill", drill_url(), tmp_path=tmp_path, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = re.search(r"restore drill passed: (\d+) figures compared", result.stdout)
    assert summary, result.stdout
    assert int(summary[1]) > 0


def sql(query: str, database: str = AHEAD_DATABASE, autocommit: bool = False) -> list:
    """Run one statement as the test role in `database`; its rows ([] when it has none)."""
    import psycopg2

    db = settings.DATABASES["default"]
    connection = psycopg2.connect(
        dbname=database,
        user=db["USER"],
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
    )
    connection.autocommit = autocommit
    try:
        with connection.cursor() as cursor:
            cursor.execute(query)
            rows = cursor.fetchall() if cursor.description else []
        connection.commit()
        return rows
    finally:
        connection.close()


def test_a_restore_replaces_a_database_that_is_ahead_of_the_backup(tmp_path):
    """Back up, upgrade (migrate forward, a table the backup does not have), restore: the
    database is the backup's again, whole, and migrates. pg_restore --clean would have kept
    the newer tables and `migrate` would then fail ("relation … already exists"). On SQLite
    the restore refuses."""
    if not on_postgresql():
        result = script("restore", "--yes", str(tmp_path), tmp_path=tmp_path, DATABASE_URL=None)
        assert result.returncode == 2
        assert "embedded SQLite database" in result.stderr
        return
    env = {
        "DATABASE_URL": drill_url(AHEAD_DATABASE),
        "PORTAL_ENV": "development",
        "STORAGE_BACKEND": "local",
        "DJANGO_SETTINGS_MODULE": None,
        "MEDIA_ROOT": None,
        "PRIVATE_MEDIA_ROOT": None,
    }

    def check(name, *args, expect=0):
        """scripts/<name> (or manage.py) with `env`; its result, once its status is `expect`."""
        if name == "manage.py":
            result = run([sys.executable, name, *args], tmp_path=tmp_path, timeout=120, **env)
        else:
            result = script(name, *args, tmp_path=tmp_path, timeout=120, **env)
        output = result.stdout[-2000:] + result.stderr[-2000:]
        assert result.returncode == expect, f"{name} {' '.join(args)}: {output}"
        return result

    def tables() -> set[str]:
        rows = sql("select tablename from pg_tables where schemaname = 'public'")
        return {name for (name,) in rows}

    schema = "select nspowner::regrole, nspacl::text from pg_namespace where nspname = 'public'"
    sql(f"drop database if exists {AHEAD_DATABASE} with (force)", "postgres", autocommit=True)
    sql(f"create database {AHEAD_DATABASE}", "postgres", autocommit=True)
    try:
        check("manage.py", "migrate", "--no-input", "-v", "0")
        owner_and_acl = sql(schema)
        # The reviewer's case: the backup is of the older code (portal at 0004), then the
        # upgrade migrates forward (portal_workerheartbeat) and something adds a table.
        check("manage.py", "migrate", "portal", "0004", "--no-input", "-v", "0")
        check("backup", str(tmp_path / "at-0004"))
        check("manage.py", "migrate", "--no-input", "-v", "0")
        sql("create table portal_extra_ahead (id int); insert into portal_extra_ahead values (1)")
        assert {"portal_workerheartbeat", "portal_extra_ahead"} <= tables()

        # Restored, but lacking 0005: exit 1 saying to migrate (docs/backup.md, step 5).
        lacking = check("restore", "--yes", str(tmp_path / "at-0004"), expect=1)
        assert "lacks migrations of this code" in lacking.stderr
        assert not {"portal_workerheartbeat", "portal_extra_ahead"} & tables()
        assert sql(schema) == owner_and_acl  # the schema public's owner and privileges
        check("manage.py", "migrate", "--no-input", "-v", "0")
        check("manage.py", "migrate", "--check")

        # A backup of this code, a table added, a restore: done (exit 0), the table gone.
        check("backup", str(tmp_path / "current"))
        sql("create table portal_extra_ahead (id int)")
        done = check("restore", "--yes", str(tmp_path / "current"))
        assert "restore: done" in done.stdout
        assert "portal_extra_ahead" not in tables()
        assert "portal_workerheartbeat" in tables()
        assert sql(schema) == owner_and_acl
        check("manage.py", "migrate", "--check")
        check("manage.py", "migrate", "--no-input", "-v", "0")
    finally:
        sql(f"drop database if exists {AHEAD_DATABASE} with (force)", "postgres", autocommit=True)


@pytest.mark.smoke
@pytest.mark.parametrize("name", ["backup", "restore"])
def test_backup_and_restore_refuse_sqlite_saying_why(tmp_path, name):
    args = [] if name == "backup" else [str(tmp_path)]
    sqlite = script(
        name, *args, tmp_path=tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    )
    assert sqlite.returncode == 2
    assert "not a PostgreSQL URL" in sqlite.stderr
    unset = script(name, *args, tmp_path=tmp_path, DATABASE_URL=None)
    assert unset.returncode == 2
    assert "embedded SQLite database" in unset.stderr
    assert not (tmp_path / "var").exists()


def fake_backup(directory: Path) -> Path:
    """A backup as scripts/backup lays it out (the dump's bytes are never read: restore
    checks before it touches the database)."""
    directory.mkdir()
    (directory / "database.dump").write_bytes(b"PGDMP" + bytes(range(256)) * 4)
    with tarfile.open(directory / "media.tar.gz", "w:gz") as tar:
        for name in ("media", "private"):
            info = tarfile.TarInfo(name)
            info.type = tarfile.DIRTYPE
            tar.addfile(info)
        content = b"%PDF-1.4\n%evidence\n"
        info = tarfile.TarInfo("private/evidence/1.pdf")
        info.size = len(content)
        tar.addfile(info, io.BytesIO(content))
    files = {
        name: {
            "sha256": hashlib.sha256((directory / name).read_bytes()).hexdigest(),
            "bytes": (directory / name).stat().st_size,
        }
        for name in ("database.dump", "media.tar.gz")
    }
    manifest = {
        "format": 1,
        "created": "2025-01-01T00:00:00+00:00",
        "database": "alliance_portal",
        "migrations": {},
        "media": {"media": "/srv/var/media", "private": "/srv/var/private"},
        "files": files,
    }
    (directory / "manifest.json").write_text(json.dumps(manifest))
    return directory


@pytest.mark.smoke
def test_restore_asks_before_wiping_and_refuses_a_corrupt_backup(tmp_path):
    backup = fake_backup(tmp_path / "backup")

    unconfirmed = script("restore", str(backup), tmp_path=tmp_path, DATABASE_URL=NOWHERE)
    assert unconfirmed.returncode == 2, unconfirmed.stderr
    assert "is intact" in unconfirmed.stdout
    assert "this would replace the database nothing" in unconfirmed.stderr
    assert "--yes" in unconfirmed.stderr

    dump = backup / "database.dump"
    data = bytearray(dump.read_bytes())
    data[100] ^= 0xFF  # one byte
    dump.write_bytes(bytes(data))
    for confirm in ([], ["--yes"]):
        corrupt = script("restore", *confirm, str(backup), tmp_path=tmp_path, DATABASE_URL=NOWHERE)
        assert corrupt.returncode == 1
        assert "database.dump is corrupt" in corrupt.stderr

    data[100] ^= 0xFF
    dump.write_bytes(bytes(data))
    (backup / "media.tar.gz").unlink()
    missing = script("restore", "--yes", str(backup), tmp_path=tmp_path, DATABASE_URL=NOWHERE)
    assert missing.returncode == 1
    assert "media.tar.gz is missing" in missing.stderr

    (backup / "manifest.json").unlink()
    no_manifest = script("restore", str(backup), tmp_path=tmp_path, DATABASE_URL=NOWHERE)
    assert no_manifest.returncode == 1
    assert "has no manifest.json" in no_manifest.stderr
    # Nothing was extracted anywhere.
    assert not (tmp_path / "var").exists()


def test_report_figures_prints_the_published_tables_as_sorted_json(people, capsys):
    call_command("report_figures", "--year", "106")
    printed = capsys.readouterr().out
    figures = json.loads(printed)
    assert printed == json.dumps(figures, sort_keys=True, ensure_ascii=False, indent=1) + "\n"
    year = figures["years"]["106"]
    assert set(year) == {"fields", "fee_bands", "self_sufficiency"}
    assert set(year["fields"]) == {"official", "submitted", "live"}
    live_total = year["fields"]["live"]["total"]
    assert live_total["members"] == 1  # the fixture's one company member
    assert figures["rows"]["alliances.Alliance"] == 2
    assert figures["rows"]["kpi.Evidence"] == 1
    assert figures["files"]["private"]["files"] >= 1  # the evidence PDF
