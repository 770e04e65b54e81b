import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from portrait import roles
from portrait.choices import DocumentStatus
from portrait.models import Portrait, PortraitAcknowledgement, Segment
from portrait.services import portrait_acknowledge, portrait_publish
from portrait.versioning.etags import document_etag
from tests.conftest import ALL_ROLES
from tests.portrait.factories import (
    BOGUS_CRITERIA,
    VALID_CRITERIA,
    ExclusionFactory,
    PortraitFactory,
    SegmentFactory,
)

pytestmark = pytest.mark.django_db

READERS = [roles.ADMINS, roles.SALES, roles.SALES_MANAGERS, roles.TECHNICAL, roles.INTEGRATIONS]
NOT_ADMINS = [role for role in ALL_ROLES if role != roles.ADMINS]
ACKNOWLEDGERS = [roles.ADMINS, roles.SALES, roles.SALES_MANAGERS, roles.TECHNICAL]

LIST_URL = reverse("v1:portrait-list")


def detail_url(portrait, action=None):
    if action is None:
        return reverse("v1:portrait-detail", args=[portrait.pk])
    return reverse(f"v1:portrait-{action}", args=[portrait.pk])


@pytest.fixture
def published(make_user):
    portrait = PortraitFactory(name="In force")
    SegmentFactory(portrait=portrait, name="Mid", capacity=10, average_deal_value="150.00")
    ExclusionFactory(portrait=portrait, name="Sanctions")
    return portrait_publish(portrait=portrait, user=make_user(roles.ADMINS))


@pytest.fixture
def draft():
    portrait = PortraitFactory(name="Draft")
    SegmentFactory(portrait=portrait, name="Old segment")
    return portrait


def _payload(**overrides):
    return {
        "name": "Our client",
        "segments": [
            {
                "name": "Mid IT",
                "criteria": VALID_CRITERIA,
                "capacity": 40,
                "average_deal_value": "1000.50",
                "priority": 2,
            }
        ],
        "exclusions": [{"name": "Sanctions", "criteria": VALID_CRITERIA}],
        **overrides,
    }


def _snapshot():
    return sorted(
        Portrait.objects.values_list("pk", "name", "status", "version", "updated_at")
    ), sorted(Segment.objects.values_list("pk", "name", "portrait_id"))


# Anonymous


