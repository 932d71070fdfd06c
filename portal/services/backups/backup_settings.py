"""Where backups go and how many are kept, read once from the configuration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class BackupSettings:
    database_url: str
    instance_path: Path
    folder: Path
    keep_daily: int
    keep_weekly: int
    scheduled: bool
    hour: int
    timezone: ZoneInfo

    @classmethod
    def from_config(cls, config: Mapping) -> BackupSettings:
        instance = Path(config["INSTANCE_PATH"])
        folder = config.get("BACKUP_FOLDER") or instance / "backups"
        return cls(
            database_url=config["SQLALCHEMY_DATABASE_URI"],
            instance_path=instance,
            folder=Path(folder),
            keep_daily=int(config.get("BACKUP_KEEP_DAILY", 14)),
            keep_weekly=int(config.get("BACKUP_KEEP_WEEKLY", 8)),
            scheduled=bool(config.get("BACKUP_SCHEDULED", True)),
            hour=int(config.get("BACKUP_HOUR", 3)),
            timezone=ZoneInfo(config.get("TIMEZONE") or "Europe/Paris"),
        )
