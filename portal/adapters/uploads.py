"""Proof files a debtor attaches: checked by content, stored under a random name.

A file is what its first bytes say it is, never what its name or the browser's
content type claim, so a program or a web page renamed `.pdf` is refused. The
stored name is random: no part of a path ever comes from the visitor.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from portal.services.errors import N_, DomainError

#: kind -> (magic bytes at the start of the file, content type, stored extension)
KINDS: dict[str, tuple[bytes, str, str]] = {
    "pdf": (b"%PDF-", "application/pdf", "pdf"),
    "png": (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    "jpeg": (b"\xff\xd8\xff", "image/jpeg", "jpg"),
}
CONTENT_TYPES = {content_type for _, content_type, _ in KINDS.values()}
#: Folder, inside the instance folder, where proofs are kept.
FOLDER_NAME = "uploads"
_STORED_NAME_RE = re.compile(r"[A-Za-z0-9_-]{32}\.(pdf|png|jpg)")
_CHUNK = 64 * 1024


class ProofRefused(DomainError):
    """The file is empty, too large or not a PDF, PNG or JPEG; nothing was written."""


@dataclass(frozen=True)
class StoredProof:
    filename: str
    """Random name inside the uploads folder."""
    content_type: str
    """From the checked kind, never from the browser."""
    size: int


def sniff(head: bytes) -> str | None:
    """The kind ("pdf", "png", "jpeg") the first bytes show, or None."""
    for kind, (magic, _, _) in KINDS.items():
        if head.startswith(magic):
            return kind
    return None


def read_limited(stream: BinaryIO, max_bytes: int) -> bytes:
    """Read at most `max_bytes`; one byte more means the file is too large."""
    chunks: list[bytes] = []
    size = 0
    while size <= max_bytes:
        chunk = stream.read(min(_CHUNK, max_bytes + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > max_bytes:
        raise ProofRefused(N_("The file is too large."))
    return b"".join(chunks)


def check(stream: BinaryIO, max_bytes: int) -> tuple[bytes, str]:
    """The file's bytes and kind, or ProofRefused; nothing is written."""
    data = read_limited(stream, max_bytes)
    if not data:
        raise ProofRefused(N_("The file is empty."))
    kind = sniff(data[:16])
    if kind is None:
        raise ProofRefused(
            N_("Only PDF, PNG or JPEG files are accepted: this file is none of them.")
        )
    return data, kind


def store_proof(stream: BinaryIO, folder: Path, *, max_bytes: int) -> StoredProof:
    """Check the file, then write it under a new random name in `folder`."""
    data, kind = check(stream, max_bytes)
    _, content_type, extension = KINDS[kind]
    folder.mkdir(parents=True, exist_ok=True)
    filename = f"{secrets.token_urlsafe(24)}.{extension}"
    with (folder / filename).open("xb") as target:  # never overwrite
        target.write(data)
    return StoredProof(filename, content_type, len(data))


def proof_path(folder: Path, filename: str) -> Path | None:
    """The stored file for a name this module made, or None (never a path outside `folder`)."""
    if not _STORED_NAME_RE.fullmatch(filename or ""):
        return None
    path = folder / filename
    return path if path.is_file() else None


def discard(folder: Path, filename: str) -> None:
    """Remove a stored proof (its database row was not written after all)."""
    path = proof_path(folder, filename)
    if path is not None:
        path.unlink(missing_ok=True)
