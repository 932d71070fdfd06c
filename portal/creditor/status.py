"""The scheduler's health on every dashboard page: a warning banner when it stopped,
and the last backup in the footer.

Reminders are sent by a separate process that nobody watches; if it is not
running, the creditor must hear about it where they look every day. The same
goes for the other settings that are unsafe in silence (rate limits counted
per worker), and for the headers every dashboard page carries.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from flask import current_app

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


@bp.after_request
def private_headers(response):
    """Dashboard pages show customers' debts: no browser or proxy keeps a copy."""
    if "no-store" not in response.headers.get("Cache-Control", ""):
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.context_processor
def inject_rate_limit_warning() -> dict:
    """Several workers counting in memory each allow the full limit: login tries multiply."""
    config = current_app.config
    shared = str(config["RATELIMIT_STORAGE_URI"]).startswith("memory://")
    return {"rate_limits_per_worker": shared and int(config.get("WEB_WORKERS") or 1) > 1}
