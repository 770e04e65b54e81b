"""Reads of the portrait for the funnel, the API and the admin."""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from portrait.choices import DocumentStatus
from portrait.models import Portrait, PortraitAcknowledgement, Segment
from portrait.permissions import ACKNOWLEDGE
from portrait.versioning.selectors import (
    document_acknowledgement_for_user,
    document_readers,
)


def _with_children(queryset: QuerySet[Portrait]) -> QuerySet[Portrait]:
    return queryset.prefetch_related(
        Prefetch("segments", queryset=Segment.objects.order_by("priority", "id")),
        "exclusions",
    )


def portrait_get_published() -> Portrait | None:
    """The version in force, its segments ordered by priority, or ``None``."""
    return _with_children(Portrait.objects.filter(status=DocumentStatus.PUBLISHED)).first()


def segments_published() -> QuerySet[Segment]:
    """The segments of the version in force, in matching order."""
    return Segment.objects.filter(portrait__status=DocumentStatus.PUBLISHED).order_by(
        "priority", "id"
    )


def portrait_list_for_user(user, *, with_children: bool = True) -> QuerySet[Portrait]:
    """The portraits ``user`` may read: every version for editors, else published and archived.

    ``with_children`` prefetches segments (by priority) and exclusions.
    """
    queryset = Portrait.objects.all()
    if with_children:
        queryset = _with_children(queryset)
    if not user.is_authenticated or not user.has_perm("portrait.view_portrait"):
        return queryset.none()
    if user.has_perm("portrait.change_portrait"):
        return queryset
    return queryset.exclude(status=DocumentStatus.DRAFT)


def acknowledgement_for_user(portrait: Portrait, user) -> PortraitAcknowledgement | None:
    """``user``'s acknowledgement request of ``portrait``, if they were asked or answered."""
    return document_acknowledgement_for_user(portrait, user)


def portrait_with_previous(*, user, version: int) -> tuple[Portrait | None, Portrait | None]:
    """Version ``version`` of the portrait and the version before it that ``user`` may read
    (drafts only for editors), each with its segments and exclusions.
    """
    visible = portrait_list_for_user(user)
    current = visible.filter(version=version).first()
    if current is None:
        return None, None
    return current, visible.filter(version__lt=version).order_by("-version").first()


def portrait_versions_for_user(user) -> list[tuple[int, str]]:
    """The versions ``user`` may read, newest first, as ``(version, status)``."""
    return list(
        portrait_list_for_user(user, with_children=False)
        .order_by("-version")
        .values_list("version", "status")
    )


def portrait_unacknowledged_version(user) -> int | None:
    """The version in force if ``user`` may acknowledge it and has not yet, else ``None``.

    One query. An employee who joined after the publish has no request row and counts as
    not having acknowledged, as ``document_acknowledge`` creates the row when they do.
    """
    if not user.is_authenticated or not user.has_perm(ACKNOWLEDGE):
        return None
    acknowledged = PortraitAcknowledgement.objects.filter(
        document=OuterRef("pk"), user=user, acknowledged_at__isnull=False
    )
    row = (
        Portrait.objects.filter(status=DocumentStatus.PUBLISHED)
        .annotate(is_acknowledged=Exists(acknowledged))
        .values("version", "is_acknowledged")
        .first()
    )
    if row is None or row["is_acknowledged"]:
        return None
    return row["version"]


@dataclass(frozen=True)
class AcknowledgementShare:
    acknowledged: int
    expected: int

    @property
    def percent(self) -> int:
        return 100 * self.acknowledged // self.expected if self.expected else 0


def portrait_acknowledgement_share(portrait: Portrait) -> AcknowledgementShare:
    """How many of the active employees who may acknowledge have acknowledged ``portrait``:
    those who joined after it was published included (one query).
    """
    acknowledged = PortraitAcknowledgement.objects.filter(
        document=portrait, acknowledged_at__isnull=False
    ).values("user_id")
    counts = document_readers(Portrait).aggregate(
        expected=Count("pk"),
        acknowledged=Count("pk", filter=Q(pk__in=acknowledged)),
    )
    return AcknowledgementShare(counts["acknowledged"], counts["expected"])
