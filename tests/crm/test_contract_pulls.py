"""A signing changes the lead's stage: pulls of changes (``updated_since``) announce it."""

import datetime

from django.urls import reverse

from crm.contracts.services import contract_sign
from portrait import roles
from qualification.models import Lead
from tests.crm.factories import contract_data, qualified_lead
from tests.qualification.factories import LeadFactory

LONG_AGO = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)


def test_a_signed_lead_comes_in_the_next_pull_as_contracted(client_for, make_user):
    seller = make_user(roles.SALES)
    lead = qualified_lead(seller)
    LeadFactory()  # left alone: not in the pull
    Lead.objects.update(updated_at=LONG_AGO)

    contract_sign(lead=lead, user=seller, data=contract_data("K-1"))

    response = client_for(roles.ADMINS).get(
        reverse("v1:lead-list"),
        {"updated_since": (LONG_AGO + datetime.timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 200
    assert [(item["id"], item["stage"]) for item in response.json()["results"]] == [
        (lead.pk, "contracted")
    ]
