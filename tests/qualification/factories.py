import factory

from qualification.models import Lead, LeadSource
from qualification.services.leads import lead_identity_ensure


class LeadFactory(factory.django.DjangoModelFactory):
    """A lead with its own identity (as every synced lead has)."""

    class Meta:
        model = Lead

    source = "erp"
    external_id = factory.Sequence(lambda n: f"ext-{n}")
    company_name = factory.Sequence(lambda n: f"Company {n}")
    country = "UA"
    employees = 50

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        lead = super()._create(model_class, *args, **kwargs)
        lead_identity_ensure(lead=lead)
        return lead


class LeadSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeadSource
        django_get_or_create = ("name",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"source{n}")

    @factory.post_generation
    def accounts(self, create, extracted, **kwargs):
        if create and extracted:
            self.accounts.add(*extracted)
