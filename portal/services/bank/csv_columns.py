"""Which column of a bank's CSV export holds what, from the names banks give them.

Every bank exports its own columns: "Date;Libellé;Débit euros;Crédit
euros", "Date opération;Libellé opération;Montant opération", "Date de
l'opération;Libellé;Détail de l'écriture;Montant de l'opération;Devise",
"dateOp;dateVal;label;…;amount", "Date,Description,Amount"… Names are
compared without accents, case, punctuation or a trailing currency, in an
order of preference, and a file whose columns cannot be told apart is
refused with the names it has, so the person can say which is which once
and the caller can remember it as a CsvMapping.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: Names as normalise() writes them, most telling first.
DATES = (
    "date comptable",
    "date de comptabilisation",
    "booking date",
    "date operation",
    "date de l operation",
    "date d operation",
    "dateop",
    "date",
    "transaction date",
)
VALUE_DATES = ("date de valeur", "date valeur", "dateval", "value date")
LABELS = (
    "libelle operation",
    "libelle de l operation",
    "libelle",
    "label",
    "description",
    "intitule",
    "libelle simplifie",
    "libelle court",
    "narrative",
)
DETAILS = ("detail de l ecriture", "details", "detail", "informations complementaires", "memo")
AMOUNTS = ("montant", "montant operation", "montant de l operation", "amount", "somme")
DEBITS = ("debit", "debits", "montant debit", "sortie", "sorties", "paid out", "debit amount")
CREDITS = ("credit", "credits", "montant credit", "entree", "entrees", "paid in", "credit amount")
REFERENCES = ("reference", "reference operation", "ref", "numero d operation")
CURRENCIES = ("devise", "currency", "monnaie")
_CURRENCY_WORDS = {"eur", "euro", "euros", "en"}


@dataclass(frozen=True)
class CsvMapping:
    """Header names, as the file writes them, of the columns a bank CSV export is read from.

    The amount is either one signed `amount` column or a `debit` and a
    `credit` column. `account_iban` names the account when the file does
    not (most exports do not).
    """

    date: str
    label: str
    amount: str = ""
    debit: str = ""
    credit: str = ""
    value_date: str = ""
    detail: str = ""
    reference: str = ""
    currency: str = ""
    account_iban: str = ""

    def __post_init__(self) -> None:
        if not (self.amount or (self.debit and self.credit)):
            raise ValueError("a CSV mapping needs an amount column, or debit and credit columns")

    def columns(self) -> dict[str, str]:
        """The named columns by role ("date", "label"…), leaving out the unnamed ones."""
        roles = (
            "date",
            "label",
            "amount",
            "debit",
            "credit",
            "value_date",
            "detail",
            "reference",
            "currency",
        )
        return {role: getattr(self, role) for role in roles if getattr(self, role)}


def normalise(name: str) -> str:
    """ "Débit (EUR)" → "debit", "Date de l'opération" → "date de l operation"."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", folded)
    while words and words[-1] in _CURRENCY_WORDS:
        words.pop()
    return " ".join(words)


def detect(header: list[str]) -> CsvMapping | None:
    """The mapping a header row names, or None when it lacks a date, a label or an amount."""
    names: dict[str, str] = {}
    for name in header:
        names.setdefault(normalise(name), name.strip())

    def pick(candidates: tuple[str, ...]) -> str:
        return next((names[c] for c in candidates if c in names), "")

    date, label = pick(DATES), pick(LABELS)
    amount, debit, credit = pick(AMOUNTS), pick(DEBITS), pick(CREDITS)
    if not (date and label and (amount or (debit and credit))):
        return None
    return CsvMapping(
        date=date,
        label=label,
        amount="" if debit and credit else amount,
        debit=debit if debit and credit else "",
        credit=credit if debit and credit else "",
        value_date=pick(VALUE_DATES),
        detail=next((names[c] for c in DETAILS if c in names and names[c] != label), ""),
        reference=pick(REFERENCES),
        currency=pick(CURRENCIES),
    )


def positions(header: list[str], mapping: CsvMapping) -> dict[str, int] | None:
    """Where each of the mapping's columns is in `header`, or None when one is missing."""
    index: dict[str, int] = {}
    for position, name in enumerate(header):
        index.setdefault(normalise(name), position)
    found = {role: index.get(normalise(name)) for role, name in mapping.columns().items()}
    if any(position is None for position in found.values()):
        return None
    return {role: position for role, position in found.items() if position is not None}
