"""The database cache's table (settings.CACHES without REDIS_URL: the login rate limits
live in it), made by `migrate` itself. A deployment that runs only the plain Django steps
(migrate, then start) must not answer its first login with a 500 for want of
`createcachetable`. createcachetable skips tables that exist and caches that are not in
the database (Redis), so this is safe on every database and on every later migrate."""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("portal", "0007_moved_task_paths")]

    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop)]
