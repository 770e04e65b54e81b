"""The pages for people: queue, lead, dashboard and portrait, per role, through Django's client."""

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from portrait import roles
from portrait.models import PortraitAcknowledgement
from qualification.choices import DecisionVerdict, LeadStage, SuggestedVerdict
from qualification.decisions.services import lead_decide
from qualification.evaluation.writes import leads_evaluate
from qualification.models import Decision, Lead
from tests.qualification.factories import LeadFactory
from tests.qualification.funnel_factories import published_portrait, reason

QUEUE = reverse("qualification:queue")
DASHBOARD = reverse("qualification:dashboard")
PORTRAIT = reverse("portrait:page")
BIG = {"all": [{"field": "employees", "op": "gte", "value": 50}]}


def lead_url(lead: Lead) -> str:
    return reverse("qualification:lead", args=[lead.pk])


def decision_url(lead: Lead) -> str:
    return reverse("qualification:lead-decision", args=[lead.pk])


@pytest.fixture(autouse=True)
def english_afterwards():
    """A request in another language leaves it active in this thread: the next test reads
    English again.
    """
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def portrait(db):
    return published_portrait(
        segments=[("Big companies", BIG, 1)],
        exclusions=[("Sanctioned", {"all": [{"field": "country", "op": "eq", "value": "RU"}]})],
    )


def evaluated(**fields) -> Lead:
    lead = LeadFactory(**fields)
    leads_evaluate(queryset=Lead.objects.filter(pk=lead.pk))
    lead.refresh_from_db()
    return lead


@pytest.fixture
def page_for(make_user):
    """A logged-in Django test client for a new user with the given roles; ``.user`` is it."""

    def make(*role_names: str, **fields) -> Client:
        client = Client()
        client.user = make_user(*role_names, **fields)
        client.force_login(client.user)
        return client

    return make


# Anonymous -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["qualification:queue", "qualification:dashboard", "portrait:page"]
)
def test_anonymous_user_is_sent_to_the_login_page(db, client, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_anonymous_user_cannot_see_a_lead_or_decide(portrait, client):
    lead = evaluated(employees=80)
    assert client.get(lead_url(lead)).status_code == 302
    response = client.post(decision_url(lead), {"verdict": "interesting"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert Decision.objects.count() == 0


def test_root_redirects_to_the_queue(db, client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == QUEUE


def test_login_page_logs_in_and_goes_to_the_queue(make_user, client):
    make_user(roles.SALES, username="olena", password="secret-pass-1")
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert b'name="password"' in page.content
    response = client.post(reverse("login"), {"username": "olena", "password": "secret-pass-1"})
    assert response.status_code == 302
    assert response["Location"] == QUEUE


# Queue -----------------------------------------------------------------------------------------


def test_sales_queue_lists_unassigned_and_own_leads_only(portrait, page_for, make_user):
    sales = page_for(roles.SALES)
    other = make_user(roles.SALES)
    unassigned = evaluated(company_name="Unassigned Ltd")
    own = evaluated(company_name="Own Ltd", owner=sales.user)
    evaluated(company_name="Others Ltd", owner=other)

    response = sales.get(QUEUE)

    assert response.status_code == 200
    assert [lead.pk for lead in response.context["page"].object_list] == [own.pk, unassigned.pk]
    assert b"Others Ltd" not in response.content


def test_sales_cannot_open_another_salespersons_lead(portrait, page_for, make_user):
    sales = page_for(roles.SALES)
    lead = evaluated(owner=make_user(roles.SALES))
    assert sales.get(lead_url(lead)).status_code == 404


@pytest.mark.parametrize("role", [roles.TECHNICAL, roles.SALES_MANAGERS, roles.ADMINS])
def test_roles_that_see_every_lead_get_all_of_them(portrait, page_for, make_user, role):
    viewer = page_for(role)
    owner = make_user(roles.SALES)
    leads = [evaluated(), evaluated(owner=owner)]
    response = viewer.get(QUEUE)
    assert response.status_code == 200
    assert {lead.pk for lead in response.context["page"].object_list} == {lead.pk for lead in leads}


def test_queue_is_ordered_by_fit_then_newest(portrait, page_for):
    sales = page_for(roles.SALES)
    small_old = evaluated(employees=10)
    big = evaluated(employees=80)
    small_new = evaluated(employees=20)
    response = sales.get(QUEUE)
    assert [lead.pk for lead in response.context["page"].object_list] == [
        big.pk,
        small_new.pk,
        small_old.pk,
    ]


def test_queue_row_shows_company_country_segment_score_verdict_stage_and_owner(portrait, page_for):
    sales = page_for(roles.SALES, username="taras")
    evaluated(company_name="Acme", country="PL", employees=80, owner=sales.user)
    content = sales.get(QUEUE).content.decode()
    assert "Acme" in content
    assert "<td>PL</td>" in content
    assert "<td>Big companies</td>" in content
    assert 'style="inline-size: 100%"' in content
    assert '<span class="badge badge-interesting">Interesting</span>' in content
    assert '<span class="stage stage-new">New</span>' in content
    assert "<td>taras</td>" in content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"suggested_verdict": SuggestedVerdict.INTERESTING}, ["Big"]),
        (
            {"suggested_verdict": SuggestedVerdict.NOT_INTERESTING, "stage": "all"},
            ["Qualified", "Sanctioned", "Small"],
        ),
        ({"suggested_verdict": SuggestedVerdict.NOT_INTERESTING}, ["Sanctioned", "Small"]),
        ({"stage": LeadStage.QUALIFIED}, ["Qualified"]),
        ({"q": "sANCtion"}, ["Sanctioned"]),
        (
            {"suggested_verdict": "bogus", "stage": "all"},
            ["Big", "Qualified", "Sanctioned", "Small"],
        ),
        ({}, ["Big", "Sanctioned", "Small"]),
        ({"country": "ru"}, ["Sanctioned"]),
        ({"country": "RU", "stage": "all"}, ["Sanctioned"]),
    ],
)
def test_queue_filters(portrait, page_for, query, expected):
    sales = page_for(roles.SALES)
    evaluated(company_name="Big", employees=80)
    evaluated(company_name="Small", employees=10)
    evaluated(company_name="Sanctioned", employees=80, country="RU")
    evaluated(company_name="Qualified", employees=5, stage=LeadStage.QUALIFIED)
    response = sales.get(QUEUE, query)
    assert response.status_code == 200
    names = sorted(lead.company_name for lead in response.context["page"].object_list)
    assert names == expected


