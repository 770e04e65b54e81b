"""Clients of every kind, the departments of our own organisation, and whom to talk to."""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.choices import Channel, ClientKind


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(zone)s.") % {"zone": value})


def validate_channels(value) -> None:
    if not isinstance(value, list) or not all(
        isinstance(channel, str) and channel in Channel.values for channel in value
    ):
        raise ValidationError(
            _("A list of channels, each one of: %(channels)s.")
            % {"channels": ", ".join(Channel.values)}
        )
    if len(set(value)) < len(value):
        raise ValidationError(_("Name each channel once."), code="repeated")


class Department(models.Model):
    """A part of our own organisation (warehouse, logistics, accounting, ...).

    Every department serves clients (article 001) and may itself be a client of another
    department's work (article 000): an internal client.
    """

    name = models.CharField(_("name"), max_length=200, unique=True)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("head"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.head_id is not None and not serves_clients(self.head):
            raise ValidationError(
                {"head": _("Only an employee who serves clients can head a department.")}
            )


def serves_clients(user) -> bool:
    """Whether ``user`` is an employee who sees clients: one who may own them and hear of them.

    Integration accounts and people without a role cannot read a client's page, nor act on
    the bad news mailed to them about it.
    """
    return user.is_active and user.has_perm("crm.view_client")


#: The code of the refusal of a second client for one department.
DEPARTMENT_TAKEN = "department_taken"


class Client(models.Model):
    """Someone we serve: a company that signed with us, a department of ours, a partner,
    a supplier or an influencer. External clients come from signed contracts; the other
    kinds are created directly.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=ClientKind.choices)
    name = models.CharField(_("name"), max_length=255)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_clients",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="clients",
        help_text=_("For an internal client: the department it stands for."),
    )
    preferred_channels = models.JSONField(
        _("preferred channels"), default=list, blank=True, validators=[validate_channels]
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    hours = models.CharField(
        _("hours that suit the client"),
        max_length=200,
        blank=True,
        help_text=_("When to call or visit, in the client's own time zone."),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["name", "id"]
        permissions = [("view_all_clients", _("Can see every client, whoever owns it"))]
        indexes = [
            models.Index(fields=["kind", "name"], name="client_kind_name_idx"),
            models.Index(fields=["owner", "name"], name="client_owner_name_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind=ClientKind.INTERNAL, department__isnull=False)
                | (~models.Q(kind=ClientKind.INTERNAL) & models.Q(department__isnull=True)),
                name="client_department_if_internal",
            ),
            models.UniqueConstraint(
                fields=["department"],
                condition=models.Q(department__isnull=False),
                name="client_one_per_department",
                violation_error_code=DEPARTMENT_TAKEN,
                violation_error_message=_("This department is a client already."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def preferred_channel_labels(self) -> list[str]:
        return [
            str(Channel(channel).label)
            for channel in self.preferred_channels
            if channel in Channel.values
        ]

    def clean(self) -> None:
        super().clean()
        if self.kind == ClientKind.INTERNAL and self.department_id is None:
            raise ValidationError({"department": _("Name the department of an internal client.")})
        if self.kind != ClientKind.INTERNAL and self.department_id is not None:
            raise ValidationError({"department": _("Only an internal client names a department.")})
        if self.owner_id is not None and not serves_clients(self.owner):
            raise ValidationError({"owner": _("Only an employee who serves clients can own one.")})


class ClientContact(models.Model):
    """A person we talk to at the client, in their language."""

    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
