from django.db import migrations


def grant_roles(apps, schema_editor):
    from portrait.roles import roles_sync

    roles_sync(apps, "qualification")


class Migration(migrations.Migration):
    dependencies = [("qualification", "0001_initial"), ("portrait", "0002_roles")]

    operations = [migrations.RunPython(grant_roles, migrations.RunPython.noop)]
