"""Recognising a customer from the payer name a bank prints, which is never quite the same.

Banks print `SARL BOULANGERIE HELENE LEFEVRE`, `M OU MME DURAND JEAN`, or cut the
name at 35 characters; customers are filed as `Boulangerie Hélène Lefèvre`.
Names are compared without accents, case, punctuation, legal forms and
courtesy titles, as sets of words, so word order and a truncated last word do
not matter. A name match is only ever a suggestion for the creditor, never a
payment recorded on its own.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

_NOISE = {
    "SARL",
    "SAS",
    "SASU",
    "SA",
    "EURL",
    "SCI",
    "SNC",
    "SCP",
    "SELARL",
    "EI",
    "EIRL",
    "ETS",
    "STE",
    "SOCIETE",
    "STE.",
    "M",
    "MR",
    "MME",
    "MLLE",
    "MM",
    "MONSIEUR",
    "MADAME",
    "OU",
    "ET",
    "LE",
    "LA",
    "LES",
    "DE",
    "DU",
    "DES",
    "D",
    "L",
    "ME",
    "DR",
}
#: A name match needs this share of the shorter name's words (and at least two words or one long).
THRESHOLD = 0.8


def words(name: str) -> frozenset[str]:
    """The words that identify a name: no accents, case, punctuation, legal forms or titles."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper()
    return frozenset(w for w in re.split(r"[^A-Z0-9]+", plain) if w and w not in _NOISE)


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Share of the shorter name's words found in the other (a cut last word counts)."""
    if not a or not b:
        return 0.0
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    hits = sum(1 for w in short if w in long_ or any(x.startswith(w) for x in long_ if len(w) >= 4))
    return hits / len(short)


class NameIndex:
    """Customers by the words of their names, to find who a payer name is."""

    def __init__(self, customers: list[tuple[int, str]]):
        self._names = {customer_id: words(name) for customer_id, name in customers}
        self._by_word: dict[str, set[int]] = defaultdict(set)
        for customer_id, name_words in self._names.items():
            for word in name_words:
                self._by_word[word].add(customer_id)

    def find(self, payer_name: str) -> int | None:
        """The one customer the payer name is, or None when none or several fit."""
        payer = words(payer_name)
        candidates: set[int] = set()
        for word in payer:
            candidates |= self._by_word.get(word, set())
        fitting = [
            c
            for c in candidates
            if _strong(payer, self._names[c]) and similarity(payer, self._names[c]) >= THRESHOLD
        ]
        return fitting[0] if len(fitting) == 1 else None


def _strong(a: frozenset[str], b: frozenset[str]) -> bool:
    """One common short word (a first name) is not enough to name a customer."""
    common = a & b
    return len(common) >= 2 or any(len(w) >= 6 for w in common)
