"""Filters shared by the apps: dates as the schema states them, and lenient page filters."""

import datetime

import django_filters
import django_filters.fields
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

# The widest offset any time zone has used (Kiribati, +14:00).
_LARGEST_OFFSET = datetime.timedelta(hours=14)


class _PresentMeansGiven:
    """A parameter sent empty is an error, not "no filter": the schema gives it a format."""

    def clean(self, value):
        if value == "":
            raise ValidationError(_("Give a value or leave the filter out."), code="empty")
        return super().clean(value)


class _IsoDateTimeField(_PresentMeansGiven, IsoDateTimeField):
    """An instant the database can hold: an offset within ±14:00, in the years it counts."""

    def to_python(self, value):
        instant = super().to_python(value)
        if instant is None:
            return None
        offset = instant.utcoffset()
        try:
            if offset is not None and abs(offset) > _LARGEST_OFFSET:
                raise OverflowError
            instant.astimezone(datetime.UTC)
        except OverflowError:
            raise ValidationError(
                _("Enter a date and time the calendar holds."), code="invalid"
            ) from None
        return instant


class _IsoDateField(_PresentMeansGiven, forms.DateField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        super().__init__(*args, **kwargs)


class _ChoiceField(_PresentMeansGiven, django_filters.fields.ChoiceField):
    pass


class _BooleanField(_PresentMeansGiven, forms.NullBooleanField):
    """``true`` or ``false`` (``1``/``0`` too); anything else is an error, not "any"."""

    _VALUES = {"true": True, "1": True, "false": False, "0": False}
    # The raw text reaches ``to_python``: a select widget would read "maybe" as "any".
    widget = forms.TextInput

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        if str(value).lower() not in self._VALUES:
            raise ValidationError(_("Give true or false."), code="invalid")
        return self._VALUES[str(value).lower()]

    def validate(self, value):
        pass


class ChoiceFilter(django_filters.ChoiceFilter):
    """One of the listed values; sent empty it is an error (a page's form subclasses the
    lenient one, where empty means "any")."""

    field_class = _ChoiceField


class BooleanFilter(django_filters.BooleanFilter):
    field_class = _BooleanField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 date and time, as the schema's ``date-time`` says."""

    field_class = _IsoDateTimeField


class IsoDateFilter(django_filters.DateFilter):
    """A date as ``YYYY-MM-DD``, as the schema's ``date`` says."""

    field_class = _IsoDateField


class PageFilterSetMixin:
    """For a FilterSet behind a page: an invalid value is left out (and shown with its error)
    while the other filters apply, rather than the whole query failing as on the API.
    """

    def valid_qs(self):
        """The queryset narrowed by the filters whose values are valid."""
        if not self.valid_values():
            return self.queryset
        return self.filter_queryset(self.queryset)

    def valid_values(self) -> dict:
        """The cleaned values of the valid fields; none for an unbound form."""
        if not self.is_bound:
            return {}
        self.form.is_valid()  # cleaned_data then holds the valid fields only
        return self.form.cleaned_data
