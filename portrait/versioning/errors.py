"""Refusals of the versioned-document services, which each interface answers its own way."""

from django.core.exceptions import ValidationError


class DocumentStateError(ValidationError):
    """The document is not in the state the operation needs (e.g. editing a published one)."""

    @classmethod
    def about(cls, document, message: str, *, code: str):
        """``message`` (translated, with ``%(version)s`` and ``%(status)s``) on ``document``."""
        values = {"version": document.version, "status": document.get_status_display()}
        return cls(message % values, code=code)


class DocumentStaleError(Exception):
    """The caller's copy (its ETag) is older than the stored document."""
