"""Bank identifiers: IBAN checks (ISO 13616, mod 97)."""

from __future__ import annotations

import re

IBAN_RE = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")


def normalise_iban(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "").upper()


def iban_is_valid(value: str) -> bool:
    iban = normalise_iban(value)
    if not IBAN_RE.match(iban):
        return False
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


def format_iban(value: str) -> str:
    """Groups of four, as printed on bank documents."""
    iban = normalise_iban(value)
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
