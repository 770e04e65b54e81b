"""Sweep the background work now, as the beat task does every ``BACKGROUND_SWEEP_SECONDS``.

For operators: after the broker or the workers were away, this sends what is waiting
at once instead of at the next beat. Safe to run at any time, and more than once.
"""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from config.background import background_sweep


class Command(BaseCommand):
    help = _(
        "Send the background tasks never sent and ask again for the work that made no "
        "progress (re-evaluation runs, alerts)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--grace",
            type=float,
            help=_("Send tasks recorded this many seconds ago or earlier (default: setting)."),
        )
        parser.add_argument(
            "--stall",
            type=float,
            help=_("Work with no progress for this many seconds is stalled (default: setting)."),
        )

    def handle(self, *args, grace=None, stall=None, **options):
        counts = background_sweep(grace_seconds=grace, stall_seconds=stall)
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count}")
