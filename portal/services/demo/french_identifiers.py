"""French identifiers that pass their checks: SIREN and SIRET (Luhn), VAT number, IBAN.

A demo whose numbers fail the validators would be caught out by the first
accountant who looks, and would trip the portal's own IBAN check; computing the
check digits keeps the identities fictional but well formed.
"""

from __future__ import annotations


def luhn_digit(payload: str) -> str:
    """The check digit that makes `payload + digit` pass Luhn (SIREN and SIRET use it)."""
    total = 0
    for index, char in enumerate(reversed(payload)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str(-total % 10)


def vat_number(siren: str) -> str:
    """French intra-community VAT number: FR + key + SIREN."""
    key = (12 + 3 * (int(siren) % 97)) % 97
    return f"FR{key:02d}{siren}"


def french_iban(bank: str, branch: str, account: str) -> str:
    """A French IBAN whose RIB key and IBAN check digits are both correct."""
    rib_key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97
    bban = f"{bank}{branch}{account}{rib_key:02d}"
    digits = "".join(str(int(char, 36)) for char in bban + "FR00")
    return f"FR{98 - int(digits) % 97:02d}{bban}"
