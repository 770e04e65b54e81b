import pytest
from django.contrib.auth.models import Group

from portrait import roles


@pytest.mark.django_db
def test_migration_creates_every_role_group():
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ROLE_LABELS)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "permission"),
    [
        (roles.ADMINS, "publish_portrait"),
        (roles.SALES, "acknowledge_portrait"),
        (roles.TECHNICAL, "view_portrait"),
    ],
)
def test_role_holds_its_permission(role, permission):
    assert Group.objects.get(name=role).permissions.filter(codename=permission).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role", [roles.SALES, roles.SALES_MANAGERS, roles.TECHNICAL, roles.INTEGRATIONS]
)
def test_only_admins_may_publish_portraits(role):
    assert not Group.objects.get(name=role).permissions.filter(codename="publish_portrait").exists()


def test_a_flush_leaves_every_role_with_its_permissions(transactional_db):
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)

    assert (
        Group.objects.get(name=roles.ADMINS)
        .permissions.filter(codename="publish_portrait")
        .exists()
    )
    assert Group.objects.get(name=roles.SALES).permissions.filter(codename="qualify_lead").exists()
