"""Which backups to keep: the newest of each of the last N days and of the last M weeks.

With the defaults (14 daily, 8 weekly) a portal keeps about 20 archives covering
two months: yesterday's mistake and last month's are both still recoverable,
and the disk does not fill up. The newest archive is always kept, whatever the
settings say, and files that are not finished backups are never touched.
"""

from __future__ import annotations

from collections.abc import Sequence

from portal.services.backups.archive import BackupFile


def to_delete(
    backups: Sequence[BackupFile], *, keep_daily: int, keep_weekly: int
) -> list[BackupFile]:
    """The archives retention lets go of, oldest first."""
    newest_first = sorted(backups, key=lambda backup: backup.taken_at, reverse=True)
    kept: set = set()
    days: list = []
    weeks: list = []
    for backup in newest_first:
        day = backup.taken_at.date()
        week = day.isocalendar()[:2]
        if day not in days and len(days) < keep_daily:
            days.append(day)
            kept.add(backup.path)
        if week not in weeks and len(weeks) < keep_weekly:
            weeks.append(week)
            kept.add(backup.path)
    if newest_first:
        kept.add(newest_first[0].path)
    return [backup for backup in reversed(newest_first) if backup.path not in kept]
