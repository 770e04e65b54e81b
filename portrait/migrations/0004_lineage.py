"""Segments and exclusions keep one identity (``lineage``) from version to version.

Rows that exist get it from the version each portrait was copied from (or the version
before), matched by name, as people know a segment; their audit history gets the
lineage of the row it records.
"""

import uuid

from django.db import migrations, models


def _lineages_assign(apps, schema_editor):
    portrait_model = apps.get_model("portrait", "Portrait")
    previous_by_version = {}
    for portrait in portrait_model.objects.order_by("version", "id"):
        before = previous_by_version.get(
            portrait.based_on_id, previous_by_version.get("last", {})
        )
        known = {}
        for relation, model_name in (("segment", "Segment"), ("exclusion", "Exclusion")):
            model = apps.get_model("portrait", model_name)
            history = apps.get_model("portrait", f"Historical{model_name}")
            unused = {}
            for name, lineage in before.get(relation, []):
                unused.setdefault(name, []).append(lineage)
            rows = []
            for row in model.objects.filter(portrait=portrait).order_by("id"):
                carried = unused.get(row.name.strip(), [])
                row.lineage = carried.pop(0) if carried else uuid.uuid4()
                rows.append(row)
                history.objects.filter(id=row.id).update(lineage=row.lineage)
            model.objects.bulk_update(rows, ["lineage"])
            known[relation] = [(row.name.strip(), row.lineage) for row in rows]
        previous_by_version[portrait.id] = known
        previous_by_version["last"] = known
    # The history of rows deleted since (a draft's replaced segments): one lineage per row.
    for model_name in ("Segment", "Exclusion"):
        history = apps.get_model("portrait", f"Historical{model_name}")
        orphans = history.objects.filter(lineage__isnull=True)
        for row_id in orphans.order_by().values_list("id", flat=True).distinct():
            orphans.filter(id=row_id).update(lineage=uuid.uuid4())


def _final(model_name):
    return migrations.AlterField(
        model_name=model_name,
        name="lineage",
        field=models.UUIDField(default=uuid.uuid4, editable=False, verbose_name="lineage"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("portrait", "0003_audit_history"),
    ]

    operations = [
        *(
            migrations.AddField(
                model_name=model_name,
                name="lineage",
                field=models.UUIDField(editable=False, null=True, verbose_name="lineage"),
            )
            for model_name in ("exclusion", "historicalexclusion", "historicalsegment", "segment")
        ),
        migrations.RunPython(_lineages_assign, migrations.RunPython.noop),
        *(
            _final(model_name)
            for model_name in ("exclusion", "historicalexclusion", "historicalsegment", "segment")
        ),
    ]
