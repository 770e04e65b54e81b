"""The abstract models of a versioned document and of its acknowledgements.

A concrete document subclasses ``VersionedDocument`` and declares
``acknowledgement_model``: its own subclass of ``DocumentAcknowledgement``, whose
``document`` foreign key points back at it. The system check below holds the two
declarations together, so a document cannot be published with nobody to ask.
"""

from django.apps import apps
from django.conf import settings
from django.core import checks
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

    #: Who was asked to read which version: ``"app_label.ModelName"`` of a
    #: ``DocumentAcknowledgement`` whose ``document`` points at this model.
    acknowledgement_model: str = ""
    #: Related managers (children) copied with the document by ``document_copy_as_draft``.
    copied_relations: tuple[str, ...] = ()

    class Meta:
        abstract = True
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"{self.name} v{self.version} ({self.get_status_display()})"

    @property
    def is_draft(self) -> bool:
        return self.status == DocumentStatus.DRAFT

    @classmethod
    def get_acknowledgement_model(cls) -> type["DocumentAcknowledgement"]:
        """The declared acknowledgement model (a lazy name, as the two refer to each other)."""
        return apps.get_model(cls.acknowledgement_model)

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

    @classmethod
    def check(cls, **kwargs) -> list[checks.CheckMessage]:
        return [*super().check(**kwargs), *cls._check_acknowledgement_model()]

    @classmethod
    def _check_acknowledgement_model(cls) -> list[checks.CheckMessage]:
        try:
            model = cls.get_acknowledgement_model()
        except (LookupError, ValueError):
            return [
                checks.Error(
                    f"{cls._meta.label}.acknowledgement_model names no installed model.",
                    hint="Declare it as 'app_label.ModelName'.",
                    obj=cls,
                    id="portrait.E001",
                )
            ]
        document = next((field for field in model._meta.fields if field.name == "document"), None)
        if (
            not issubclass(model, DocumentAcknowledgement)
            or getattr(document, "related_model", None) is not cls
        ):
            return [
                checks.Error(
                    f"{model._meta.label} must be a DocumentAcknowledgement whose "
                    f"'document' foreign key points at {cls._meta.label}.",
                    obj=cls,
                    id="portrait.E002",
                )
            ]
        return []


class DocumentAcknowledgement(models.Model):
    """An employee's confirmation that they read a published version.

    A concrete subclass adds ``document``, the foreign key to its document model,
    and a unique constraint on ``(document, user)``: one request per employee.
    """

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
