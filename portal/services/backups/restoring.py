"""Put a backup back, and prove it came back whole.

A restore replaces everything, so it refuses a database that already holds data
unless told to overwrite it; it refuses an archive of the other database kind
(a SQLite backup cannot go into PostgreSQL as is) and an archive whose files do
not match their checksums. After the copy, every table must hold exactly the rows
the manifest counted: a restore that cannot show that is reported as failed.
"""

from __future__ import annotations

import hashlib
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from portal.adapters.database_dump import DUMP_NAMES, Database
from portal.services.backups import archive
from portal.services.backups.backup_settings import BackupSettings


class RestoreRefused(Exception):
    """Nothing was changed; the message says why, in English (an operator's command)."""


@dataclass(frozen=True)
class RestoreReport:
    manifest: archive.Manifest
    tables: int
    rows: int
    files: int


def holds_data(settings: BackupSettings, tables: list[str]) -> bool:
    """True when any of the portal's tables has a row."""
    counts = Database.from_url(settings.database_url).count_rows(tables)
    return any(count > 0 for count in counts.values())


def restore(
    settings: BackupSettings, path: Path, *, tables: list[str], overwrite: bool
) -> RestoreReport:
    """Restore the archive at `path` into this portal's database and instance folder.

    The caller must have closed every connection of its own to the database first
    (SQLite is overwritten page by page; PostgreSQL drops and recreates tables).
    """
    database = Database.from_url(settings.database_url)
    try:
        manifest = archive.read_manifest(path)
    except (OSError, tarfile.TarError, ValueError, KeyError) as exc:
        raise RestoreRefused(f"{path} is not a portal backup ({exc}).") from exc
    if manifest.database_kind != database.kind:
        raise RestoreRefused(
            f"This backup holds a {manifest.database_kind} database and this portal uses "
            f"{database.kind}: restore it into a portal configured with {manifest.database_kind}."
        )
    if not overwrite and holds_data(settings, tables):
        raise RestoreRefused(
            "This portal's database already holds data: a restore would replace all of it. "
            "Run again with --overwrite if that is what you want."
        )
    with tempfile.TemporaryDirectory(prefix="portal-restore-") as work:
        folder = Path(work)
        with tarfile.open(path, mode="r:gz") as tar:
            tar.extractall(folder, filter="data")
        _check_files(folder, manifest)
        database.restore(folder / DUMP_NAMES[database.kind])
        instance_files = _put_back_instance_files(folder, settings.instance_path)
    counts = database.count_rows(list(manifest.tables))
    wrong = {
        table: (expected, counts.get(table))
        for table, expected in manifest.tables.items()
        if counts.get(table) != expected
    }
    if wrong:
        details = ", ".join(f"{t}: {got} rows, {want} expected" for t, (want, got) in wrong.items())
        raise RestoreRefused(f"The restored database does not match the backup ({details}).")
    return RestoreReport(
        manifest=manifest,
        tables=sum(1 for count in counts.values() if count >= 0),
        rows=sum(max(count, 0) for count in counts.values()),
        files=instance_files,
    )


def _check_files(folder: Path, manifest: archive.Manifest) -> None:
    for name, expected in manifest.files.items():
        path = folder / name
        if not path.is_file():
            raise RestoreRefused(f"The backup lacks {name}: it is incomplete.")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != expected:
            raise RestoreRefused(f"{name} in the backup is damaged (its checksum differs).")


def _put_back_instance_files(folder: Path, instance_path: Path) -> int:
    source = folder / archive.INSTANCE_PREFIX.rstrip("/")
    if not source.is_dir():
        return 0
    count = 0
    for path in source.rglob("*"):
        if path.is_file():
            target = instance_path / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            count += 1
    return count