@pytest.mark.parametrize(
    ("method", "action"),
    [
        ("get", None),
        ("post", None),
        ("get", "detail"),
        ("patch", "detail"),
        ("post", "publish"),
        ("post", "copy"),
        ("post", "acknowledge"),
        ("get", "acknowledgements"),
    ],
)
def test_anonymous_gets_401_and_changes_nothing(draft, method, action):
    url = LIST_URL if action is None else detail_url(draft, action)
    before = _snapshot()

    response = getattr(APIClient(), method)(url, {}, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert _snapshot() == before


# Reading


@pytest.mark.parametrize("role", READERS)
def test_every_role_reads_the_published_portrait_with_computed_potential(
    client_for, published, role
):
    response = client_for(role).get(detail_url(published))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "published"
    assert body["version"] == published.version
    assert body["published_at"] is not None
    assert [(s["name"], s["market_potential"]) for s in body["segments"]] == [("Mid", "1500.00")]
    assert [e["name"] for e in body["exclusions"]] == ["Sanctions"]
    assert response["ETag"] == document_etag(Portrait.objects.get(pk=published.pk))


@pytest.mark.parametrize("role", READERS)
def test_drafts_are_listed_for_admins_only(client_for, published, draft, role):
    response = client_for(role).get(LIST_URL)

    assert response.status_code == 200
    names = [item["name"] for item in response.json()["results"]]
    assert names == (["Draft", "In force"] if role == roles.ADMINS else ["In force"])


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_a_draft_is_not_found_for_readers(client_for, draft, role):
    response = client_for(role).get(detail_url(draft))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_user_without_a_role_is_forbidden(client_for, published):
    response = client_for().get(LIST_URL)

    assert response.status_code == 403


@pytest.mark.parametrize("role", READERS)
def test_options_describe_the_portraits_to_every_reader(client_for, published, role):
    client = client_for(role)

    answers = [client.options(url) for url in (LIST_URL, detail_url(published))]

    assert [answer.status_code for answer in answers] == [200, 200]
    assert [answer.json()["name"] for answer in answers] == ["Portrait List", "Portrait Instance"]


def test_options_are_refused_to_a_user_without_a_role(client_for, published):
    for url in (LIST_URL, detail_url(published)):
        assert client_for().options(url).status_code == 403


def test_list_query_count_does_not_grow_with_portraits(
    client_for, django_assert_num_queries, make_user
):
    client = client_for(roles.ADMINS)
    client.get(LIST_URL)  # warm the permission cache of the user

    def make_portraits(count):
        for _index in range(count):
            portrait = PortraitFactory()
            SegmentFactory.create_batch(3, portrait=portrait)
            ExclusionFactory.create_batch(2, portrait=portrait)

    make_portraits(2)
    # portraits, segments, exclusions
    with django_assert_num_queries(3):
        assert len(client.get(LIST_URL).json()["results"]) == 2
    make_portraits(5)
    with django_assert_num_queries(3):
        assert len(client.get(LIST_URL).json()["results"]) == 7


# Creating


def test_admin_creates_a_draft(client_for):
    client = client_for(roles.ADMINS)

    response = client.post(LIST_URL, _payload(), format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "draft"
    assert body["version"] == 1
    assert body["published_at"] is None
    assert body["segments"][0]["market_potential"] == "40020.00"
    assert isinstance(body["segments"][0]["id"], int)
    assert response["ETag"] == document_etag(Portrait.objects.get(pk=body["id"]))


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_other_roles_cannot_create(client_for, role):
    response = client_for(role).post(LIST_URL, _payload(), format="json")

    assert response.status_code == 403
    assert Portrait.objects.count() == 0


def test_criteria_error_names_the_full_path(client_for):
    data = _payload()
    data["segments"].append({"name": "Broken", "criteria": BOGUS_CRITERIA})

    response = client_for(roles.ADMINS).post(LIST_URL, data, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["errors"]) == ["segments[1].criteria.all[0].op"]
    assert Portrait.objects.count() == 0


def test_missing_fields_are_named(client_for):
    response = client_for(roles.ADMINS).post(
        LIST_URL, {"segments": [{"criteria": VALID_CRITERIA, "capacity": -1}]}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {
        "name",
        "segments[0].name",
        "segments[0].capacity",
    }


def test_malformed_json_is_a_400(client_for):
    response = client_for(roles.ADMINS).post(LIST_URL, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


# Editing


def test_admin_patches_a_draft_with_if_match(client_for, draft):
    client = client_for(roles.ADMINS)
    etag = client.get(detail_url(draft))["ETag"]

    response = client.patch(
        detail_url(draft),
        {"name": "Renamed", "segments": [{"name": "New", "criteria": VALID_CRITERIA}]},
        format="json",
        HTTP_IF_MATCH=etag,
    )

    assert response.status_code == 200
    assert response.json()["name"] == "Renamed"
    assert [s["name"] for s in response.json()["segments"]] == ["New"]
    assert response["ETag"] != etag
    assert list(draft.segments.values_list("name", flat=True)) == ["New"]


def test_patch_without_if_match_is_428(client_for, draft):
    before = _snapshot()

    response = client_for(roles.ADMINS).patch(detail_url(draft), {"name": "X"}, format="json")

    assert response.status_code == 428
    assert response.json()["code"] == "precondition_required"
    assert list(response.json()["errors"]) == ["If-Match"]
    assert _snapshot() == before


def test_patch_with_a_stale_etag_is_412(client_for, draft):
    client = client_for(roles.ADMINS)
    stale = client.get(detail_url(draft))["ETag"]
    assert (
        client.patch(detail_url(draft), {"name": "First"}, format="json", HTTP_IF_MATCH=stale)
    ).status_code == 200
    before = _snapshot()

    response = client.patch(
        detail_url(draft), {"name": "Second"}, format="json", HTTP_IF_MATCH=stale
    )

    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    assert list(response.json()["errors"]) == ["If-Match"]
    assert _snapshot() == before


def test_if_match_refusals_name_the_portrait_and_the_header(client_for, draft):
    client = client_for(roles.ADMINS)
    stale = client.get(detail_url(draft))["ETag"]
    client.patch(detail_url(draft), {"name": "First"}, format="json", HTTP_IF_MATCH=stale)

    missing = client.patch(detail_url(draft), {"name": "X"}, format="json").json()
    changed = client.patch(
        detail_url(draft), {"name": "X"}, format="json", HTTP_IF_MATCH=stale
    ).json()

    required = "Send the If-Match header with the ETag of the portrait you edit."
    failed = "This version of the portrait has changed since you read it; fetch it again."
    assert missing == {
        "detail": required,
        "code": "precondition_required",
        "errors": {"If-Match": [required]},
    }
    assert changed == {
        "detail": failed,
        "code": "precondition_failed",
        "errors": {"If-Match": [failed]},
    }


@pytest.mark.parametrize("header", ["*", '"stale", {etag}'])
def test_if_match_with_any_version_or_the_current_etag_among_others_edits(
    client_for, draft, header
):
    client = client_for(roles.ADMINS)
    etag = client.get(detail_url(draft))["ETag"]

    response = client.patch(
        detail_url(draft),
        {"name": "Renamed"},
        format="json",
        HTTP_IF_MATCH=header.format(etag=etag),
    )

    assert response.status_code == 200
    assert Portrait.objects.get(pk=draft.pk).name == "Renamed"


def test_patching_a_published_version_is_409(client_for, published):
    client = client_for(roles.ADMINS)
    etag = client.get(detail_url(published))["ETag"]
    before = _snapshot()

    response = client.patch(
        detail_url(published), {"name": "Changed"}, format="json", HTTP_IF_MATCH=etag
    )

    assert response.status_code == 409
    assert response.json()["code"] == "not_draft"
    assert _snapshot() == before


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_other_roles_cannot_patch(client_for, draft, published, role):
    before = _snapshot()

    for portrait in (draft, published):
        response = client_for(role).patch(
            detail_url(portrait), {"name": "X"}, format="json", HTTP_IF_MATCH="*"
        )
        assert response.status_code == 403

    assert _snapshot() == before


def test_put_is_not_allowed(client_for, draft):
    response = client_for(roles.ADMINS).put(detail_url(draft), _payload(), format="json")

    assert response.status_code == 405


# Publishing and copying


def test_admin_publishes_a_draft_and_archives_the_previous(client_for, published, draft):
    response = client_for(roles.ADMINS).post(detail_url(draft, "publish"))

    assert response.status_code == 200
    assert response.json()["status"] == "published"
    assert Portrait.objects.get(pk=published.pk).status == DocumentStatus.ARCHIVED


def test_publishing_a_published_version_is_409(client_for, published):
    response = client_for(roles.ADMINS).post(detail_url(published, "publish"))

    assert response.status_code == 409
    assert response.json()["code"] == "not_draft"


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_other_roles_cannot_publish(client_for, draft, role):
    before = _snapshot()

    response = client_for(role).post(detail_url(draft, "publish"))

    assert response.status_code == 403
    assert _snapshot() == before
    assert PortraitAcknowledgement.objects.count() == 0


def test_admin_copies_a_published_version_as_a_draft(client_for, published):
    response = client_for(roles.ADMINS).post(detail_url(published, "copy"))

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "draft"
    assert body["based_on"] == published.pk
    assert body["version"] == published.version + 1
    assert [s["name"] for s in body["segments"]] == ["Mid"]


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_other_roles_cannot_copy(client_for, published, role):
    before = _snapshot()

    response = client_for(role).post(detail_url(published, "copy"))

    assert response.status_code == 403
    assert _snapshot() == before


# Acknowledging


@pytest.mark.parametrize("role", ACKNOWLEDGERS)
def test_employees_acknowledge_once(client_for, published, role):
    client = client_for(role)

    first = client.post(detail_url(published, "acknowledge"))
    second = client.post(detail_url(published, "acknowledge"))

    assert first.status_code == 200
    assert second.status_code == 200
    assert first.json()["acknowledged_at"] is not None
    assert second.json()["acknowledged_at"] == first.json()["acknowledged_at"]
    assert first.json()["user"] == client.user.pk
    assert PortraitAcknowledgement.objects.filter(document=published, user=client.user).count() == 1


def test_integrations_cannot_acknowledge(client_for, published):
    client = client_for(roles.INTEGRATIONS)

    response = client.post(detail_url(published, "acknowledge"))

    assert response.status_code == 403
    assert not PortraitAcknowledgement.objects.filter(user=client.user).exists()


def test_acknowledging_an_archived_version_is_409(client_for, published, draft):
    client = client_for(roles.SALES)
    portrait_publish(portrait=draft, user=client.user)

    response = client.post(detail_url(published, "acknowledge"))

    assert response.status_code == 409
    assert response.json()["code"] == "not_published"
    assert not PortraitAcknowledgement.objects.filter(
        user=client.user, acknowledged_at__isnull=False
    ).exists()


def test_admin_lists_who_has_not_acknowledged(
    client_for, make_user, draft, django_assert_num_queries
):
    admin = client_for(roles.ADMINS)
    readers = [make_user(roles.SALES) for _index in range(4)]
    portrait_publish(portrait=draft, user=admin.user)
    portrait_acknowledge(portrait=draft, user=readers[0])
    url = detail_url(draft, "acknowledgements")
    admin.get(url)

    # the portrait, its acknowledgements with their users
    with django_assert_num_queries(2):
        pending = admin.get(url, {"acknowledged": "false"})
    done = admin.get(url, {"acknowledged": "true"})

    assert pending.status_code == 200
    assert {item["user"] for item in pending.json()["results"]} == {
        admin.user.pk,
        *(reader.pk for reader in readers[1:]),
    }
    assert [item["user"] for item in done.json()["results"]] == [readers[0].pk]


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_other_roles_cannot_list_acknowledgements(client_for, published, role):
    response = client_for(role).get(detail_url(published, "acknowledgements"))

    assert response.status_code == 403


def test_acknowledgements_filter_rejects_nonsense(client_for, published):
    response = client_for(roles.ADMINS).get(
        detail_url(published, "acknowledgements"), {"acknowledged": "maybe"}
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["acknowledged"]


def test_the_schema_describes_each_portrait_action_with_its_answers(api_client):
    schema = api_client.get(reverse("schema"), {"format": "json"}).json()
    paths = schema["paths"]

    def answers(path, method):
        return set(paths[f"/api/v1/portraits/{path}"][method]["responses"])

    # Every operation: 401, 403, 429; every write: 400, 413, 415; every POST: its
    # Idempotency-Key's 409, 422 and 503.
    shared = {"401", "403", "429"}
    write = {*shared, "400", "413", "415"}
    post = {*write, "409", "422", "503"}
    assert answers("", "post") == {"201", *post}
    assert answers("{id}/", "patch") == {"200", "404", "409", "412", "428", *write}
    assert answers("{id}/publish/", "post") == {"200", "404", "409", *post}
    assert answers("{id}/copy/", "post") == {"201", "404", *post}
    assert answers("{id}/acknowledge/", "post") == {"200", "404", "409", *post}
    assert answers("{id}/acknowledgements/", "get") == {"200", "400", "404", *shared}
    patch = paths["/api/v1/portraits/{id}/"]["patch"]
    assert [(p["name"], p["in"], p["required"]) for p in patch["parameters"]] == [
        ("If-Match", "header", True),
        ("id", "path", True),
    ]
    acknowledge = paths["/api/v1/portraits/{id}/acknowledge/"]["post"]["responses"]["200"]
    assert acknowledge["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PortraitAcknowledgement"
    }
    listed = paths["/api/v1/portraits/{id}/acknowledgements/"]["get"]["responses"]["200"]
    assert listed["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PaginatedPortraitAcknowledgementList"
    }