def test_decided_leads_leave_the_default_view(portrait, page_for):
    sales = page_for(roles.SALES)
    evaluated(company_name="Big", employees=80)
    decided = evaluated(company_name="Decided", employees=90)
    lead_decide(lead=decided, user=sales.user, verdict=DecisionVerdict.INTERESTING)
    names = [lead.company_name for lead in sales.get(QUEUE).context["page"].object_list]
    assert names == ["Big"]
    everything = sales.get(QUEUE, {"stage": "all"}).context["page"].object_list
    assert sorted(lead.company_name for lead in everything) == ["Big", "Decided"]


def test_queue_filters_mine_and_unassigned(portrait, page_for, make_user):
    manager = page_for(roles.SALES_MANAGERS)
    evaluated(company_name="Nobody's", employees=80)
    evaluated(company_name="Manager's", employees=80, owner=manager.user)
    evaluated(company_name="Someone's", employees=80, owner=make_user(roles.SALES))

    def names(query):
        page = manager.get(QUEUE, query).context["page"]
        return sorted(lead.company_name for lead in page.object_list)

    assert names({"assigned": "mine"}) == ["Manager's"]
    assert names({"assigned": "unassigned"}) == ["Nobody's"]
    assert names({"assigned": ""}) == ["Manager's", "Nobody's", "Someone's"]


def test_an_invalid_filter_is_left_out_and_shown_while_the_others_apply(portrait, page_for):
    sales = page_for(roles.SALES)
    evaluated(company_name="Big", employees=80)
    evaluated(company_name="Qualified", employees=5, stage=LeadStage.QUALIFIED)
    response = sales.get(QUEUE, {"suggested_verdict": "bogus", "stage": LeadStage.QUALIFIED})
    assert [lead.company_name for lead in response.context["page"].object_list] == ["Qualified"]
    assert "Select a valid choice. bogus is not one of the available choices." in (
        response.content.decode()
    )


