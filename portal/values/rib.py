"""French bank account numbers (RIB) and the IBAN they stand for.

French bank files name the account the old way: bank code (5 digits), branch
code (5 digits), account number (11 letters or digits), sometimes without the
two-digit RIB key. CFONB statements never carry the key, OFX files from French
banks carry it only now and then, and MT940 files mix both habits. The portal
knows accounts by IBAN, so the key is computed (mod 97, letters mapped as the
Banque de France publishes them) and then the IBAN check digits (ISO 13616).
"""

from __future__ import annotations

import re

from portal.values.banking import iban_is_valid

#: How a RIB key reads the letters of an account number (not the IBAN's A=10 … Z=35).
_RIB_LETTERS = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "12345678912345678923456789",
)
_BANK_RE = re.compile(r"[0-9]{5}")
_ACCOUNT_RE = re.compile(r"[0-9A-Z]{11}")


def rib_key(bank: str, branch: str, account: str) -> str:
    """The two-digit RIB key of bank code, branch code and account number."""
    number = int(account.upper().translate(_RIB_LETTERS))
    return f"{97 - (89 * int(bank) + 15 * int(branch) + 3 * number) % 97:02d}"


def iban_check_digits(country: str, bban: str) -> str:
    """ISO 13616 check digits for the basic bank account number `bban` of `country`."""
    digits = "".join(str(int(ch, 36)) for ch in (bban + country + "00").upper())
    return f"{98 - int(digits) % 97:02d}"


def rib_to_iban(bank: str, branch: str, account: str, key: str = "") -> str | None:
    """The French IBAN of a RIB, or None when a part is malformed or the key is wrong.

    Without `key`, the key is computed; with one, it must be the right one.
    """
    account = account.upper()
    if not (_BANK_RE.fullmatch(bank) and _BANK_RE.fullmatch(branch)):
        return None
    if not _ACCOUNT_RE.fullmatch(account):
        return None
    expected = rib_key(bank, branch, account)
    if key and key != expected:
        return None
    bban = f"{bank}{branch}{account}{expected}"
    return f"FR{iban_check_digits('FR', bban)}{bban}"


def french_account_to_iban(text: str) -> str | None:
    """An IBAN from how French files write an account, or None when it is not one.

    Accepts an IBAN (spaces and dashes allowed), or a RIB written as 21
    characters (bank, branch, account) or 23 (with its key), separated by
    spaces, slashes or dashes or not at all.
    """
    compact = re.sub(r"[\s/-]", "", text or "").upper()
    if iban_is_valid(compact):
        return compact
    if len(compact) in (21, 23):
        return rib_to_iban(compact[:5], compact[5:10], compact[10:21], compact[21:])
    return None
