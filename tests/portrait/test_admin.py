import json

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from portrait import roles
from portrait.choices import DocumentStatus
from portrait.models import Portrait, PortraitAcknowledgement
from portrait.services import portrait_acknowledge, portrait_publish
from tests.portrait.factories import (
    BOGUS_CRITERIA,
    VALID_CRITERIA,
    ExclusionFactory,
    PortraitFactory,
    SegmentFactory,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:portrait_portrait_changelist")
ADD = reverse("admin:portrait_portrait_add")


@pytest.fixture
def admin_client_for(make_user):
    def make(*role_names, permissions=()):
        user = make_user(*role_names, is_staff=True)
        for name in permissions:
            app_label, codename = name.split(".")
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        client = Client()
        client.force_login(user)
        client.user = user
        return client

    return make


@pytest.fixture
def staff_admin(admin_client_for):
    return admin_client_for(roles.ADMINS)


def change_url(portrait):
    return reverse("admin:portrait_portrait_change", args=[portrait.pk])


def _inline_management(prefix, total, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _add_form(segment_criteria):
    return {
        "name": "From the admin",
        "description": "",
        **_inline_management("segments", 1),
        "segments-0-name": "Mid IT",
        "segments-0-description": "",
        "segments-0-criteria": json.dumps(segment_criteria),
        "segments-0-capacity": "40",
        "segments-0-average_deal_value": "100.00",
        "segments-0-priority": "1",
        **_inline_management("exclusions", 0),
    }


def test_changelist_shows_versions_and_pending_acknowledgements(staff_admin, make_user):
    published = PortraitFactory(name="In force")
    make_user(roles.SALES)
    portrait_publish(portrait=published, user=staff_admin.user)
    portrait_acknowledge(portrait=published, user=staff_admin.user)
    PortraitFactory(name="Next draft")

    response = staff_admin.get(CHANGELIST)

    assert response.status_code == 200
    content = response.content.decode()
    assert "In force" in content
    assert "Next draft" in content
    assert f'?document__id__exact={published.pk}&amp;acknowledged=no">1</a>' in content
    assert 'value="publish"' in content
    assert 'value="copy_as_draft"' in content


def test_draft_change_form_shows_indented_criteria(staff_admin):
    portrait = PortraitFactory()
    SegmentFactory(portrait=portrait, capacity=10, average_deal_value="150.00")
    ExclusionFactory(portrait=portrait)

    response = staff_admin.get(change_url(portrait))

    assert response.status_code == 200
    content = response.content.decode()
    # PostgreSQL's jsonb orders keys its own way, so only the indentation is compared.
    assert "{\n  &quot;all&quot;: [\n    {\n      &quot;" in content
    assert "\n      &quot;field&quot;: &quot;employees&quot;" in content
    assert "1500.00" in content
    assert 'name="_save"' in content


@pytest.mark.parametrize("bad", ["\ud800", "a\x00"])
def test_criteria_with_unstorable_text_are_a_form_error_shown_escaped(staff_admin, bad):
    criteria = {"all": [{"field": "region", "op": "eq", "value": bad}]}
    response = staff_admin.post(ADD, _add_form(criteria))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Text may not contain NUL characters or unpaired surrogates." in content
    assert json.dumps(bad) in content.replace("&quot;", '"')
    assert not Portrait.objects.exists()


def test_criteria_nested_too_deep_name_the_path_and_are_shown_as_typed(staff_admin):
    criteria: dict = {"field": "region", "op": "eq", "value": "x"}
    for _level in range(40):
        criteria = {"not": criteria}
    response = staff_admin.post(ADD, _add_form(criteria))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Rules nest at most 10 levels deep." in content
    assert not Portrait.objects.exists()


def test_admin_adds_a_draft_with_a_segment(staff_admin):
    response = staff_admin.post(ADD, _add_form(VALID_CRITERIA))

    assert response.status_code == 302
    portrait = Portrait.objects.get()
    assert (portrait.name, portrait.version, portrait.status) == (
        "From the admin",
        1,
        DocumentStatus.DRAFT,
    )
    assert portrait.created_by == staff_admin.user
    assert list(portrait.segments.values_list("name", "criteria")) == [("Mid IT", VALID_CRITERIA)]


def test_invalid_criteria_message_names_the_path(staff_admin):
    response = staff_admin.post(ADD, _add_form(BOGUS_CRITERIA))

    assert response.status_code == 200
    assert "At all[0].op: " in response.content.decode()
    assert Portrait.objects.count() == 0


def test_malformed_criteria_json_is_a_form_error(staff_admin):
    form = _add_form(VALID_CRITERIA)
    form["segments-0-criteria"] = "{not json"

    response = staff_admin.post(ADD, form)

    assert response.status_code == 200
    assert "Enter a valid JSON." in response.content.decode()
    assert Portrait.objects.count() == 0


def test_published_portrait_is_read_only(staff_admin):
    portrait = PortraitFactory(name="In force")
    SegmentFactory(portrait=portrait)
    portrait_publish(portrait=portrait, user=staff_admin.user)

    page = staff_admin.get(change_url(portrait))
    post = staff_admin.post(change_url(portrait), {"name": "Changed"})

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert post.status_code == 403
    assert Portrait.objects.get(pk=portrait.pk).name == "In force"


def test_publish_action_publishes_the_draft(staff_admin):
    previous = PortraitFactory()
    portrait_publish(portrait=previous, user=staff_admin.user)
    draft = PortraitFactory()

    response = staff_admin.post(
        CHANGELIST, {"action": "publish", "_selected_action": [draft.pk]}, follow=True
    )

    assert response.status_code == 200
    assert Portrait.objects.get(pk=draft.pk).status == DocumentStatus.PUBLISHED
    assert Portrait.objects.get(pk=previous.pk).status == DocumentStatus.ARCHIVED
    assert f"Version {draft.version} is published" in response.content.decode()


def test_publish_action_refuses_several_portraits(staff_admin):
    drafts = [PortraitFactory(), PortraitFactory()]

    response = staff_admin.post(
        CHANGELIST,
        {"action": "publish", "_selected_action": [draft.pk for draft in drafts]},
        follow=True,
    )

    assert "Select exactly one draft to publish." in response.content.decode()
    assert not Portrait.objects.filter(status=DocumentStatus.PUBLISHED).exists()


def test_publish_action_is_not_offered_without_the_permission(admin_client_for):
    editor = admin_client_for(
        permissions=[
            "portrait.view_portrait",
            "portrait.change_portrait",
            "portrait.add_portrait",
        ]
    )
    draft = PortraitFactory()

    page = editor.get(CHANGELIST)
    response = editor.post(
        CHANGELIST, {"action": "publish", "_selected_action": [draft.pk]}, follow=True
    )

    assert page.status_code == 200
    assert 'value="publish"' not in page.content.decode()
    assert 'value="copy_as_draft"' in page.content.decode()
    assert Portrait.objects.get(pk=draft.pk).status == DocumentStatus.DRAFT
    assert PortraitAcknowledgement.objects.count() == 0
    assert response.status_code == 200


def test_copy_action_makes_a_new_draft(staff_admin):
    published = PortraitFactory()
    SegmentFactory(portrait=published)
    portrait_publish(portrait=published, user=staff_admin.user)

    staff_admin.post(CHANGELIST, {"action": "copy_as_draft", "_selected_action": [published.pk]})

    copy = Portrait.objects.get(based_on=published)
    assert copy.status == DocumentStatus.DRAFT
    assert copy.segments.count() == 1


def test_acknowledgement_admin_filters_who_has_not_acknowledged(staff_admin, make_user):
    reader = make_user(roles.SALES, username="reader")
    portrait = PortraitFactory()
    portrait_publish(portrait=portrait, user=staff_admin.user)
    portrait_acknowledge(portrait=portrait, user=staff_admin.user)
    url = reverse("admin:portrait_portraitacknowledgement_changelist")

    response = staff_admin.get(url, {"acknowledged": "no", "document__id__exact": portrait.pk})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list.values_list("user", flat=True)) == [reader.pk]


def test_sales_staff_do_not_reach_the_portrait_admin(admin_client_for):
    response = admin_client_for(roles.SALES).get(ADD)

    assert response.status_code == 403