def test_queue_filters_by_segment(portrait, page_for):
    sales = page_for(roles.SALES)
    evaluated(company_name="Big", employees=80)
    evaluated(company_name="Small", employees=10)
    segment = portrait.segments.get()
    response = sales.get(QUEUE, {"segment": segment.pk})
    assert [lead.company_name for lead in response.context["page"].object_list] == ["Big"]


def test_queue_paginates_and_keeps_the_filters(portrait, page_for):
    sales = page_for(roles.SALES)
    for _ in range(30):
        evaluated(employees=80)
    response = sales.get(QUEUE, {"stage": "new"})
    assert len(response.context["page"].object_list) == 25
    assert b"stage=new&amp;page=2" in response.content
    second = sales.get(QUEUE, {"stage": "new", "page": 2})
    assert len(second.context["page"].object_list) == 5


def test_queue_counts_up_to_its_limit_and_pages_on_past_it(portrait, page_for, settings):
    settings.PORTRAIT_CRM = {**settings.PORTRAIT_CRM, "QUEUE_COUNT_LIMIT": 12}
    sales = page_for(roles.SALES)
    for _ in range(35):
        evaluated(employees=80)
    first = sales.get(QUEUE, {"page_size": 10})
    assert not first.context["page"].paginator.count_is_exact
    assert b"More than 12 leads" in first.content
    assert b"Page 1</span>" in first.content
    assert b"page_size=10&amp;page=2" in first.content
    third = sales.get(QUEUE, {"page_size": 10, "page": 3})
    assert len(third.context["page"].object_list) == 10
    assert b"More than" not in third.content
    assert b"35 leads" in third.content
    assert b"Page 3 of 4" in third.content
    nothing = sales.get(QUEUE, {"page_size": 10, "page": 0})
    assert nothing.context["page"].number == 1
    assert len(nothing.context["page"].object_list) == 10


def test_queue_count_reads_no_further_than_its_limit(portrait, page_for, settings):
    settings.PORTRAIT_CRM = {**settings.PORTRAIT_CRM, "QUEUE_COUNT_LIMIT": 500}
    sales = page_for(roles.SALES)
    evaluated(employees=80)
    with CaptureQueriesContext(connection) as captured:
        response = sales.get(QUEUE)
    assert b"1 lead<" in response.content
    counts = [query["sql"] for query in captured.captured_queries if "COUNT(" in query["sql"]]
    assert len(counts) == 1
    assert "LIMIT 501" in counts[0]


@pytest.mark.parametrize(("page_size", "shown"), [(10, 10), (50, 30), ("7", 25), ("many", 25)])
def test_queue_shows_the_chosen_number_of_leads_per_page(portrait, page_for, page_size, shown):
    sales = page_for(roles.SALES)
    for _ in range(30):
        evaluated(employees=80)
    response = sales.get(QUEUE, {"page_size": page_size})
    assert len(response.context["page"].object_list) == shown
    if page_size == 10:
        assert b"page_size=10&amp;page=2" in response.content


# Session, user, its two permission sets, the count, the published segments (filter choices),
# the page of leads with segment and owner joined, the active reason codes (the inline
# override's choices) and whether the user has acknowledged the portrait in force (the banner).
QUEUE_QUERIES = 9


@pytest.mark.parametrize(("rows", "page_size"), [(5, 10), (120, 100)])
def test_queue_query_count_does_not_grow_with_rows(
    portrait, page_for, make_user, django_assert_max_num_queries, rows, page_size
):
    viewer = page_for(roles.SALES_MANAGERS)
    owners = [make_user(roles.SALES) for _ in range(3)]
    for index in range(rows):
        LeadFactory(owner=owners[index % 3], employees=40 + index)
    leads_evaluate(queryset=Lead.objects.all())
    with django_assert_max_num_queries(QUEUE_QUERIES):
        response = viewer.get(QUEUE, {"page_size": page_size})
    assert len(response.context["page"].object_list) == min(rows, page_size)


def test_queue_is_forbidden_without_a_lead_permission(db, page_for):
    assert page_for().get(QUEUE).status_code == 403


# Lead page and decisions -----------------------------------------------------------------------


