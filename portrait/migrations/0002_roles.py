from django.db import migrations


def create_roles(apps, schema_editor):
    from portrait.roles import roles_sync

    roles_sync(apps, "portrait")


class Migration(migrations.Migration):
    dependencies = [
        ("portrait", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
