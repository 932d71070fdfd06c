"""Header values and addresses that cannot smuggle in a header or a recipient.

Subjects, names and reply-to addresses come from imported files, the
creditor's settings and the mail server's replies; a CR or LF in any of them
would let it start a `Bcc:` line. Every header value goes through
`header_text`, and an address is used only if `valid_address` accepts it.
Plain string code, shared by the delivery service and the SMTP adapter.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_ADDRESS = re.compile(r"[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\]+\.[^@\s<>()\[\],;:\"\\]+")


def header_text(value: str) -> str:
    """A header value on one line: CR, LF and every other control character become spaces."""
    return " ".join(_CONTROL.sub(" ", value).split())


def valid_address(address: str) -> bool:
    """One plain address, nothing that could end a header or add a recipient."""
    return bool(address) and len(address) <= 254 and _ADDRESS.fullmatch(address) is not None