def test_lead_page_explains_each_condition_with_its_actual_value(portrait, page_for):
    sales = page_for(roles.SALES)
    lead = evaluated(employees=80, country="UA")
    content = sales.get(lead_url(lead)).content.decode()
    assert "Segment: Big companies" in content
    assert "Exclusion: Sanctioned" in content
    assert "Employees is at least <bdi>50</bdi>" in content
    assert "Country is <bdi>RU</bdi>" in content
    assert "all[0]" not in content
    assert content.count('<li class="condition-yes"') == 1
    assert content.count('<li class="condition-no"') == 1
    assert "(here <bdi>80</bdi>)" in content
    assert "(here <bdi>UA</bdi>)" in content


def test_lead_page_shows_the_matched_segment_first_and_folds_the_others_with_why(
    page_for,
):
    published_portrait(
        segments=[
            ("Software houses", {"all": [{"field": "industry", "op": "eq", "value": "62.01"}]}, 1),
            ("Big companies", BIG, 2),
        ],
        exclusions=[("Sanctioned", {"all": [{"field": "country", "op": "eq", "value": "RU"}]})],
    )
    sales = page_for(roles.SALES)
    lead = evaluated(employees=12000, industry="64.19", country="UA")
    content = sales.get(lead_url(lead)).content.decode()
    matched = content.index("Segment: Big companies")
    folded = content.index('<details class="other-rules">')
    assert matched < folded < content.index("Segment: Software houses")
    assert folded < content.index("Exclusion: Sanctioned")
    assert "The other 2 rules, and why they did not decide" in content
    assert (
        "Industry is <bdi>62.01 (Computer programming activities)</bdi> — here "
        "<bdi>64.19 (Banks and other monetary intermediation)</bdi>"
    ) in content
    assert "(here <bdi>12,000</bdi>)" in content


def test_an_excluded_lead_shows_the_exclusion_first(portrait, page_for):
    sales = page_for(roles.SALES)
    lead = evaluated(employees=80, country="RU")
    content = sales.get(lead_url(lead)).content.decode()
    assert content.index("Exclusion: Sanctioned") < content.index('<details class="other-rules">')
    assert "It matches, but an exclusion applies." in content


def test_the_lead_page_words_its_criteria_in_the_readers_language(portrait, page_for):
    sales = page_for(roles.SALES)
    lead = evaluated(employees=80000, country="UA")
    sales.post(reverse("set_language"), {"language": "uk", "next": QUEUE})
    content = sales.get(lead_url(lead)).content.decode()
    explanation = content.split('class="explanation"')[1].split("</section>")[0]
    # The field's label and the number's grouping are Ukrainian's; no field name shows.
    assert "Працівники" in explanation
    assert "<bdi>80\xa0000</bdi>" in explanation
    assert "employees" not in explanation


def test_sales_sees_the_decision_form_on_an_unassigned_lead(portrait, page_for):
    sales = page_for(roles.SALES)
    lead = evaluated(employees=80)
    response = sales.get(lead_url(lead))
    assert response.context["form"] is not None
    assert b'name="csrfmiddlewaretoken"' in response.content
    assert decision_url(lead).encode() in response.content


def test_sales_decides_interesting_through_the_form(portrait, page_for):
    sales = page_for(roles.SALES)
    lead = evaluated(employees=80)

    response = sales.post(
        decision_url(lead), {"verdict": DecisionVerdict.INTERESTING, "reason": "Fits"}, follow=True
    )

    assert response.redirect_chain == [(lead_url(lead), 302)]
    decision = Decision.objects.get()
    assert (decision.lead_id, decision.verdict, decision.reason, decision.decided_by_id) == (
        lead.pk,
        DecisionVerdict.INTERESTING,
        "Fits",
        sales.user.pk,
    )
    lead.refresh_from_db()
    assert (lead.stage, lead.owner_id) == (LeadStage.QUALIFIED, sales.user.pk)
    content = response.content.decode()
    assert f"Decision recorded: {lead.company_name} is Interesting." in content
    assert '<span class="stage stage-qualified" id="lead-stage">Qualified</span>' in content


