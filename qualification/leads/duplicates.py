"""Possible duplicates across sources, flagged on arrival for sales to merge."""

from django.db import connection, models

from qualification import sql
from qualification.choices import DuplicateReason
from qualification.models import DuplicateCandidate, Lead

# Key column → reason, and whether the key only counts within one country (the name).
_KEYS = (
    ("website_domain", DuplicateReason.WEBSITE, False),
    ("email_domain", DuplicateReason.EMAIL, False),
    ("name_key", DuplicateReason.NAME, True),
)
# A key shared by more leads than this identifies no company (a hosting provider's
# domain, say): flagging it would pair every lead with every other, quadratically.
MAX_LEADS_SHARING_A_KEY = 10


def duplicates_flag(*, lead_ids: list[int]) -> None:
    """Record possible duplicates of the given leads, set-based, in one statement.

    Two leads are possible duplicates when they share a website domain, a company
    e-mail domain (free-mail domains are never keys) or a normalised company name in
    the same country. Each pair is stored once per reason, newer lead first. The given
    leads are read once; each of their keys is looked up once, counting at most
    ``MAX_LEADS_SHARING_A_KEY`` + 1 leads that share it, and only the keys shared by 2
    to ``MAX_LEADS_SHARING_A_KEY`` leads are paired.
    """
    if not lead_ids:
        return
    lead_table = connection.ops.quote_name(Lead._meta.db_table)
    candidate_table = connection.ops.quote_name(DuplicateCandidate._meta.db_table)
    keys = ", ".join(["country", *(column for column, _reason, _within in _KEYS)])
    greatest, least = sql.greatest(), sql.least()
    batch_ids, ids = sql.id_in("id", lead_ids)
    batch = f"SELECT id, {keys} FROM {lead_table} WHERE {batch_ids}"  # noqa: S608 - ours
    selects, parameters = [], []
    for column, reason, within_country in _KEYS:
        columns = [column, "country"] if within_country else [column]
        key, batch_key = ", ".join(columns), ", ".join(f"lead.{name}" for name in columns)
        peer = " AND ".join(f"peer.{name} = shared.{name}" for name in columns)
        same_country = "AND other.country = lead.country" if within_country else ""
        selects.append(
            f"""
            SELECT {greatest}(lead.id, other.id), {least}(lead.id, other.id), %s
            FROM batch AS lead
            JOIN {lead_table} AS other
              ON other.{column} = lead.{column} AND other.id <> lead.id {same_country}
            WHERE ({batch_key}) IN (
                SELECT {key} FROM (SELECT DISTINCT {key} FROM batch) AS shared
                WHERE (SELECT COUNT(*) FROM (SELECT 1 FROM {lead_table} AS peer
                                             WHERE {peer} LIMIT %s) AS sharing)
                      BETWEEN 2 AND %s)
            """  # noqa: S608 - identifiers are ours, values are parameters
        )
        parameters += [reason.value, MAX_LEADS_SHARING_A_KEY + 1, MAX_LEADS_SHARING_A_KEY]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH batch AS MATERIALIZED ({batch})
            INSERT INTO {candidate_table} (lead_id, duplicate_of_id, reason, resolved, created_at)
            -- WHERE true: SQLite would read ON CONFLICT as a join's ON otherwise.
            SELECT DISTINCT pair.*, %s, CURRENT_TIMESTAMP
            FROM ({" UNION ALL ".join(selects)}) AS pair
            WHERE true
            ON CONFLICT (lead_id, duplicate_of_id, reason) DO NOTHING
            """,  # noqa: S608 - identifiers are ours, values are parameters
            [ids, False, *parameters],
        )


def lead_duplicate_peers(*, lead: Lead) -> models.QuerySet[Lead]:
    """The other leads that share a duplicate key with ``lead``, as ``duplicates_flag`` pairs them.

    A key shared by more than ``MAX_LEADS_SHARING_A_KEY`` leads identifies no company and
    names no peer.
    """
    peers = Lead.objects.none()
    for column, _reason, within_country in _KEYS:
        value = getattr(lead, column)
        if value is None or (within_country and not lead.country):
            continue
        key = {column: value, **({"country": lead.country} if within_country else {})}
        sharing = list(
            Lead.objects.filter(**key).values_list("pk", flat=True)[: MAX_LEADS_SHARING_A_KEY + 1]
        )
        if 2 <= len(sharing) <= MAX_LEADS_SHARING_A_KEY:
            peers |= Lead.objects.filter(pk__in=sharing)
    return peers.exclude(pk=lead.pk)
