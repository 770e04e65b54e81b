"""The service reports as the API shows them."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class DeadlineSerializer(serializers.Serializer):
    decided = serializers.IntegerField(
        help_text=_("Items answered, or whose deadline passed unanswered.")
    )
    met = serializers.IntegerField(help_text=_("Of those, answered by the deadline."))
    share = serializers.DecimalField(
        max_digits=5, decimal_places=4, allow_null=True, help_text=_("met ÷ decided")
    )


class ServiceFiguresSerializer(serializers.Serializer):
    month = serializers.DateField(allow_null=True, help_text=_("None: over every month."))
    items = serializers.IntegerField()
    response = DeadlineSerializer(help_text=_("The first response's deadline."))
    resolution = DeadlineSerializer(help_text=_("The resolution's deadline."))
    median_response_minutes = serializers.FloatField(
        allow_null=True, help_text=_("Median service minutes to the first response given.")
    )
    median_resolution_minutes = serializers.FloatField(
        allow_null=True, help_text=_("Median service minutes to the resolution given.")
    )

    def to_representation(self, instance):
        month, figures = instance
        return {
            "month": month.isoformat() if month else None,
            "items": figures.items,
            "response": {
                "decided": figures.response_decided,
                "met": figures.response_met,
                "share": _decimal(figures.response_share),
            },
            "resolution": {
                "decided": figures.resolution_decided,
                "met": figures.resolution_met,
                "share": _decimal(figures.resolution_share),
            },
            "median_response_minutes": figures.median_response_minutes,
            "median_resolution_minutes": figures.median_resolution_minutes,
        }


class RatingFiguresSerializer(serializers.Serializer):
    month = serializers.DateField(allow_null=True, help_text=_("None: over every month."))
    average = serializers.DecimalField(max_digits=3, decimal_places=2)
    ratings = serializers.IntegerField()

    def to_representation(self, instance):
        month, figures = instance
        return {
            "month": month.isoformat() if month else None,
            "average": _decimal(figures.average),
            "ratings": figures.ratings,
        }


def _decimal(value):
    return None if value is None else str(value)


class _RowSerializer(serializers.Serializer):
    """One key's figures: the months it has items in, and its total over them."""

    figures_class: type[serializers.Serializer]

    key = serializers.JSONField(
        allow_null=True,
        help_text=_("The channel's code, or the client's, department's or owner's id."),
    )
    label = serializers.CharField()

    def to_representation(self, row):
        figures = self.figures_class()
        return {
            "key": row.key,
            "label": row.label,
            "months": [
                figures.to_representation((month, cell))
                for month, cell in zip(self.context["months"], row.cells, strict=True)
                if cell is not None
            ],
            "total": None if row.total is None else figures.to_representation((None, row.total)),
        }


class ServiceRowSerializer(_RowSerializer):
    figures_class = ServiceFiguresSerializer
    months = ServiceFiguresSerializer(many=True, help_text=_("Months with items, oldest first."))
    total = ServiceFiguresSerializer(allow_null=True)


class RatingRowSerializer(_RowSerializer):
    figures_class = RatingFiguresSerializer
    months = RatingFiguresSerializer(many=True, help_text=_("Months with ratings, oldest first."))
    total = RatingFiguresSerializer(allow_null=True)


class _ReportSerializer(serializers.Serializer):
    row_class: type[_RowSerializer]

    by = serializers.CharField()
    months = serializers.ListField(child=serializers.DateField())

    def to_representation(self, report):
        rows = self.row_class(context={"months": report.months})
        return {
            "by": report.by,
            "months": [month.isoformat() for month in report.months],
            "rows": [rows.to_representation(row) for row in report.rows],
            "overall": rows.to_representation(report.overall),
        }


class ServiceReportSerializer(_ReportSerializer):
    """Deadlines met and median waiting times per key and month."""

    row_class = ServiceRowSerializer
    rows = ServiceRowSerializer(many=True)
    overall = ServiceRowSerializer(help_text=_("Every item together."))


class RatingReportSerializer(_ReportSerializer):
    """The average rating per key and month."""

    row_class = RatingRowSerializer
    rows = RatingRowSerializer(many=True)
    overall = RatingRowSerializer(help_text=_("Every rating together."))


class OutOfTouchSerializer(serializers.Serializer):
    client = serializers.IntegerField(source="client.pk")
    name = serializers.CharField(source="client.name")
    owner = serializers.IntegerField(source="client.owner_id", allow_null=True)
    owner_username = serializers.CharField(
        source="client.owner.username", allow_null=True, default=None
    )
    last_contact = serializers.DateField(
        allow_null=True, help_text=_("The last contact's date; null: never contacted.")
    )
    days = serializers.IntegerField(help_text=_("Days without contact."))
