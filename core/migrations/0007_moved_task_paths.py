"""The tasks' modules moved when the portal was layered (core/, workbook_import/, the KPI
app's parts): task rows written before (queued, running or finished) name the old paths.
They are renamed, so that a queued task still runs and the office's list of failed work
still reads its rows."""

from django.db import migrations

MOVED = {
    "alliance_portal.mail.deliver_email": "core.mail.deliver_email",
    "kpi.review.bulk_issue_task": "kpi.review.services.bulk.bulk_issue_task",
    "alliance_portal.import_jobs.check_import": "workbook_import.jobs.check_import",
    "alliance_portal.import_jobs.apply_import": "workbook_import.jobs.apply_import",
}


def rename(apps, schema_editor, moves=MOVED):
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    for old, new in moves.items():
        DBTaskResult.objects.filter(task_path=old).update(task_path=new)


def rename_back(apps, schema_editor):
    rename(apps, schema_editor, {new: old for old, new in MOVED.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0006_importbatch_progress"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(rename, rename_back)]