def test_override_without_reason_code_shows_the_form_error_and_changes_nothing(portrait, page_for):
    sales = page_for(roles.SALES)
    lead = evaluated(employees=80)
    assert lead.suggested_verdict == SuggestedVerdict.INTERESTING

    response = sales.post(decision_url(lead), {"verdict": DecisionVerdict.NOT_INTERESTING})

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "reason_code": [
            "Rejecting a lead the portrait suggests as interesting needs a reason code."
        ]
    }
    assert b"needs a reason code" in response.content
    assert Decision.objects.count() == 0
    lead.refresh_from_db()
    assert (lead.stage, lead.owner_id) == (LeadStage.NEW, None)


def test_override_with_reason_code_is_recorded_as_override(portrait, page_for):
    sales = page_for(roles.SALES)
    lead = evaluated(employees=80)
    code = reason("no_budget")
    response = sales.post(
        decision_url(lead),
        {"verdict": DecisionVerdict.NOT_INTERESTING, "reason_code": code.pk, "reason": "No money"},
    )
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert (decision.is_override, decision.reason_code_id) == (True, code.pk)
    history = page_for(roles.SALES_MANAGERS).get(lead_url(lead)).content.decode()
    assert '<span class="badge badge-override">override</span>' in history


FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


def test_a_decision_sent_by_the_script_answers_a_fragment_naming_the_next_lead(portrait, page_for):
    sales = page_for(roles.SALES)
    first = evaluated(employees=900)
    second = evaluated(employees=80)

    response = sales.post(decision_url(first), {"verdict": DecisionVerdict.INTERESTING}, **FETCH)

    assert response.status_code == 200
    content = response.content.decode()
    assert content.startswith('<p class="message message-success decided"')
    assert f"Decision recorded: {first.company_name} is Interesting." in content
    assert f'data-next-url="{lead_url(second)}"' in content
    assert "<html" not in content
    first.refresh_from_db()
    assert first.stage == LeadStage.QUALIFIED
    # The queue shows the fragment itself: nothing waits for the next page.
    assert b"message-success" not in sales.get(QUEUE).content


def test_the_lead_page_script_asks_for_the_message_on_the_next_lead(portrait, page_for):
    sales = page_for(roles.SALES)
    first = evaluated(employees=900)
    second = evaluated(employees=80)
    sales.post(
        decision_url(first), {"verdict": DecisionVerdict.INTERESTING, "open_next": "1"}, **FETCH
    )
    page = sales.get(lead_url(second)).content.decode()
    assert f"Decision recorded: {first.company_name} is Interesting." in page


def test_an_override_sent_by_the_script_without_a_code_asks_for_it_and_changes_nothing(
    portrait, page_for
):
    sales = page_for(roles.SALES)
    lead = evaluated(employees=80)
    response = sales.post(decision_url(lead), {"verdict": DecisionVerdict.NOT_INTERESTING}, **FETCH)
    assert response.status_code == 400
    content = response.content.decode()
    assert 'data-fields="reason_code "' in content
    assert "needs a reason code" in content
    assert "<html" not in content
    assert Decision.objects.count() == 0
    code = reason("no_budget")
    response = sales.post(
        decision_url(lead),
        {"verdict": DecisionVerdict.NOT_INTERESTING, "reason_code": code.pk, "reason": "Cash"},
        **FETCH,
    )
    assert response.status_code == 200
    assert Decision.objects.get().is_override is True


def test_a_decision_from_the_queue_without_script_returns_to_the_queue(portrait, page_for):
    sales = page_for(roles.SALES)
    lead = evaluated(employees=80)
    response = sales.post(
        decision_url(lead),
        {"verdict": DecisionVerdict.INTERESTING, "next": f"{QUEUE}?country=UA"},
    )
    assert response["Location"] == f"{QUEUE}?country=UA"
    elsewhere = sales.post(
        decision_url(lead), {"verdict": DecisionVerdict.INTERESTING, "next": "https://evil.test/"}
    )
    assert elsewhere["Location"] == lead_url(lead)


