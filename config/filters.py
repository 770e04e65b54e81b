"""Filters on pages for people, where a stale link should keep what still applies."""


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
