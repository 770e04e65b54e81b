"""Run the beat schedule's tasks in this process, where no Celery beat runs.

The embedded default (``make run``: SQLite, tasks run eagerly) has no broker, so no beat:
without this, feedback past its deadline would never escalate, webhooks never retry and
digests never go out. With a broker, ``celery beat`` keeps the schedule and this exits.
"""

import datetime
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _


def _seconds(schedule) -> float | None:
    """A schedule's interval in seconds; None for one that is not an interval (a crontab)."""
    if isinstance(schedule, datetime.timedelta):
        return schedule.total_seconds()
    if isinstance(schedule, int | float):
        return float(schedule)
    return None


class Command(BaseCommand):
    help = _("Run the periodic tasks in this process, each at its interval, until stopped.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help=_("Run each periodic task once, then stop.")
        )
        parser.add_argument(
            "--tick",
            type=float,
            default=5.0,
            help=_("Seconds between looks at what is due (default 5)."),
        )

    def handle(self, *args, once: bool, tick: float, **options):
        from config.celery import app

        if not settings.CELERY_TASK_ALWAYS_EAGER and not once:
            self.stdout.write(_("Tasks go to a broker: run celery beat for the schedule."))
            return
        intervals = {
            name: (entry["task"], _seconds(entry["schedule"]))
            for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        }
        due = dict.fromkeys(intervals, 0.0)
        while True:
            now = time.monotonic()
            for name, (task, interval) in intervals.items():
                if interval is None or now < due[name]:
                    continue
                try:
                    app.tasks[task].apply(throw=True)
                except Exception as error:  # one task's failure stops no other
                    self.stderr.write(f"{name}: {error!r}")
                due[name] = now + interval
            if once:
                return
            time.sleep(tick)
