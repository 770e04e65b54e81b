"""Data steps of the migrations, run on rows the way the migration meets them."""

import importlib

from django.apps import apps
from django.db import connection

from qualification.models import LeadIdentity
from tests.qualification.factories import LeadFactory

identities_only_merged = importlib.import_module(
    "qualification.migrations.0006_lead_identities_only_merged"
)


class StatementRunner:
    """What the data steps use of a schema editor (SQLite refuses a real one in a test)."""

    connection = connection

    def execute(self, sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)


def identity_rows() -> set[tuple[int, str, str]]:
    return set(LeadIdentity.objects.values_list("lead_id", "source", "external_id"))


def test_own_identities_are_dropped_and_merged_ones_kept_then_restored(db):
    survivor, other = LeadFactory(external_id="s"), LeadFactory(external_id="o")
    # What 0005 left: every lead's own key, plus one a merge moved to the survivor.
    for lead in (survivor, other):
        LeadIdentity.objects.create(lead=lead, source=lead.source, external_id=lead.external_id)
    LeadIdentity.objects.create(lead=survivor, source="web", external_id="merged")

    identities_only_merged.drop_own_identities(apps, StatementRunner())
    assert identity_rows() == {(survivor.pk, "web", "merged")}

    identities_only_merged.restore_own_identities(apps, StatementRunner())
    assert identity_rows() == {
        (survivor.pk, "erp", "s"),
        (other.pk, "erp", "o"),
        (survivor.pk, "web", "merged"),
    }
