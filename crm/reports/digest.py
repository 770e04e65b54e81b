"""The clients nobody has contacted, flagged to their owners by e-mail: once per period."""

from itertools import groupby

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm.employees.selectors import employee_language
from crm.models import Client, ContactDigest
from crm.reports.arithmetic import digest_period_start
from crm.reports.selectors import clients_out_of_touch, no_contact_days, out_of_touch_rows


def no_contact_digest_send(*, now=None) -> int:
    """E-mail each active owner with an address the list of their clients out of touch, in
    their own language, once per period (``NO_CONTACT_DIGEST_DAYS``); return how many
    digests went out.

    The digest is recorded in the transaction that sends it: a run that fails to send
    records nothing and the next run tries again; a second run in the period finds the
    record and sends nothing.
    """
    now = now or timezone.now()
    period_start = digest_period_start(
        timezone.localdate(now), days=settings.PORTRAIT_CRM["NO_CONTACT_DIGEST_DAYS"]
    )
    already = ContactDigest.objects.filter(period_start=period_start).values("owner_id")
    owned = (
        Client.objects.filter(owner__is_active=True)
        .exclude(owner__email="")
        .exclude(owner_id__in=already)
        .select_related("owner", "owner__employee_profile")
    )
    rows = out_of_touch_rows(clients_out_of_touch(owned, now=now), now=now)
    sent = 0
    for _owner_id, owner_rows in groupby(
        sorted(rows, key=lambda row: row.client.owner_id), key=lambda row: row.client.owner_id
    ):
        if _digest_send(owner_rows=list(owner_rows), period_start=period_start):
            sent += 1
    return sent


def _digest_send(*, owner_rows: list, period_start) -> bool:
    owner = owner_rows[0].client.owner
    try:
        with transaction.atomic():
            ContactDigest.objects.create(
                owner=owner, period_start=period_start, clients=len(owner_rows)
            )
            with translation.override(employee_language(owner)):
                _digest_mail(owner=owner, rows=owner_rows)
    except IntegrityError:
        return False  # another run sent this period's digest
    return True


def _digest_mail(*, owner, rows: list) -> None:
    """The digest in the owner's own language."""
    send_mail(
        subject=ngettext(
            "%(count)s client has not heard from us for %(days)s days",
            "%(count)s clients have not heard from us for %(days)s days",
            len(rows),
        )
        % {"count": len(rows), "days": no_contact_days()},
        message=_digest_text(rows),
        from_email=None,
        recipient_list=[owner.email],
    )


def _digest_text(rows: list) -> str:
    lines = [_("Nobody has been in touch with these clients of yours:"), ""]
    for row in sorted(rows, key=lambda row: -row.days):
        if row.last_contact is None:
            lines.append(_("- %(client)s: never contacted") % {"client": row.client.name})
        else:
            lines.append(
                _("- %(client)s: last contact %(date)s, %(days)s days ago")
                % {
                    "client": row.client.name,
                    "date": row.last_contact.isoformat(),
                    "days": row.days,
                }
            )
    lines += ["", _("A call, a visit or a letter: listen to them before they tell someone else.")]
    return "\n".join(lines)
