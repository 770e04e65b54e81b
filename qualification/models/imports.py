"""Bulk import jobs: a file of leads for one source, written in chunks by the workers.

A job is planned into chunks of rows (their byte ranges in the file); each chunk is read,
validated and merged into the leads in one transaction that also marks it done, so a
worker killed mid-job leaves whole chunks behind and the next one resumes after them.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LeadImportState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class LeadImport(models.Model):
    """One uploaded file of leads for one source, imported in the background."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lead_imports",
    )
    source = models.CharField(_("source"), max_length=64)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    file_path = models.CharField(_("stored file"), max_length=500, blank=True)
    file_size = models.BigIntegerField(_("file size (bytes)"), default=0)
    kind = models.CharField(_("format"), max_length=8)
    encoding = models.CharField(_("encoding"), max_length=16)
    delimiter = models.CharField(_("delimiter"), max_length=1, blank=True)
    columns = models.JSONField(_("columns"), default=list, blank=True)
    data_offset = models.BigIntegerField(_("first data byte"), default=0)
    data_line = models.PositiveIntegerField(_("first data line"), default=1)
    language = models.CharField(_("language of messages"), max_length=16, default="en")
    state = models.CharField(
        _("state"), max_length=16, choices=LeadImportState.choices, default=LeadImportState.QUEUED
    )
    total_rows = models.PositiveIntegerField(_("rows in the file"), null=True, blank=True)
    total_chunks = models.PositiveIntegerField(_("chunks"), default=0)
    rows = models.PositiveIntegerField(_("rows read"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    progress_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("lead import")
        verbose_name_plural = _("lead imports")
        ordering = ["-id"]
        permissions = [("view_all_leadimports", _("Can see everyone's lead imports"))]
        indexes = [models.Index(fields=["requested_by", "-id"], name="lead_import_requester_idx")]

    def __str__(self) -> str:
        return f"{self.file_name} → {self.source} ({self.get_state_display()})"

    @property
    def is_finished(self) -> bool:
        return self.state in (
            LeadImportState.DONE,
            LeadImportState.FAILED,
            LeadImportState.CANCELLED,
        )


class LeadImportChunk(models.Model):
    """A run of rows of a job's file, from a byte offset: written in one transaction."""

    job = models.ForeignKey(
        LeadImport, verbose_name=_("import"), on_delete=models.CASCADE, related_name="chunks"
    )
    number = models.PositiveIntegerField(_("number"))
    start_offset = models.BigIntegerField(_("first byte"))
    start_line = models.PositiveIntegerField(_("first line"))
    row_count = models.PositiveIntegerField(_("rows"))
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("lead import chunk")
        verbose_name_plural = _("lead import chunks")
        ordering = ["job", "number"]
        constraints = [
            models.UniqueConstraint(fields=["job", "number"], name="lead_import_chunk_once"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id} #{self.number}"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class LeadImportRejection(models.Model):
    """One message about a rejected row of a job: its line, its column and what is wrong."""

    job = models.ForeignKey(
        LeadImport, verbose_name=_("import"), on_delete=models.CASCADE, related_name="rejections"
    )
    line = models.PositiveIntegerField(_("line"))
    column = models.CharField(_("column"), max_length=200, blank=True)
    message = models.TextField(_("message"))

    class Meta:
        verbose_name = _("rejected row")
        verbose_name_plural = _("rejected rows")
        ordering = ["job", "line", "id"]
        indexes = [models.Index(fields=["job", "line"], name="lead_import_rejection_line_idx")]

    def __str__(self) -> str:
        return f"{self.line} {self.column}: {self.message}"
