"""Uploaded CSV files kept between the preview and the confirmation of an import.

The file is stored under a random name; the token in the confirmation form is
that name, so a visitor can only confirm a file they uploaded themselves (and
the token is checked against the name pattern before any path is built).
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path
from typing import BinaryIO

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
MAX_AGE_SECONDS = 24 * 3600


def _path(folder: Path, token: str) -> Path:
    if not TOKEN_RE.match(token):
        raise FileNotFoundError("bad import token")
    return folder / f"{token}.csv"


def stash(folder: Path, stream: BinaryIO) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    _forget_old(folder)
    token = secrets.token_urlsafe(24)
    with _path(folder, token).open("wb") as out:
        while chunk := stream.read(1 << 20):
            out.write(chunk)
    return token


def open_stashed(folder: Path, token: str) -> BinaryIO:
    return _path(folder, token).open("rb")


def discard(folder: Path, token: str) -> None:
    _path(folder, token).unlink(missing_ok=True)


def _forget_old(folder: Path) -> None:
    limit = time.time() - MAX_AGE_SECONDS
    for path in folder.glob("*.csv"):
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
