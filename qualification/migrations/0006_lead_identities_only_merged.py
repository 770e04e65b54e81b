"""Lead identities hold only what merges add: a lead's own key is its source and external id.

The rows that repeat a lead's own key are deleted (one statement); going back writes them
again for every lead that lacks one.
"""

import django.db.models.deletion
from django.db import migrations, models


def _tables(apps, schema_editor) -> tuple[str, str]:
    quote = schema_editor.connection.ops.quote_name
    return (
        quote(apps.get_model("qualification", "LeadIdentity")._meta.db_table),
        quote(apps.get_model("qualification", "Lead")._meta.db_table),
    )


def drop_own_identities(apps, schema_editor):
    identity, lead = _tables(apps, schema_editor)
    schema_editor.execute(
        f"""
        DELETE FROM {identity} WHERE EXISTS (
            SELECT 1 FROM {lead} AS lead WHERE lead.id = {identity}.lead_id
              AND lead.source = {identity}.source AND lead.external_id = {identity}.external_id
        )
        """  # noqa: S608 - identifiers are the models' own
    )


def restore_own_identities(apps, schema_editor):
    identity, lead = _tables(apps, schema_editor)
    schema_editor.execute(
        f"""
        INSERT INTO {identity} (lead_id, source, external_id, created_at)
        SELECT lead.id, lead.source, lead.external_id, lead.created_at FROM {lead} AS lead
        WHERE NOT EXISTS (
            SELECT 1 FROM {identity} AS known
            WHERE known.source = lead.source AND known.external_id = lead.external_id
        )
        """  # noqa: S608 - identifiers are the models' own
    )


class Migration(migrations.Migration):
    dependencies = [
        ("qualification", "0005_lead_attributes_validators"),
    ]

    operations = [
        migrations.AlterField(
            model_name="leadidentity",
            name="lead",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="merged_identities",
                to="qualification.lead",
                verbose_name="lead",
            ),
        ),
        migrations.RunPython(drop_own_identities, restore_own_identities, elidable=True),
    ]
