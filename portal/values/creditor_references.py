"""ISO 11649 creditor references (RF…): making, checking and printing them.

The portal gives each selection of invoices its own RF reference, and bank
statements bring it back in a transfer's remittance information. Both sides
need the same mod-97 arithmetic, so it lives here, free of Flask and the
database, where the payment pages and the statement parsers can share it.
"""

from __future__ import annotations

#: "RF", two check digits and a body of 1 to 21 letters and digits.
MIN_LENGTH = 5
MAX_LENGTH = 25


def _as_digits(text: str) -> int:
    """Letters as ISO 7064 reads them (A=10 … Z=35), digits as they are."""
    return int("".join(str(int(ch, 36)) for ch in text))


def rf_check_digits(body: str) -> str:
    """ISO 11649 check digits: 98 - (body + "RF00" as digits) mod 97."""
    return f"{98 - _as_digits((body + 'RF00').upper()) % 97:02d}"


def make_rf(body: str) -> str:
    body = body.upper()
    if not (body.isascii() and body.isalnum()) or not 1 <= len(body) <= 21:
        raise ValueError("an RF reference body is 1 to 21 letters and digits")
    return f"RF{rf_check_digits(body)}{body}"


def rf_is_valid(reference: str) -> bool:
    """Whether `reference` (spaces allowed, any case) is an RF reference with good check digits."""
    reference = reference.replace(" ", "").upper()
    if not reference.startswith("RF") or not MIN_LENGTH <= len(reference) <= MAX_LENGTH:
        return False
    if not (reference.isascii() and reference.isalnum() and reference[2:4].isdigit()):
        return False
    return _as_digits(reference[4:] + reference[:4]) % 97 == 1


def format_rf(reference: str) -> str:
    """Groups of four, as printed on invoices and letters."""
    return " ".join(reference[i : i + 4] for i in range(0, len(reference), 4))
