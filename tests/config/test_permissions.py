"""The permission table: an action without a row is refused, whoever asks."""

import pytest
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate

from config.permissions import ActionViewSet, any_of, requires
from portrait import roles


class Table(ActionViewSet):
    action_permissions = {
        "list": requires("qualification.view_lead"),
        "shout": any_of(requires("portrait.publish_portrait"), requires("qualification.sync_lead")),
    }

    def list(self, request):
        return Response({"listed": True})

    @action(detail=False, methods=["post"])
    def shout(self, request):
        return Response({"shouted": True})

    @action(detail=False, methods=["post"])
    def forgotten(self, request):
        return Response({"forgotten": True})


def answer(user, method: str, name: str) -> int:
    request = getattr(APIRequestFactory(), method)("/table/")
    force_authenticate(request, user)
    return Table.as_view({method: name})(request).status_code


@pytest.mark.parametrize(
    ("role", "name", "status"),
    [
        (roles.SALES, "list", 200),
        (roles.TECHNICAL, "list", 200),
        (roles.ADMINS, "shout", 200),
        (roles.INTEGRATIONS, "shout", 200),
        (roles.SALES, "shout", 403),
        (roles.ADMINS, "forgotten", 403),
    ],
)
def test_an_action_needs_one_of_its_permission_sets(make_user, role, name, status):
    method = "get" if name == "list" else "post"

    assert answer(make_user(role), method, name) == status


def test_a_superuser_is_still_refused_an_action_without_a_row(make_user):
    assert answer(make_user(is_superuser=True), "post", "forgotten") == 403


def test_an_inactive_user_is_refused(make_user):
    assert answer(make_user(roles.SALES, is_active=False), "get", "list") == 403
