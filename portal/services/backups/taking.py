"""Take a backup and apply retention: what `portal backup` and the scheduler both do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from portal.services import schema
from portal.services.backups import archive, retention
from portal.services.backups.backup_settings import BackupSettings


@dataclass(frozen=True)
class TakenBackup:
    backup: archive.BackupFile
    removed: list[archive.BackupFile]


def take(settings: BackupSettings, now: datetime, *, prune: bool = True) -> TakenBackup:
    backup = archive.create(
        settings, now, tables=schema.portal_tables(), revision=schema.current_revision()
    )
    removed = []
    if prune:
        removed = retention.to_delete(
            archive.existing(settings.folder),
            keep_daily=settings.keep_daily,
            keep_weekly=settings.keep_weekly,
        )
        for old in removed:
            old.path.unlink(missing_ok=True)
    return TakenBackup(backup, removed)


def describe(taken: TakenBackup) -> str:
    """One line for the terminal and the heartbeat."""
    size = taken.backup.size_bytes / (1024 * 1024)
    line = f"{taken.backup.path.name} ({size:.1f} MB, {taken.backup.rows} rows)"
    if taken.removed:
        line += f", {len(taken.removed)} old backup(s) removed"
    return line
