"""The scheduler's health on every dashboard page: a warning banner when it stopped,
and the last backup in the footer.

Reminders are sent by a separate process that nobody watches; if it is not
running, the creditor must hear about it where they look every day.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from portal import clock
from portal.creditor.views import bp
from portal.services import heartbeat

#: A daily backup two days old means the last one failed or the scheduler is down.
BACKUP_STALE_AFTER = timedelta(days=2)


@bp.context_processor
def inject_scheduler_status() -> dict:
    """Lazy and read once per page: the banner and the footer share one query; fragments make none."""
    return {
        "scheduler_status": cache(lambda: heartbeat.status(clock.now())),
        "backup_status": cache(
            lambda: heartbeat.status(
                clock.operational_now(), name=heartbeat.BACKUP, stale_after=BACKUP_STALE_AFTER
            )
        ),
    }