def test_queue_rows_offer_the_decision_and_explain_the_order(portrait, page_for, make_user):
    sales = page_for(roles.SALES)
    mine = evaluated(company_name="Mine", employees=80)
    evaluated(company_name="Nobody's", employees=80)
    content = sales.get(QUEUE).content.decode()
    assert f'action="{decision_url(mine)}"' in content
    assert content.count('class="decision-form quick-decision"') == 2
    assert 'aria-keyshortcuts="i"' in content and 'aria-keyshortcuts="n"' in content
    assert "Why this order:" in content
    assert "large (250 employees or more) ×1.5" in content
    assert '<dialog id="keys-help"' in content
    viewer = page_for(roles.TECHNICAL).get(QUEUE).content.decode()
    assert "decision-form" not in viewer


def test_decision_without_a_verdict_is_a_form_error(portrait, page_for):
    sales = page_for(roles.SALES)
    lead = evaluated(employees=80)
    response = sales.post(decision_url(lead), {"verdict": "maybe"})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["verdict"]
    assert Decision.objects.count() == 0


@pytest.mark.parametrize("role", [roles.TECHNICAL, roles.ADMINS, roles.INTEGRATIONS])
def test_roles_that_never_decide_see_no_form_and_a_post_is_403_changing_nothing(
    portrait, page_for, role
):
    viewer = page_for(role)
    lead = evaluated(employees=80)

    if role != roles.INTEGRATIONS:
        page = viewer.get(lead_url(lead))
        assert page.status_code == 200
        assert page.context["form"] is None
        assert b"decision-form" not in page.content
    response = viewer.post(decision_url(lead), {"verdict": DecisionVerdict.INTERESTING})

    assert response.status_code == 403
    assert Decision.objects.count() == 0
    lead.refresh_from_db()
    assert (lead.stage, lead.owner_id) == (LeadStage.NEW, None)


def test_sales_cannot_decide_another_salespersons_lead(portrait, page_for, make_user):
    sales = page_for(roles.SALES)
    owner = make_user(roles.SALES)
    lead = evaluated(employees=80, owner=owner)
    response = sales.post(decision_url(lead), {"verdict": DecisionVerdict.INTERESTING})
    assert response.status_code == 404
    assert Decision.objects.count() == 0


def test_decision_needs_post(portrait, page_for):
    sales = page_for(roles.SALES)
    lead = evaluated(employees=80)
    assert sales.get(decision_url(lead)).status_code == 405


def test_decision_post_without_csrf_token_is_refused(portrait, make_user):
    user = make_user(roles.SALES)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    lead = evaluated(employees=80)
    response = client.post(decision_url(lead), {"verdict": DecisionVerdict.INTERESTING})
    assert response.status_code == 403
    assert Decision.objects.count() == 0


# Dashboard -------------------------------------------------------------------------------------


@pytest.fixture
def decided(portrait, make_user):
    """Two salespeople: anna overrode one of one, bohdan accepted one of one."""
    anna = make_user(roles.SALES, username="anna")
    bohdan = make_user(roles.SALES, username="bohdan")
    lead_decide(
        lead=evaluated(employees=80),
        user=anna,
        verdict=DecisionVerdict.NOT_INTERESTING,
        reason_code=reason(),
    )
    lead_decide(lead=evaluated(employees=90), user=bohdan, verdict=DecisionVerdict.INTERESTING)
    evaluated(employees=70)
    return anna, bohdan


def test_manager_dashboard_shows_everyones_figures(decided, page_for):
    manager = page_for(roles.SALES_MANAGERS)
    response = manager.get(DASHBOARD)
    assert response.status_code == 200
    rows = {row.user.username: row for row in response.context["salespeople"]}
    assert {"anna", "bohdan"} <= set(rows)
    assert (rows["anna"].overrides, rows["anna"].override_percent) == (1, 100)
    assert rows["anna"].over_threshold is True
    assert (rows["bohdan"].overrides, rows["bohdan"].over_threshold) == (0, False)
    # Pool: bohdan's qualified lead and the undecided interesting one.
    assert response.context["pool"].pool == 2
    content = response.content.decode()
    assert "<svg" in content and "<title>Override rate 100%, threshold 30%</title>" in content
    assert '<th scope="row">Big companies</th>' in content


def test_sales_dashboard_shows_only_own_figures(decided, page_for, client):
    anna, _bohdan = decided
    client.force_login(anna)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert [row.user.username for row in response.context["salespeople"]] == ["anna"]
    assert b"bohdan" not in response.content
    # anna owns no lead in the pool (her lead was rejected).
    assert response.context["pool"].pool == 0


