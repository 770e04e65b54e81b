"""The versioned-document pattern itself: its declarations, ETags and publish handlers."""

import pytest
from django.db import transaction

from portrait import roles
from portrait.choices import DocumentStatus
from portrait.models import Portrait, PortraitAcknowledgement, Segment
from portrait.services import portrait_publish
from portrait.versioning import publishing
from portrait.versioning.errors import DocumentStateError
from portrait.versioning.etags import if_match_etags
from portrait.versioning.models import VersionedDocument
from tests.portrait.factories import PortraitFactory


def test_the_portrait_declares_its_acknowledgement_model():
    assert Portrait.get_acknowledgement_model() is PortraitAcknowledgement
    assert Portrait.check() == []


@pytest.mark.parametrize(
    ("declared", "error"),
    [
        ("portrait.NoSuchModel", "portrait.E001"),
        ("PortraitAcknowledgement", "portrait.E001"),
        ("portrait.Segment", "portrait.E002"),
    ],
)
def test_a_wrong_acknowledgement_model_fails_the_system_check(monkeypatch, declared, error):
    monkeypatch.setattr(Portrait, "acknowledgement_model", declared)

    assert [message.id for message in Portrait.check()] == [error]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('"a1"', ['"a1"']),
        ('"a1", "b2"', ['"a1"', '"b2"']),
        (' "a1" ,"b2" ', ['"a1"', '"b2"']),
        ("*", None),
        (" * ", None),
        ('W/"a1"', ['W/"a1"']),
        ("a1", []),
        ('"a1", a2', ['"a1"']),
    ],
)
def test_if_match_lists_its_etags_and_star_means_any_version(header, expected):
    assert if_match_etags(header) == expected


# What runs when a version is published


@pytest.fixture
def handlers(monkeypatch):
    """An empty registry for the test: the apps' own handlers do not run."""
    monkeypatch.setattr(publishing, "_handlers", {})
    return publishing


@pytest.mark.django_db
def test_a_handler_runs_once_per_publish_after_commit(
    handlers, make_user, django_capture_on_commit_callbacks
):
    received = []
    handlers.on_publish(Portrait, lambda document: received.append(document.pk))
    first, second = PortraitFactory(), PortraitFactory()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        portrait_publish(portrait=first, user=make_user(roles.ADMINS))
        portrait_publish(portrait=second, user=make_user(roles.ADMINS))
    assert received == []
    for callback in callbacks:
        callback()

    assert received == [first.pk, second.pk]


@pytest.mark.django_db
def test_a_handler_registered_twice_runs_once(
    handlers, make_user, django_capture_on_commit_callbacks
):
    received = []

    def handler(document):
        received.append(document.pk)

    handlers.on_publish(Portrait, handler)
    handlers.on_publish(Portrait, handler)
    portrait = PortraitFactory()

    with django_capture_on_commit_callbacks(execute=True):
        portrait_publish(portrait=portrait, user=make_user(roles.ADMINS))

    assert received == [portrait.pk]


@pytest.mark.django_db
def test_a_handler_registered_for_another_model_does_not_run(
    handlers, make_user, django_capture_on_commit_callbacks
):
    received = []
    # Keyed by the model itself: a handler of the abstract base is no handler of every document.
    handlers.on_publish(VersionedDocument, lambda document: received.append(("base", document.pk)))
    handlers.on_publish(Segment, lambda document: received.append(("segment", document.pk)))
    handlers.on_publish(Portrait, lambda document: received.append(("portrait", document.pk)))
    portrait = PortraitFactory()

    with django_capture_on_commit_callbacks(execute=True):
        portrait_publish(portrait=portrait, user=make_user(roles.ADMINS))

    assert received == [("portrait", portrait.pk)]


@pytest.mark.django_db
def test_an_in_transaction_handler_sees_the_new_version_before_the_commit(
    handlers, make_user, django_capture_on_commit_callbacks
):
    received = []

    def within(document):
        stored = Portrait.objects.get(pk=document.pk).status
        received.append(("within", stored, transaction.get_connection().in_atomic_block))

    handlers.on_publish(Portrait, lambda document: received.append(("after", document.pk)))
    handlers.on_publish(Portrait, within, in_transaction=True)
    handlers.on_publish(Portrait, within, in_transaction=True)
    portrait = PortraitFactory()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        portrait_publish(portrait=portrait, user=make_user(roles.ADMINS))
    assert received == [("within", DocumentStatus.PUBLISHED, True)]
    for callback in callbacks:
        callback()

    assert received == [("within", DocumentStatus.PUBLISHED, True), ("after", portrait.pk)]


@pytest.mark.django_db
def test_an_in_transaction_handler_that_fails_rolls_the_publish_back(
    handlers, make_user, django_capture_on_commit_callbacks
):
    def within(document):
        raise RuntimeError("the run could not be planned")

    in_force = PortraitFactory()
    portrait_publish(portrait=in_force, user=make_user(roles.ADMINS))
    draft = PortraitFactory()
    handlers.on_publish(Portrait, within, in_transaction=True)

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError, match="could not be planned"),
    ):
        portrait_publish(portrait=draft, user=make_user(roles.ADMINS))

    statuses = dict(Portrait.objects.values_list("pk", "status"))
    assert statuses == {in_force.pk: DocumentStatus.PUBLISHED, draft.pk: DocumentStatus.DRAFT}
    assert not PortraitAcknowledgement.objects.filter(document=draft).exists()


@pytest.mark.django_db
def test_a_refused_publish_runs_no_handler(handlers, make_user, django_capture_on_commit_callbacks):
    received = []
    handlers.on_publish(Portrait, lambda document: received.append(document.pk))
    portrait = PortraitFactory()
    portrait_publish(portrait=portrait, user=make_user(roles.ADMINS))

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(DocumentStateError),
    ):
        portrait_publish(portrait=portrait, user=make_user(roles.ADMINS))

    assert (received, callbacks) == ([], [])


def test_a_publish_asks_only_those_who_may_acknowledge_and_each_once(make_user):
    from django.contrib.auth.models import Group

    admin = make_user(roles.ADMINS)
    seller = make_user(roles.SALES)
    seller.groups.add(Group.objects.get(name=roles.SALES_MANAGERS))  # two granting groups
    make_user(roles.INTEGRATIONS)
    make_user()  # no role
    make_user(roles.SALES, is_active=False)

    published = portrait_publish(portrait=PortraitFactory(), user=admin)

    asked = PortraitAcknowledgement.objects.filter(document=published)
    assert sorted(asked.values_list("user__username", flat=True)) == sorted(
        [admin.username, seller.username]
    )
