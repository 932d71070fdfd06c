"""A consistent copy of the database in one file, and the way back.

- SQLite: the online backup API (`sqlite3.Connection.backup`), which copies a
  consistent snapshot page by page while the portal keeps writing; a plain file
  copy could catch a half-written transaction or miss the WAL.
- PostgreSQL: `pg_dump --format=custom` (one consistent snapshot, compressed) and
  `pg_restore --clean --if-exists`. The client tools must be installed (Debian's
  `postgresql-client`, of the server's major version or newer). The password goes
  through PGPASSWORD, never the command line that `ps` shows.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
DUMP_NAMES = {SQLITE: "database.sqlite3", POSTGRESQL: "database.pgdump"}


class DumpFailed(RuntimeError):
    """The database could not be copied or restored; the message says why, in English."""


@dataclass(frozen=True)
class Database:
    url: URL

    @classmethod
    def from_url(cls, url: str) -> Database:
        return cls(make_url(url))

    @property
    def kind(self) -> str:
        backend = self.url.get_backend_name()
        if backend in (SQLITE, POSTGRESQL):
            return backend
        raise DumpFailed(f"Backups know SQLite and PostgreSQL, not {backend}.")

    @property
    def sqlite_path(self) -> Path | None:
        """The database file, or None for PostgreSQL or an in-memory SQLite database."""
        if self.kind != SQLITE or not self.url.database or self.url.database == ":memory:":
            return None
        return Path(self.url.database).resolve()

    def dump(self, target: Path, tables: list[str]) -> dict[str, int]:
        """Write a consistent copy of the whole database to `target`; its rows per table.

        The counts describe the copy itself, not the live database a moment later:
        a restore is checked against them. PostgreSQL counts inside a repeatable-read
        transaction whose snapshot pg_dump then shares (`--snapshot`).
        """
        if self.kind == SQLITE:
            self._sqlite_copy(self._sqlite_source(), target)
            return self.count_rows(tables, sqlite_file=target)
        engine = create_engine(self.url, poolclass=NullPool)
        try:
            with (
                engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection,
                connection.begin(),
            ):
                snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                counts = _count(connection.exec_driver_sql, tables, POSTGRESQL_TABLES)
                self._run(
                    [
                        "pg_dump",
                        "--format=custom",
                        "--no-owner",
                        f"--snapshot={snapshot}",
                        f"--file={target}",
                    ]
                )
        finally:
            engine.dispose()
        return counts

    def count_rows(self, tables: list[str], *, sqlite_file: Path | None = None) -> dict[str, int]:
        """Rows per table, read on a connection of its own (0 for a missing table)."""
        if self.kind == SQLITE:
            source = sqlite_file or self.sqlite_path
            if source is None or not source.exists():
                return dict.fromkeys(tables, -1)
            with closing(sqlite3.connect(source)) as connection:
                return _count(connection.execute, tables, SQLITE_TABLES)
        engine = create_engine(self.url, poolclass=NullPool)
        try:
            with engine.connect() as connection:
                return _count(connection.exec_driver_sql, tables, POSTGRESQL_TABLES)
        finally:
            engine.dispose()

    def restore(self, source: Path) -> None:
        """Replace the database's content with the copy in `source`."""
        if self.kind == SQLITE:
            path = self.sqlite_path
            if path is None:
                raise DumpFailed("An in-memory SQLite database cannot be restored into.")
            path.parent.mkdir(parents=True, exist_ok=True)
            self._sqlite_copy(source, path)
        else:
            self._run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--no-privileges",
                    "--single-transaction",
                    f"--dbname={self.url.database}",
                    str(source),
                ]
            )

    def _sqlite_source(self) -> Path:
        path = self.sqlite_path
        if path is None or not path.exists():
            raise DumpFailed(f"The SQLite database file {path} does not exist.")
        return path

    @staticmethod
    def _sqlite_copy(source: Path, target: Path) -> None:
        with closing(sqlite3.connect(source)) as origin, closing(sqlite3.connect(target)) as copy:
            origin.backup(copy)

    def _run(self, command: list[str]) -> None:
        if shutil.which(command[0]) is None:
            raise DumpFailed(
                f"{command[0]} is not installed: install the PostgreSQL client tools "
                "(Debian: apt-get install postgresql-client)."
            )
        completed = subprocess.run(
            command, env=self._pg_environment(), capture_output=True, text=True, check=False
        )
        if completed.returncode != 0:
            detail = completed.stderr.strip().splitlines()[-1:] or ["no message"]
            raise DumpFailed(f"{command[0]} failed: {detail[0]}")

    def _pg_environment(self) -> dict[str, str]:
        """libpq's own variables: the URL's parts without exposing the password in `ps`."""
        environment = dict(os.environ)
        parts = {
            "PGHOST": self.url.host,
            "PGPORT": str(self.url.port) if self.url.port else None,
            "PGUSER": self.url.username,
            "PGPASSWORD": self.url.password,
            "PGDATABASE": self.url.database,
        }
        environment.update({key: value for key, value in parts.items() if value})
        return environment


SQLITE_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table'"
POSTGRESQL_TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"


def _count(execute: Callable, tables: list[str], listing: str) -> dict[str, int]:
    """`SELECT count(*)` per table; -1 for a table the database does not have."""
    present = {row[0] for row in execute(listing).fetchall()}
    return {
        table: int(execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
        if table in present
        else -1
        for table in tables
    }