@pytest.mark.parametrize("role", [roles.TECHNICAL, roles.INTEGRATIONS])
def test_dashboard_is_forbidden_for_roles_without_figures(db, page_for, role):
    assert page_for(role).get(DASHBOARD).status_code == 403


def test_dashboard_counts_leads_per_segment_the_user_can_see(decided, page_for):
    manager = page_for(roles.SALES_MANAGERS)
    segments = manager.get(DASHBOARD).context["segments"]
    assert [(row["segment"].name, row["leads"]) for row in segments] == [("Big companies", 3)]


# Portrait --------------------------------------------------------------------------------------


def test_portrait_page_shows_segments_criteria_and_acknowledge_button(portrait, page_for):
    employee = page_for(roles.TECHNICAL)
    content = employee.get(PORTRAIT).content.decode()
    assert "Big companies" in content
    assert "Employees is at least <bdi>50</bdi>" in content
    assert "Country is <bdi>RU</bdi>" in content
    assert "I have read it" in content


def test_acknowledging_the_portrait_through_the_page(portrait, page_for):
    employee = page_for(roles.SALES)
    response = employee.post(reverse("portrait:acknowledge"), follow=True)
    assert response.status_code == 200
    acknowledgement = PortraitAcknowledgement.objects.get(document=portrait, user=employee.user)
    assert acknowledgement.acknowledged_at is not None
    assert response.context["is_acknowledged"] is True
    assert b'id="acknowledged"' in response.content
    assert b"I have read it" not in response.content


def test_integration_account_reads_the_portrait_but_cannot_acknowledge(portrait, page_for):
    account = page_for(roles.INTEGRATIONS)
    page = account.get(PORTRAIT)
    assert page.status_code == 200
    assert b"I have read it" not in page.content
    response = account.post(reverse("portrait:acknowledge"))
    assert response.status_code == 403
    assert not PortraitAcknowledgement.objects.filter(
        user=account.user, acknowledged_at__isnull=False
    ).exists()


def test_portrait_page_without_a_published_portrait(db, page_for):
    response = page_for(roles.SALES).get(PORTRAIT)
    assert response.status_code == 200
    assert b"No portrait is published yet." in response.content


# Layout and languages -------------------------------------------------------------------------


def test_layout_has_the_navigation_and_every_language(db, page_for):
    content = page_for(roles.SALES_MANAGERS).get(QUEUE).content.decode()
    for name in ("qualification:queue", "qualification:dashboard", "portrait:page"):
        assert f'href="{reverse(name)}"' in content
    assert f'href="{reverse("docs")}"' in content
    for code, _name in settings.LANGUAGES:
        assert f'<option value="{code}" lang="{code}"' in content
    assert '<html lang="en" dir="ltr">' in content


@pytest.mark.parametrize(
    "role", [roles.TECHNICAL, roles.SALES, roles.SALES_MANAGERS, roles.ADMINS, roles.INTEGRATIONS]
)
def test_the_layout_links_the_dashboard_exactly_for_those_who_may_open_it(db, page_for, role):
    user = page_for(role)
    dashboard = reverse("qualification:dashboard")
    linked = f'href="{dashboard}"' in user.get(reverse("portrait:page")).content.decode()
    assert linked == (user.get(dashboard).status_code == 200)


def test_hebrew_pages_are_right_to_left(db, page_for):
    sales = page_for(roles.SALES)
    response = sales.post(reverse("set_language"), {"language": "he", "next": QUEUE})
    assert response.status_code == 302
    content = sales.get(QUEUE).content.decode()
    assert '<html lang="he" dir="rtl">' in content


# Query counts of the pages that list rows --------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


def test_dashboard_query_count_does_not_grow_with_salespeople_or_leads(
    portrait, page_for, make_user
):
    manager = page_for(roles.SALES_MANAGERS)
    make_user(roles.SALES)
    evaluated(employees=80)
    few = _queries(manager, DASHBOARD)
    for _ in range(5):
        lead_decide(
            lead=evaluated(employees=80), user=make_user(roles.SALES), verdict="interesting"
        )
        evaluated(employees=10)
    assert _queries(manager, DASHBOARD) == few


