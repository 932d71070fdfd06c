"""One backup archive: `portal-backup-<UTC time>.tar.gz`.

Inside: `manifest.json` (when, which schema revision, which database kind, the
rows of every table in the copy, a SHA-256 of every file), the database copy
(`database.sqlite3` or `database.pgdump`) and the instance folder's files under
`instance/` (the secret key, uploaded proofs and logo, letters, bank statements,
the optional config.py). Left out: the backups themselves, the live SQLite file
(its consistent copy is the database entry), lock files and the stashed copies
of import previews, which are temporary.

The archive is written under a `.partial` name and renamed when complete, so a
crash never leaves a file that looks like a backup; it is readable by the
portal's user only, since it holds the secret key and every debtor's data.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from portal.adapters.database_dump import DUMP_NAMES, Database
from portal.services.backups.backup_settings import BackupSettings

FORMAT = 1
MANIFEST = "manifest.json"
INSTANCE_PREFIX = "instance/"
NAME_PATTERN = re.compile(r"^portal-backup-(\d{8}T\d{6}Z)(?:-\d+)?\.tar\.gz$")
SKIPPED_FOLDERS = {"imports", "__pycache__"}
SKIPPED_SUFFIXES = ("-wal", "-shm", "-journal", ".lock", ".partial")


@dataclass(frozen=True)
class BackupFile:
    path: Path
    taken_at: datetime
    size_bytes: int
    rows: int


@dataclass(frozen=True)
class Manifest:
    taken_at: datetime
    revision: str | None
    database_kind: str
    tables: dict[str, int]
    files: dict[str, str]

    @classmethod
    def from_json(cls, data: dict) -> Manifest:
        if data.get("format") != FORMAT:
            raise ValueError(f"Unknown backup format {data.get('format')!r}.")
        return cls(
            taken_at=datetime.fromisoformat(data["taken_at"]),
            revision=data.get("revision"),
            database_kind=data["database_kind"],
            tables=dict(data["tables"]),
            files=dict(data["files"]),
        )

    def to_json(self) -> dict:
        return {
            "format": FORMAT,
            "taken_at": self.taken_at.isoformat(),
            "revision": self.revision,
            "database_kind": self.database_kind,
            "tables": self.tables,
            "files": self.files,
        }


def taken_at(path: Path) -> datetime | None:
    """The time in an archive's name, or None for a file that is not a backup."""
    match = NAME_PATTERN.match(path.name)
    if match is None:
        return None
    return datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def existing(folder: Path) -> list[BackupFile]:
    """The finished archives in `folder`, oldest first (rows unknown without opening them)."""
    found = []
    for path in folder.glob("portal-backup-*.tar.gz") if folder.is_dir() else ():
        when = taken_at(path)
        if when is not None:
            found.append(BackupFile(path, when, path.stat().st_size, rows=-1))
    return sorted(found, key=lambda backup: (backup.taken_at, backup.path.name))


def create(
    settings: BackupSettings, now: datetime, *, tables: list[str], revision: str | None
) -> BackupFile:
    """Take a backup now; returns the finished archive."""
    database = Database.from_url(settings.database_url)
    settings.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = _free_name(settings.folder, now)
    partial = target.with_name(target.name + ".partial")
    with tempfile.TemporaryDirectory(dir=settings.folder, prefix=".work-") as work:
        dump = Path(work) / DUMP_NAMES[database.kind]
        counts = database.dump(dump, tables)
        instance_files = dict(_instance_files(settings, database))
        files = {dump.name: _sha256(dump)}
        files.update(
            {INSTANCE_PREFIX + name: _sha256(path) for name, path in instance_files.items()}
        )
        manifest = Manifest(now, revision, database.kind, counts, files)
        manifest_path = Path(work) / MANIFEST
        manifest_path.write_text(json.dumps(manifest.to_json(), indent=2, sort_keys=True))
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            tar.add(manifest_path, arcname=MANIFEST)
            tar.add(dump, arcname=dump.name)
            for name, path in sorted(instance_files.items()):
                tar.add(path, arcname=INSTANCE_PREFIX + name, recursive=False)
    os.replace(partial, target)
    return BackupFile(
        target, now, target.stat().st_size, rows=sum(max(n, 0) for n in counts.values())
    )


def read_manifest(path: Path) -> Manifest:
    """The manifest of an archive, without extracting anything else."""
    with tarfile.open(path, mode="r:gz") as tar:
        member = tar.extractfile(MANIFEST)
        if member is None:
            raise ValueError("The archive has no manifest.")
        return Manifest.from_json(json.loads(member.read()))


def _free_name(folder: Path, now: datetime) -> Path:
    stem = f"portal-backup-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    candidate, number = folder / f"{stem}.tar.gz", 1
    while candidate.exists():
        number += 1
        candidate = folder / f"{stem}-{number}.tar.gz"
    return candidate


def _instance_files(settings: BackupSettings, database: Database) -> Iterator[tuple[str, Path]]:
    """(relative name, path) of every instance file worth keeping."""
    root = settings.instance_path.resolve()
    skipped = {settings.folder.resolve()}
    live_database = database.sqlite_path
    for folder, folders, names in os.walk(root):
        here = Path(folder)
        folders[:] = [
            name
            for name in folders
            if name not in SKIPPED_FOLDERS and (here / name).resolve() not in skipped
        ]
        for name in names:
            path = here / name
            if path.is_symlink() or name.endswith(SKIPPED_SUFFIXES):
                continue
            if live_database is not None and path.resolve() == live_database:
                continue
            if live_database is not None and name.startswith(live_database.name + "-"):
                continue
            yield path.relative_to(root).as_posix(), path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
