"""Import jobs: the upload, and a job with its progress."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from qualification.imports.reading import DELIMITERS, ENCODINGS
from qualification.imports.services import lead_import_progress
from qualification.models import LeadImport


class LeadImportCreateSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=_("A CSV (UTF-8, Windows-1251 or -1250; , ; or tab) or JSON Lines file.")
    )
    source = serializers.CharField(max_length=64, help_text=_("The source the leads belong to."))
    encoding = serializers.ChoiceField(
        choices=list(ENCODINGS), required=False, help_text=_("Default: detected.")
    )
    delimiter = serializers.ChoiceField(
        choices=list(DELIMITERS), required=False, help_text=_("Default: detected.")
    )


class LeadImportSerializer(serializers.ModelSerializer):
    percent = serializers.SerializerMethodField()
    rows_per_second = serializers.SerializerMethodField()
    seconds_left = serializers.SerializerMethodField()
    delimiter = serializers.SerializerMethodField()
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = LeadImport
        fields = [
            "id",
            "state",
            "source",
            "file_name",
            "file_size",
            "kind",
            "encoding",
            "delimiter",
            "requested_by",
            "total_rows",
            "rows",
            "created",
            "updated",
            "unchanged",
            "rejected",
            "percent",
            "rows_per_second",
            "seconds_left",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def _progress(self, job) -> dict:
        cache = self.context.setdefault("progress", {})
        if job.pk not in cache:
            cache[job.pk] = lead_import_progress(job)
        return cache[job.pk]

    def get_percent(self, job) -> int:
        return self._progress(job)["percent"]

    def get_rows_per_second(self, job) -> float | None:
        return self._progress(job)["rows_per_second"]

    def get_seconds_left(self, job) -> int | None:
        return self._progress(job)["seconds_left"]

    def get_delimiter(self, job) -> str | None:
        return next((name for name, value in DELIMITERS.items() if value == job.delimiter), None)