def test_lead_page_query_count_does_not_grow_with_the_decision_history(portrait, page_for):
    manager = page_for(roles.SALES_MANAGERS)
    lead = evaluated(employees=80)
    lead_decide(lead=lead, user=manager.user, verdict="interesting")
    once = _queries(manager, lead_url(lead))
    for verdict in ["not_interesting", "interesting", "not_interesting"]:
        lead_decide(lead=lead, user=manager.user, verdict=verdict, reason_code=reason())
    assert _queries(manager, lead_url(lead)) == once


# The acknowledgement banner and its share ---------------------------------------------------


def test_every_page_asks_an_employee_who_has_not_acknowledged_the_version_in_force(
    portrait, page_for
):
    sales = page_for(roles.SALES)
    for url in (QUEUE, reverse("crm:feedback"), reverse("crm:service-rules")):
        content = sales.get(url).content.decode()
        assert f"Version {portrait.version} of the portrait of our client is in force" in content
        assert f'href="{PORTRAIT}#acknowledge"' in content
    # Not on the portrait page itself, where the button is.
    assert b"acknowledge-banner" not in sales.get(PORTRAIT).content
    sales.post(reverse("portrait:acknowledge"))
    assert b"acknowledge-banner" not in sales.get(QUEUE).content


def test_the_banner_asks_an_employee_who_joined_after_the_publish_too(portrait, page_for):
    # Joined later: no acknowledgement request was made for them when it was published.
    late = page_for(roles.TECHNICAL)
    assert not PortraitAcknowledgement.objects.filter(user=late.user).exists()
    assert b"acknowledge-banner" in late.get(QUEUE).content


def test_no_banner_for_accounts_that_never_acknowledge_or_without_a_portrait(db, page_for):
    assert b"acknowledge-banner" not in page_for(roles.SALES).get(QUEUE).content
    published_portrait()
    assert b"acknowledge-banner" not in page_for(roles.INTEGRATIONS).get(PORTRAIT).content


def test_the_dashboard_shows_the_share_of_employees_who_acknowledged(portrait, page_for, make_user):
    manager = page_for(roles.SALES_MANAGERS)
    others = [make_user(roles.SALES), make_user(roles.TECHNICAL), make_user(roles.SALES)]
    make_user(roles.INTEGRATIONS)  # never asked
    make_user(roles.SALES, is_active=False)  # gone
    for user in others[:2]:
        PortraitAcknowledgement.objects.update_or_create(
            document=portrait, user=user, defaults={"acknowledged_at": portrait.created_at}
        )
    response = manager.get(DASHBOARD)
    share = response.context["acknowledgements"]
    assert (share.acknowledged, share.expected, share.percent) == (2, 4, 50)
    content = response.content.decode()
    assert '<span class="tile-value" id="acknowledged-share">50%</span>' in content
    assert f"2 of 4 employees acknowledged version {portrait.version}" in content


def test_the_dashboard_writes_numbers_and_money_in_the_readers_locale(portrait, page_for):
    from decimal import Decimal

    from portrait.models import Segment

    Segment.objects.filter(portrait=portrait).update(
        capacity=12000, average_deal_value=Decimal("2500.5")
    )
    manager = page_for(roles.SALES_MANAGERS)
    english = manager.get(DASHBOARD).content.decode()
    assert '<td class="number">12,000</td>' in english
    assert "30,006,000.00 UAH" in english
    manager.post(reverse("set_language"), {"language": "uk", "next": DASHBOARD})
    ukrainian = manager.get(DASHBOARD).content.decode()
    assert '<td class="number">12\xa0000</td>' in ukrainian
    assert "30\xa0006\xa0000,00 UAH" in ukrainian


def test_queue_query_count_is_the_same_at_two_page_sizes_for_a_salesperson(portrait, page_for):
    sales = page_for(roles.SALES)
    for index in range(12):
        evaluated(employees=40 + index, owner=sales.user if index % 2 else None)
    few = _queries(sales, f"{QUEUE}?page_size=10")
    for index in range(100):
        LeadFactory(employees=300 + index)
    leads_evaluate(queryset=Lead.objects.all())
    many = _queries(sales, f"{QUEUE}?page_size=100&assigned=&country=")
    assert few == many == QUEUE_QUERIES
