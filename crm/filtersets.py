"""Filters of stage 2's lists, for the API and the pages alike."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.filters import BooleanFilter, ChoiceFilter, IsoDateFilter, PageFilterSetMixin
from crm.choices import Channel, ClientKind, FeedbackKind, FeedbackStatus
from crm.clients.selectors import client_owners
from crm.feedback.selectors import feedback_overdue
from crm.models import Client, Contract, Feedback, Negotiation
from qualification.filtersets import IdFilter


class ClientFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", max_length=255, label=_("Search"))
    kind = ChoiceFilter(choices=ClientKind.choices, label=_("Kind"), empty_label=_("Any kind"))
    owner = IdFilter(field_name="owner_id", label=_("Owner id"))

    class Meta:
        model = Client
        fields = ["q", "kind", "owner"]

    def search(self, queryset, name, value):
        """By the client's name or a contact's name or e-mail."""
        return queryset.filter(
            Q(name__icontains=value)
            | Q(contacts__name__icontains=value)
            | Q(contacts__email__icontains=value)
        ).distinct()


class ClientPageFilterSet(PageFilterSetMixin, ClientFilterSet):
    """The clients page's filters: the owners to choose from by name."""

    owner = django_filters.ModelChoiceFilter(
        queryset=client_owners(), label=_("Account owner"), empty_label=_("Any owner")
    )
    # On the page an empty choice means "any".
    kind = django_filters.ChoiceFilter(
        choices=ClientKind.choices, label=_("Kind"), empty_label=_("Any kind")
    )


class ContractFilterSet(django_filters.FilterSet):
    client = IdFilter(field_name="client_id", label=_("Client id"))
    lead = IdFilter(field_name="lead_id", label=_("Lead id"))
    signed_since = IsoDateFilter(
        field_name="signed_on", lookup_expr="gte", label=_("Signed on or after")
    )

    class Meta:
        model = Contract
        fields = ["client", "lead", "signed_since"]


class NegotiationFilterSet(django_filters.FilterSet):
    client = IdFilter(field_name="client_id", label=_("Client id"))
    is_open = BooleanFilter(method="open_only", label=_("Open (no outcome yet)"))
    overdue = BooleanFilter(method="overdue_only", label=_("Past its deadline"))

    class Meta:
        model = Negotiation
        fields = ["client", "is_open", "overdue"]

    def open_only(self, queryset, name, value):
        return queryset.filter(outcome="") if value else queryset.exclude(outcome="")

    def overdue_only(self, queryset, name, value):
        overdue = Q(outcome="", deadline__lt=timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class FeedbackFilterSet(django_filters.FilterSet):
    status = ChoiceFilter(choices=FeedbackStatus.choices, label=_("Status"))
    resolved = BooleanFilter(method="resolved_only", label=_("Resolved"))
    overdue = BooleanFilter(method="overdue_only", label=_("Past a deadline"))
    client = IdFilter(field_name="client_id", label=_("Client id"))
    kind = ChoiceFilter(choices=FeedbackKind.choices, label=_("Kind"))
    channel = ChoiceFilter(choices=Channel.choices, label=_("Channel"))

    class Meta:
        model = Feedback
        fields = ["status", "resolved", "overdue", "client", "kind", "channel"]

    def resolved_only(self, queryset, name, value):
        resolved = Q(status=FeedbackStatus.RESOLVED)
        return queryset.filter(resolved) if value else queryset.exclude(resolved)

    def overdue_only(self, queryset, name, value):
        overdue = feedback_overdue(queryset)
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))


def _any_yes_no() -> forms.Select:
    return forms.Select(choices=[("", _("Any")), ("true", _("Yes")), ("false", _("No"))])


class FeedbackPageFilterSet(PageFilterSetMixin, FeedbackFilterSet):
    """The feedback queue's filters: the same, where an empty choice means "any"."""

    status = django_filters.ChoiceFilter(
        choices=FeedbackStatus.choices, label=_("Status"), empty_label=_("Any status")
    )
    resolved = django_filters.BooleanFilter(
        method="resolved_only", label=_("Resolved"), widget=_any_yes_no()
    )
    overdue = django_filters.BooleanFilter(
        method="overdue_only", label=_("Past a deadline"), widget=_any_yes_no()
    )
    kind = django_filters.ChoiceFilter(
        choices=FeedbackKind.choices, label=_("Kind"), empty_label=_("Any kind")
    )
    channel = django_filters.ChoiceFilter(
        choices=Channel.choices, label=_("Channel"), empty_label=_("Any channel")
    )

    class Meta(FeedbackFilterSet.Meta):
        pass
