"""The published portrait as a page for every employee, with its acknowledge button.

Thin views: the portrait and the user's acknowledgement come from the selectors,
the acknowledgement is written by its service, the criteria are worded by
``portrait.criteria.wording``.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portrait.changes import portrait_changes, portrait_snapshot
from portrait.criteria.wording import criteria_sentences
from portrait.permissions import ACKNOWLEDGE, READ
from portrait.selectors import (
    acknowledgement_for_user,
    portrait_get_published,
    portrait_versions_for_user,
    portrait_with_previous,
)
from portrait.services import portrait_acknowledge


@login_required
@permission_required(READ, raise_exception=True)
def page(request):
    """The published portrait for every employee, and whether the user acknowledged it."""
    published = portrait_get_published()
    acknowledgement = None
    segments, exclusions = [], []
    if published is not None:
        acknowledgement = acknowledgement_for_user(published, request.user)
        segments = [
            {"segment": segment, "lines": criteria_sentences(segment.criteria)}
            for segment in published.segments.all()
        ]
        exclusions = [
            {"exclusion": exclusion, "lines": criteria_sentences(exclusion.criteria)}
            for exclusion in published.exclusions.all()
        ]
    context = {
        "portrait": published,
        "segments": segments,
        "exclusions": exclusions,
        "acknowledgement": acknowledgement,
        "is_acknowledged": bool(acknowledgement and acknowledgement.acknowledged_at),
        "can_acknowledge": request.user.has_perm(ACKNOWLEDGE),
    }
    return render(request, "portrait/portrait.html", context)


@login_required
@require_POST
@permission_required(ACKNOWLEDGE, raise_exception=True)
def acknowledge(request):
    """'I have read it': acknowledge the published portrait through the service."""
    published = portrait_get_published()
    if published is None:
        messages.error(request, _("No portrait is published yet."))
    else:
        portrait_acknowledge(portrait=published, user=request.user)
        messages.success(
            request,
            _("Thank you: you acknowledged version %(version)s of the portrait.")
            % {"version": published.version},
        )
    return redirect("portrait:page")


@login_required
@permission_required(READ, raise_exception=True)
def changes(request, version: int):
    """What version ``version`` changed from the one before: its rules added, removed and
    changed, criteria and sizes before and after (computed by ``portrait_changes``).
    """
    current, previous = portrait_with_previous(user=request.user, version=version)
    if current is None:
        raise Http404(_("No such version of the portrait."))
    context = {
        "portrait": current,
        "previous": previous,
        "changes": portrait_changes(
            before=portrait_snapshot(previous) if previous else None,
            after=portrait_snapshot(current),
        ),
        "versions": portrait_versions_for_user(request.user),
    }
    return render(request, "portrait/changes.html", context)
