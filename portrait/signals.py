"""Signals other apps may listen to without ``portrait`` depending on them.

``portrait_published`` is sent (after the publishing transaction commits) with
``portrait`` — the newly published version — so that the funnel, which depends
on the portrait and not the other way round, can re-evaluate its leads.
"""

from django.dispatch import Signal

portrait_published = Signal()
