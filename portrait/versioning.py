"""The versioned-document pattern: draft → published → archived, acknowledged by staff.

Written once here; the portrait uses it and the service rules of stage 2 reuse it.
A concrete document subclasses ``VersionedDocument``; its acknowledgements
subclass ``DocumentAcknowledgement`` with a ``document`` foreign key.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portrait.choices import DocumentStatus


class VersionedDocument(models.Model):
    """A document with numbered versions; exactly one published version is in force."""

    name = models.CharField(_("name"), max_length=200)
    version = models.PositiveIntegerField(_("version"), editable=False)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=DocumentStatus.choices,
        default=DocumentStatus.DRAFT,
        editable=False,
    )
    based_on = models.ForeignKey(
        "self",
        verbose_name=_("based on"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"{self.name} v{self.version} ({self.get_status_display()})"

    @property
    def is_draft(self) -> bool:
        return self.status == DocumentStatus.DRAFT

    @classmethod
    def versioning_constraints(cls, prefix: str) -> list[models.BaseConstraint]:
        """One published version at a time; version numbers never repeat."""
        return [
            models.UniqueConstraint(fields=["version"], name=f"{prefix}_unique_version"),
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status=DocumentStatus.PUBLISHED),
                name=f"{prefix}_single_published",
            ),
        ]


class DocumentAcknowledgement(models.Model):
    """An employee's confirmation that they read a published version."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("employee"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None
