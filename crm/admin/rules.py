"""The service rules in the admin, on the versioned document's pattern: drafts written with
their targets, published and copied through the services, who has not read them listed."""

import datetime

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from crm.models import ServiceRules, ServiceRulesAcknowledgement, ServiceTarget
from crm.models.rules import WEEKDAYS
from crm.rules.services import SERVICE_RULES_SERVICES
from portrait.versioning.admin import (
    VERSION_FIELDSET,
    DocumentAcknowledgementAdminMixin,
    DraftOnlyInlineMixin,
    VersionedDocumentAdminMixin,
)


class WeeklyHoursField(forms.CharField):
    """The opening hours as people write them, a weekday a line:
    ``mon: 09:00-13:00, 14:00-18:00``; a day left empty or out is closed."""

    widget = forms.Textarea(attrs={"rows": 7, "cols": 40, "dir": "ltr"})

    def prepare_value(self, value):
        if not isinstance(value, dict):
            return value
        return "\n".join(
            f"{day}: " + ", ".join(f"{start}-{end}" for start, end in value.get(day, []))
            for day in WEEKDAYS
        )

    def to_python(self, value):
        text = super().to_python(value)
        hours = {day: [] for day in WEEKDAYS}
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            token, colon, intervals = line.partition(":")
            token = token.strip().lower()
            day = token[:3]  # "mon" or "monday"
            if not colon or not token.isalpha() or day not in hours:
                raise ValidationError(
                    _("Line %(number)s: start with a weekday (mon … sun) and a colon.")
                    % {"number": number}
                )
            for interval in filter(None, (part.strip() for part in intervals.split(","))):
                start, dash, end = interval.replace("–", "-").partition("-")
                if not dash:
                    raise ValidationError(
                        _("Line %(number)s: write each interval as 09:00-18:00.")
                        % {"number": number}
                    )
                hours[day].append([start.strip(), end.strip()])
        return hours


class ClosedDaysField(forms.CharField):
    """The company's own closed days, a date (YYYY-MM-DD) a line."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 20, "dir": "ltr"})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        days = []
        for line in super().to_python(value).splitlines():
            if line.strip():
                try:
                    days.append(datetime.date.fromisoformat(line.strip()).isoformat())
                except ValueError:
                    raise ValidationError(
                        _("%(value)s is not a date (YYYY-MM-DD).") % {"value": line.strip()}
                    ) from None
        return sorted(set(days))


class ServiceRulesForm(forms.ModelForm):
    hours = WeeklyHoursField(
        label=_("opening hours"),
        help_text=_("A weekday a line: mon: 09:00-13:00, 14:00-18:00. An empty day is closed."),
    )
    closed_days = ClosedDaysField(
        label=_("closed days"),
        required=False,
        help_text=_("The company's own closed days, a date (YYYY-MM-DD) a line."),
    )

    class Meta:
        model = ServiceRules
        fields = ["name", "standards", "time_zone", "holiday_country", "hours", "closed_days"]


class ServiceTargetInline(DraftOnlyInlineMixin, admin.TabularInline):
    model = ServiceTarget
    fields = [
        "channel",
        "severity",
        "client_kind",
        "first_response_minutes",
        "resolution_minutes",
    ]


@admin.register(ServiceRules)
class ServiceRulesAdmin(VersionedDocumentAdminMixin, SimpleHistoryAdmin):
    document_services = SERVICE_RULES_SERVICES
    form = ServiceRulesForm
    inlines = [ServiceTargetInline]
    fieldsets = [
        (None, {"fields": ["name", "standards"]}),
        (
            _("Service calendar"),
            {"fields": ["time_zone", "holiday_country", "hours", "closed_days"]},
        ),
        VERSION_FIELDSET,
    ]


@admin.register(ServiceRulesAcknowledgement)
class ServiceRulesAcknowledgementAdmin(DocumentAcknowledgementAdminMixin, admin.ModelAdmin):
    """Who was asked to read which version of the service rules, and who has."""
