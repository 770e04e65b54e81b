"""A task to send to the broker, recorded with the work that needs it."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """One task call, written in the transaction that asks for it and sent after commit.

    It commits or rolls back with that work: a broker that is away at commit loses
    nothing (the row waits for the sweeper), and work that rolls back sends nothing.
    ``dispatched_at`` is set once the broker has taken the message.
    """

    task_name = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["-id"]
        indexes = [
            # The sweeper reads the rows never sent, oldest first.
            models.Index(
                fields=["created_at"],
                condition=models.Q(dispatched_at__isnull=True),
                name="outbox_undispatched_idx",
            ),
            # "Was this task asked for lately?" (``enqueue_again_on_commit``).
            models.Index(fields=["task_name", "created_at"], name="outbox_task_recent_idx"),
        ]

    def __str__(self) -> str:
        arguments = ", ".join(map(str, self.args))
        return f"{self.task_name}({arguments})"

    @property
    def is_dispatched(self) -> bool:
        return self.dispatched_at is not None
