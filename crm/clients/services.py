"""Writes of clients of the non-contract kinds, their contacts, and departments."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from crm.choices import ClientKind
from crm.clients.selectors import VIEW_ALL
from crm.models import Client, ClientContact, Department
from crm.models.clients import DEPARTMENT_TAKEN

CLIENT_FIELDS = (
    "kind",
    "name",
    "owner",
    "department",
    "preferred_channels",
    "time_zone",
    "language",
    "hours",
    "notes",
)
CONTACT_FIELDS = ("name", "role", "email", "phone", "language")
DEPARTMENT_FIELDS = ("name", "head")


def client_create(
    *, user, data: Mapping[str, Any], contacts: Iterable[Mapping[str, Any]] = ()
) -> Client:
    """Create an internal client, a partner, a supplier or an influencer.

    External clients come only from signed contracts (``contract_sign``). Without an
    owner given, the creator owns the client.
    """
    client = Client(**{key: data[key] for key in CLIENT_FIELDS if key in data})
    if "owner" not in data:
        client.owner = user
    with transaction.atomic():
        client_insert(client=client, user=user)
        _contacts_replace(client=client, contacts=contacts)
    return client


def client_insert(*, client: Client, user) -> Client:
    """Save a new, unsaved client of a non-contract kind (the admin's add form)."""
    if not user.has_perm("crm.add_client"):
        raise PermissionDenied(_("You may not create clients."))
    if client.kind == ClientKind.EXTERNAL:
        raise ValidationError({"kind": _("An external client comes from a signed contract.")})
    _full_clean(client)
    try:
        with transaction.atomic():
            client.save()
    except IntegrityError:
        # Another request made this department's client meanwhile.
        raise ValidationError({"department": [_("This department is a client already.")]}) from None
    return client


def client_update(
    *,
    client: Client,
    user,
    data: Mapping[str, Any],
    contacts: Iterable[Mapping[str, Any]] | None = None,
) -> Client:
    """Change a client; given contacts replace its contacts.

    Its kind is fixed once created; only managers and admins hand it to another owner.
    """
    if not user.has_perm("crm.change_client"):
        raise PermissionDenied(_("You may not change clients."))
    errors = {}
    if "kind" in data and data["kind"] != client.kind:
        errors["kind"] = [_("A client's kind does not change.")]
    owner = data.get("owner", client.owner)
    if getattr(owner, "pk", None) != client.owner_id and not user.has_perm(VIEW_ALL):
        errors["owner"] = [_("Only a manager can hand a client to another owner.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Client.objects.select_for_update().get(pk=client.pk)
        for key in CLIENT_FIELDS:
            if key in data and key != "kind":
                setattr(locked, key, data[key])
        _full_clean(locked)
        locked.save()
        if contacts is not None:
            _contacts_replace(client=locked, contacts=contacts)
    return locked


def _full_clean(client: Client) -> None:
    """``full_clean``, a department's second client refused by naming ``department``."""
    try:
        client.full_clean()
    except ValidationError as error:
        general = error.error_dict.pop(NON_FIELD_ERRORS, [])
        for refusal in general:
            field = "department" if refusal.code == DEPARTMENT_TAKEN else NON_FIELD_ERRORS
            error.error_dict.setdefault(field, []).append(refusal)
        raise


def _contacts_replace(*, client: Client, contacts: Iterable[Mapping[str, Any]]) -> None:
    rows, errors = [], {}
    for index, item in enumerate(contacts):
        contact = ClientContact(
            client=client, **{key: item[key] for key in CONTACT_FIELDS if key in item}
        )
        try:
            contact.full_clean(exclude=["client"])
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors[f"contacts[{index}].{field}"] = messages
        rows.append(contact)
    if errors:
        raise ValidationError(errors)
    ClientContact.objects.filter(client=client).delete()
    ClientContact.objects.bulk_create(rows)


def department_create(*, user, data: Mapping[str, Any]) -> Department:
    """A department of our organisation (an internal client names one)."""
    if not user.has_perm("crm.add_department"):
        raise PermissionDenied(_("You may not create departments."))
    department = Department(**{key: data[key] for key in DEPARTMENT_FIELDS if key in data})
    department.full_clean()
    try:
        with transaction.atomic():
            department.save()
    except IntegrityError:
        # Another request took the name meanwhile.
        raise ValidationError({"name": [_("A department has this name already.")]}) from None
    return department
