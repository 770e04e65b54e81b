"""Bulk re-evaluation runs: a run per published portrait, split into id-range chunks.

Each chunk is one UPDATE, committed on its own and recorded as done, so the
progress is visible and a crashed run resumes where it stopped.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EvaluationRunStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    SUPERSEDED = "superseded", _("Superseded by a newer portrait")


class EvaluationRun(models.Model):
    """Re-evaluation of every lead against one published portrait version."""

    portrait = models.ForeignKey(
        "portrait.Portrait",
        verbose_name=_("portrait"),
        on_delete=models.CASCADE,
        related_name="evaluation_runs",
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=EvaluationRunStatus.choices,
        default=EvaluationRunStatus.PENDING,
    )
    total_chunks = models.PositiveIntegerField(_("chunks"), default=0)
    done_chunks = models.PositiveIntegerField(_("chunks done"), default=0)
    lead_count = models.PositiveIntegerField(_("leads evaluated"), default=0)
    # What the version before left that this one cannot change (``evaluation.settled``):
    # the leads in these segments, and those hit only by these exclusions, are not
    # evaluated again.
    settled_segment_ids = models.JSONField(
        _("segments whose leads keep their outcome"), default=list, blank=True
    )
    settled_exclusion_ids = models.JSONField(
        _("exclusions whose leads keep their outcome"), default=list, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("evaluation run")
        verbose_name_plural = _("evaluation runs")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.portrait_id} #{self.pk} ({self.get_status_display()})"

    @property
    def percent_done(self) -> int:
        """Chunks done as a whole percentage (100 for a run with nothing to do)."""
        if not self.total_chunks:
            return 100 if self.status == EvaluationRunStatus.DONE else 0
        return self.done_chunks * 100 // self.total_chunks


class EvaluationChunk(models.Model):
    """One id range ``[lower_id, upper_id)`` of a run: evaluated by one UPDATE."""

    run = models.ForeignKey(
        EvaluationRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="chunks"
    )
    lower_id = models.BigIntegerField(_("from id"))
    upper_id = models.BigIntegerField(_("to id (exclusive)"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    updated_rows = models.PositiveIntegerField(_("updated leads"), default=0)

    class Meta:
        verbose_name = _("evaluation chunk")
        verbose_name_plural = _("evaluation chunks")
        ordering = ["run", "lower_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "lower_id"], name="evaluation_chunk_once"),
            models.CheckConstraint(
                condition=models.Q(upper_id__gt=models.F("lower_id")),
                name="evaluation_chunk_nonempty_range",
            ),
        ]

    def __str__(self) -> str:
        return f"[{self.lower_id}, {self.upper_id})"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None
