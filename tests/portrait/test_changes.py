"""What a portrait version changed: the pure comparison, then its page."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from portrait import roles
from portrait.changes import portrait_changes, rule_snapshot
from portrait.models import Segment
from tests.qualification.funnel_factories import published_portrait

BIG = {"all": [{"field": "employees", "op": "gte", "value": 50}]}
BIGGER = {"all": [{"field": "employees", "op": "gte", "value": 250}]}
RU = {"all": [{"field": "country", "op": "eq", "value": "RU"}]}


def segment(name, criteria=BIG, *, capacity=100, deal="1000", priority=1, description=""):
    return rule_snapshot(
        {
            "name": name,
            "criteria": criteria,
            "capacity": capacity,
            "average_deal_value": Decimal(deal),
            "priority": priority,
            "description": description,
        }
    )


def exclusion(name, criteria=RU):
    return rule_snapshot({"name": name, "criteria": criteria, "description": ""})


def version(*, segments=(), exclusions=(), description=""):
    return {"description": description, "segments": list(segments), "exclusions": list(exclusions)}


def test_rules_are_matched_by_name_into_added_removed_changed_and_same():
    before = version(
        segments=[segment("Banks"), segment("Retail"), segment("Gone")],
        exclusions=[exclusion("Sanctioned")],
    )
    after = version(
        segments=[segment("Banks"), segment("Retail", capacity=150), segment("New")],
        exclusions=[exclusion("Sanctioned"), exclusion("Gambling")],
    )

    changes = portrait_changes(before=before, after=after)

    assert [(rule.name, rule.change) for rule in changes.segments] == [
        ("Retail", "changed"),
        ("New", "added"),
        ("Gone", "removed"),
        ("Banks", "same"),
    ]
    assert [(rule.name, rule.change) for rule in changes.exclusions] == [
        ("Gambling", "added"),
        ("Sanctioned", "same"),
    ]
    assert changes.count == 4
    assert changes.is_description_changed is False


def test_a_changed_segment_gives_its_sizes_before_and_after():
    before = version(segments=[segment("Retail", capacity=100, deal="1000")])
    after = version(segments=[segment("Retail", capacity=150, deal="1200", priority=2)])

    (retail,) = portrait_changes(before=before, after=after).segments

    assert [
        (figure.key, figure.before, figure.after, figure.is_changed) for figure in retail.figures
    ] == [
        ("priority", 1, 2, True),
        ("capacity", 100, 150, True),
        ("average_deal_value", Decimal("1000"), Decimal("1200"), True),
        ("market_potential", Decimal("100000"), Decimal("180000"), True),
    ]
    assert retail.is_criteria_changed is False
    assert all(line.change == "same" for line in retail.criteria)


def test_changed_criteria_read_as_sentences_removed_and_added():
    before = version(segments=[segment("Big", BIG)])
    after = version(segments=[segment("Big", BIGGER)])

    (big,) = portrait_changes(before=before, after=after).segments

    assert big.change == "changed" and big.is_criteria_changed
    assert [(line.change, line.text) for line in big.criteria] == [
        ("same", "All of these:"),
        ("removed", "Employees is at least 50"),
        ("added", "Employees is at least 250"),
    ]
    assert big.criteria[2].html == "Employees is at least <bdi>250</bdi>"


def test_a_description_change_alone_changes_a_rule():
    before = version(segments=[segment("Big", description="Large firms")])
    after = version(segments=[segment("Big", description="Large firms, any sector")])
    (big,) = portrait_changes(before=before, after=after).segments
    assert (big.change, big.is_description_changed, big.is_criteria_changed) == (
        "changed",
        True,
        False,
    )


def test_the_first_version_has_everything_added():
    changes = portrait_changes(
        before=None, after=version(segments=[segment("Big")], exclusions=[exclusion("RU")])
    )
    assert [rule.change for rule in (*changes.segments, *changes.exclusions)] == ["added", "added"]
    assert [line.change for line in changes.segments[0].criteria] == ["added", "added"]
    assert [(figure.key, figure.before) for figure in changes.segments[0].figures][:1] == [
        ("priority", None)
    ]


def test_two_rules_of_one_name_pair_up_in_their_order():
    before = version(exclusions=[exclusion("Twin", RU), exclusion("Twin", BIG)])
    after = version(exclusions=[exclusion("Twin", RU), exclusion("Twin", BIGGER)])
    changes = portrait_changes(before=before, after=after).exclusions
    assert [rule.change for rule in changes] == ["changed", "same"]


# The page ------------------------------------------------------------------------------------


@pytest.fixture
def page_for(make_user):
    """A logged-in Django test client for a new user with the given roles."""

    def make(*role_names: str) -> Client:
        client = Client()
        client.force_login(make_user(*role_names))
        return client

    return make


@pytest.fixture
def two_versions(db):
    first = published_portrait(
        segments=[("Big companies", BIG, 1), ("Retail", BIG, 2)],
        exclusions=[("Sanctioned", RU)],
    )
    Segment.objects.filter(portrait=first, name="Big companies").update(
        capacity=1000, average_deal_value=Decimal("2500")
    )
    second = published_portrait(
        segments=[("Big companies", BIGGER, 1), ("Banks", BIG, 3)],
        exclusions=[("Sanctioned", RU)],
    )
    Segment.objects.filter(portrait=second, name="Big companies").update(
        capacity=1200, average_deal_value=Decimal("2500")
    )
    return first, second


def test_the_changes_page_shows_what_the_version_changed_from_the_one_before(
    two_versions, page_for
):
    first, second = two_versions
    content = page_for(roles.SALES).get(reverse("portrait:changes", args=[second.version]))
    assert content.status_code == 200
    html = content.content.decode()
    assert f"compared with version {first.version}." in html
    assert "3 segments and exclusions changed." in html
    assert '<span class="badge badge-added">added</span>' in html
    assert '<span class="badge badge-removed">removed</span>' in html
    assert "<del>Employees is at least <bdi>50</bdi></del>" in html
    assert "<ins>Employees is at least <bdi>250</bdi></ins>" in html
    assert '<td class="number">1,000</td>' in html
    assert "1,200" in html
    assert "3,000,000.00 UAH" in html
    assert "Unchanged: <bdi>Sanctioned</bdi>" in html


def test_the_portrait_page_links_its_changes(two_versions, page_for):
    _first, second = two_versions
    content = page_for(roles.TECHNICAL).get(reverse("portrait:page")).content.decode()
    assert f'href="{reverse("portrait:changes", args=[second.version])}"' in content


def test_an_unknown_or_draft_version_is_not_found_for_readers(two_versions, page_for):
    from tests.portrait.factories import PortraitFactory

    draft = PortraitFactory()
    sales = page_for(roles.SALES)
    assert sales.get(reverse("portrait:changes", args=[draft.version])).status_code == 404
    assert sales.get(reverse("portrait:changes", args=[999])).status_code == 404
    admin = page_for(roles.ADMINS)
    assert admin.get(reverse("portrait:changes", args=[draft.version])).status_code == 200


def test_the_changes_page_needs_a_login(db, client):
    response = client.get(reverse("portrait:changes", args=[1]))
    assert response.status_code == 302
