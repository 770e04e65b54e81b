"""The ETag of a stored document, and the ``If-Match`` an edit is checked against."""

import hashlib

from django.utils.http import parse_etags


def document_etag(document) -> str:
    """A strong ETag of the stored state: changes whenever the document is saved."""
    stamp = document.updated_at.isoformat() if document.updated_at else ""
    digest = hashlib.sha256(f"{document.pk}:{document.version}:{stamp}".encode()).hexdigest()
    return f'"{digest[:32]}"'


def if_match_etags(header: str) -> list[str] | None:
    """The ETags an ``If-Match`` header lists; ``None`` for ``*`` (any version).

    Malformed entries are dropped, as Django's own conditional views drop them, so
    a header of nothing but malformed entries matches no version at all.
    """
    etags = parse_etags(header)
    return None if etags == ["*"] else etags
