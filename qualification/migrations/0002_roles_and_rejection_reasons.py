from django.db import migrations

REASONS = [
    ("no_budget", "No budget"),
    ("wrong_size", "Wrong company size"),
    ("competitor_client", "Client of a competitor"),
    ("not_reachable", "Not reachable"),
    ("other", "Other"),
]


def grant_roles_and_seed_reasons(apps, schema_editor):
    from portrait.roles import roles_sync

    roles_sync(apps, "qualification")
    reason_model = apps.get_model("qualification", "RejectionReason")
    for code, label in REASONS:
        reason_model.objects.get_or_create(code=code, defaults={"label": label})


class Migration(migrations.Migration):
    dependencies = [("qualification", "0001_initial"), ("portrait", "0002_roles")]

    operations = [
        migrations.RunPython(grant_roles_and_seed_reasons, migrations.RunPython.noop)
    ]
