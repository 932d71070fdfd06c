"""Uploaded files kept between the preview and the confirmation of an import.

The file is stored under a random name; the token in the confirmation form is
that name, so a visitor can only confirm a file they uploaded themselves (and
the token is checked against the name pattern before any path is built).

A copy of a customer file is personal data on disk: it is removed as soon as
the import is done or refused, when the same person uploads another file or
comes back to the upload page, and otherwise once it is older than the
preview's lifetime (an hour by default), at the next upload or confirmation.
Ages are read on the portal's clock (`now`, a POSIX timestamp, stamped on the
file when it is stored), so a pinned or frozen clock keeps them consistent.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from pathlib import Path
from typing import BinaryIO

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
#: How long a previewed file waits for its confirmation.
MAX_AGE_SECONDS = 3600
CHUNK_BYTES = 1 << 20


def _path(folder: Path, token: str) -> Path:
    if not TOKEN_RE.match(token or ""):
        raise FileNotFoundError("bad import token")
    return folder / f"{token}.csv"


def stash(folder: Path, stream: BinaryIO, *, now: float, max_age: float = MAX_AGE_SECONDS) -> str:
    """Copy the upload to the folder chunk by chunk (never whole in memory); its token."""
    folder.mkdir(parents=True, exist_ok=True)
    sweep(folder, now=now, max_age=max_age)
    token = secrets.token_urlsafe(24)
    path = _path(folder, token)
    try:
        with path.open("wb") as out:
            while chunk := stream.read(CHUNK_BYTES):
                out.write(chunk)
        os.utime(path, (now, now))
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return token


def open_stashed(
    folder: Path, token: str, *, now: float, max_age: float = MAX_AGE_SECONDS
) -> BinaryIO:
    """The stashed file; FileNotFoundError when unknown or expired (and then removed)."""
    path = _path(folder, token)
    if path.exists() and path.stat().st_mtime < now - max_age:
        path.unlink(missing_ok=True)
    return path.open("rb")


def discard(folder: Path, token: str | None) -> None:
    """Remove a stashed file now; an unknown or malformed token is nothing to remove."""
    with contextlib.suppress(FileNotFoundError):
        _path(folder, token or "").unlink(missing_ok=True)


def sweep(folder: Path, *, now: float, max_age: float = MAX_AGE_SECONDS) -> int:
    """Remove the files older than `max_age` seconds; how many."""
    limit = now - max_age
    removed = 0
    for path in folder.glob("*.csv") if folder.is_dir() else ():
        with contextlib.suppress(FileNotFoundError):  # removed meanwhile by another worker
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
                removed += 1
    return removed
