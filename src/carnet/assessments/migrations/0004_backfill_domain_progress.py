"""Fill ``DomainProgress`` from the complete readings already stored (the rules of ``carnet.assessments.progress``)."""

from typing import Any

from django.db import migrations


def backfill(apps: Any, schema_editor: Any) -> None:
    from carnet.assessments.progress import progress_backfill

    progress_backfill(apps.get_model("assessments", "Reading"), apps.get_model("assessments", "DomainProgress"))


def empty(apps: Any, schema_editor: Any) -> None:
    apps.get_model("assessments", "DomainProgress").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("assessments", "0003_domain_progress")]

    operations = [migrations.RunPython(backfill, empty)]
