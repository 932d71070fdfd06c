"""How names sort: as a French reader expects, not by the bytes of their letters.

A byte order puts "Brightwell" before "Béranger" (é is past every ASCII
letter) and "atelier" after "Zénith". The key folds case and accents, and
spells out the ligatures, so the database can sort by it with a plain index on
SQLite and PostgreSQL alike, without an ICU collation on the server.
"""

from __future__ import annotations

import unicodedata

_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "đ": "d", "ł": "l"})


def sort_key(name: str) -> str:
    """The name without case, accents or ligatures, its spaces collapsed."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(plain.translate(_LIGATURES).split())
