from django.db import migrations


def grant_roles(apps, schema_editor):
    from portrait.roles import roles_sync

    roles_sync(apps, "crm")


class Migration(migrations.Migration):
    dependencies = [("crm", "0001_initial"), ("qualification", "0007_lead_transitions")]

    operations = [migrations.RunPython(grant_roles, migrations.RunPython.noop)]
