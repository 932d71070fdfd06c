"""The scheduler's health on every dashboard page: a warning banner when it stopped.

Reminders are sent by a separate process that nobody watches; if it is not
running, the creditor must hear about it where they look every day.
"""

from __future__ import annotations

from functools import cache

from portal import clock
from portal.creditor.views import bp
from portal.services import heartbeat


@bp.context_processor
def inject_scheduler_status() -> dict:
    """Lazy and read once per page: the banner and the footer share one query; fragments make none."""
    return {"scheduler_status": cache(lambda: heartbeat.status(clock.now()))}
