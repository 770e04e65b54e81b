"""Which client a lead's company already is: the guard against ghost duplicates.

A second contract with the same company links the same client: the company is known
by its lead (and the leads merged into it, whose contracts followed it), or by any lead
sharing a duplicate key with it, as the duplicate detection defines them (website
domain, company e-mail domain, company name in the same country).
"""

import hashlib

from django.db import connection

from crm.models import Client, Contract
from qualification.leads.duplicates import lead_duplicate_peers
from qualification.models import Lead


def client_of_company(*, lead: Lead) -> Client | None:
    """The client a contract for ``lead`` belongs to, if its company has signed before."""
    own = Contract.objects.filter(lead=lead).select_related("client").order_by("id").first()
    if own is not None:
        return own.client
    peer = (
        Contract.objects.filter(lead__in=lead_duplicate_peers(lead=lead))
        .select_related("client")
        .order_by("id")
        .first()
    )
    return peer.client if peer is not None else None


def company_lock(*, lead: Lead) -> None:
    """Hold, until the transaction ends, a lock on each key that names ``lead``'s company.

    Two people signing at once for leads of one company (the same lead, or two sharing a
    key) then take turns: the second finds the client the first created. Locks are
    taken in one order, so two signings cannot deadlock. SQLite lets one writer in at a
    time anyway.
    """
    if connection.vendor != "postgresql":
        return
    names = [f"lead:{lead.pk}"]
    if lead.website_domain:
        names.append(f"website:{lead.website_domain}")
    if lead.email_domain:
        names.append(f"email:{lead.email_domain}")
    if lead.name_key and lead.country:
        names.append(f"name:{lead.country}:{lead.name_key}")
    keys = sorted({_lock_key(name) for name in names})
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _lock_key(name: str) -> int:
    """A signed 64-bit advisory lock key for ``name``, in its own namespace."""
    digest = hashlib.sha256(f"portrait-crm:company:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)
