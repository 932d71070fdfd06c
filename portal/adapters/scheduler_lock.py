"""One scheduler per database: the lock a scheduler process holds for its whole life.

A second `portal scheduler` started by mistake (by hand beside systemd, or by
`make run` on a machine where the service runs) must do nothing. The lock lives
where the data lives, so it holds whatever host or folder the processes run from:

- PostgreSQL: a session-level advisory lock on a connection of its own, kept open
  for the process's lifetime (the server frees it if the process dies);
- SQLite: an exclusive `flock` on a file beside the database file (the kernel
  frees it if the process dies).

Neither is ever waited for: `try_acquire` answers at once.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import suppress
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

#: The advisory lock key: "portalsc" as a big-endian 64-bit integer (PostgreSQL's
#: advisory locks are per database, so two portals on one server do not collide).
ADVISORY_KEY = int.from_bytes(b"portalsc", "big")
LOCK_FILE_SUFFIX = ".scheduler.lock"


class SchedulerLock(Protocol):
    description: str

    def try_acquire(self) -> bool:
        """True if this process now holds the lock; False at once if another one does."""

    def held(self) -> bool:
        """Still held? (A PostgreSQL restart drops the connection, and the lock with it.)"""

    def release(self) -> None: ...


class FileLock:
    """`flock` locks belong to an open file, so two opens conflict even in one process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.description = f"file lock {path}"
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is None:
            return
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None


class AdvisoryLock:
    """A dedicated autocommit connection: never idle in a transaction, never returned to a pool."""

    def __init__(self, database_url: str, key: int = ADVISORY_KEY) -> None:
        self.key = key
        self.description = f"PostgreSQL advisory lock {key}"
        self._engine = create_engine(database_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        self._connection: Connection | None = None

    def try_acquire(self) -> bool:
        if self._connection is not None:
            return True
        connection = self._engine.connect()
        got = connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key})
        if not got:
            connection.close()
            return False
        self._connection = connection
        return True

    def held(self) -> bool:
        if self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1"))
        except DBAPIError:
            self._drop()
            return False
        return True

    def release(self) -> None:
        if self._connection is None:
            return
        with suppress(DBAPIError):  # a lost connection took the lock with it
            self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
        self._drop()

    def _drop(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._connection = None
        self._engine.dispose()


def for_database(database_url: str, instance_path: Path) -> SchedulerLock:
    """The right lock for this database; in-memory SQLite falls back to the instance folder."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        return AdvisoryLock(database_url)
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        target = Path(database)
        return FileLock(target.with_name(target.name + LOCK_FILE_SUFFIX))
    return FileLock(instance_path / f"portal{LOCK_FILE_SUFFIX}")
