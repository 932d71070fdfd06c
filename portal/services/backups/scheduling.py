"""When the scheduler takes its daily backup.

Once a day, on the first tick at or after BACKUP_HOUR in the creditor's timezone
(03:00 by default, when nobody works), and at the first tick ever so that a new
portal is covered from its first day. A failed backup is not a success: the next
tick tries again. A portal whose last backup is a day and a half old (its
scheduler was down) does not wait for the night.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

#: Past this, a backup is taken at once rather than waiting for the night.
OVERDUE = timedelta(hours=36)


def due(last_success: datetime | None, now: datetime, *, hour: int, timezone: ZoneInfo) -> bool:
    if last_success is None or now - last_success >= OVERDUE:
        return True
    here = now.astimezone(timezone)
    if here.hour < hour:
        return False
    return last_success.astimezone(timezone).date() < here.date()
