"""The scheduler's heartbeat: when it last ran and what it did, in one row.

The scheduler is a separate process that nobody watches; when it stops, reminders
silently stop too. The row it touches after every run lets the dashboard notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from portal.extensions import db
from portal.models import SchedulerHeartbeat

SCHEDULER = "scheduler"
#: The row of the last successful backup (failures only show in the scheduler's line).
BACKUP = "backup"
#: The scheduler runs every 15 minutes: two hours without a run means it is not running.
STALE_AFTER = timedelta(hours=2)
MAX_RESULT_LENGTH = 500


@dataclass(frozen=True)
class SchedulerStatus:
    last_run_at: datetime | None
    last_result: str
    stale: bool
    """Never ran, or not within STALE_AFTER: the dashboard shows a warning."""
    failures: int = 0
    """Customers whose reminders could not be written on the last run: the footer says so."""


def record(
    now: datetime, result: str, *, failures: int = 0, name: str = SCHEDULER
) -> SchedulerHeartbeat:
    """Note a finished run (committed by the caller). Only one scheduler runs, so no race."""
    line = " ".join(result.split())[:MAX_RESULT_LENGTH]
    row = db.session.get(SchedulerHeartbeat, name)
    if row is None:
        row = SchedulerHeartbeat(name=name, last_run_at=now, last_result=line, failures=failures)
        db.session.add(row)
    else:
        row.last_run_at, row.last_result, row.failures = now, line, failures
    return row


def status(
    now: datetime, *, name: str = SCHEDULER, stale_after: timedelta = STALE_AFTER
) -> SchedulerStatus:
    row = db.session.get(SchedulerHeartbeat, name)
    if row is None:
        return SchedulerStatus(last_run_at=None, last_result="", stale=True)
    return SchedulerStatus(
        last_run_at=row.last_run_at,
        last_result=row.last_result,
        stale=now - row.last_run_at >= stale_after,
        failures=row.failures or 0,
    )
