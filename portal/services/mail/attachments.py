"""Where an outbox attachment's file is, refused unless it lies inside the instance folder.

Attachment paths are stored on outbox rows and read twice: when the message
is sent and when the creditor opens it in the outbox. Both go through
`attachment_path`, so a path that resolves outside the instance folder (`..`,
an absolute path, a symlink) can never be mailed or downloaded.
"""

from __future__ import annotations

from pathlib import Path

from portal.services.errors import N_, DomainError


class AttachmentRefused(DomainError):
    """An attachment's path leaves the instance folder, or its file is missing."""


def attachment_path(instance_path: Path, relative: str) -> Path:
    """The file of an attachment, refused unless it resolves inside the instance folder."""
    root = Path(instance_path).resolve()
    candidate = (root / str(relative)).resolve()
    if not candidate.is_relative_to(root) or candidate == root:
        raise AttachmentRefused(N_("This attachment is outside the instance folder."))
    if not candidate.is_file():
        raise AttachmentRefused(N_("This attachment's file is missing."))
    return candidate
