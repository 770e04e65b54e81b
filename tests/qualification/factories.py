import factory

from qualification.models import Lead, LeadSource


class LeadFactory(factory.django.DjangoModelFactory):
    """A lead of the ``erp`` source (its identity is its own source and external id)."""

    class Meta:
        model = Lead

    source = "erp"
    external_id = factory.Sequence(lambda n: f"ext-{n}")
    company_name = factory.Sequence(lambda n: f"Company {n}")
    country = "UA"
    employees = 50


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
