"""Finding ISO 11649 creditor references (RF…) in what a payer typed.

The portal's transfer instructions give each selection of invoices an RF
reference. Payers' banks pass it on as a structured reference when they can,
but often it arrives inside the free remittance text: in any case, with or
without spaces, after other words, and cut in two where the bank wraps its
lines (at 35 characters in SEPA and CFONB, 65 in MT940, 140 in camt). So the
lines are read joined end to end, a reference may stop at a line's end or
run into the next line, and only a candidate whose mod-97 check holds is
kept: an invoice number or a date is not taken for a reference.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import accumulate

from portal.services.bank.statement import BankEntry
from portal.values.creditor_references import rf_is_valid

_START = re.compile(r"RF[0-9]{2}")
MAX_BODY = 21


def _is_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _candidate_bodies(text: str, start: int, joins: set[int]) -> list[str]:
    """Every body that could end the reference starting at `start`, shortest first.

    A body may end where a word ends, where a line was cut, or at the end of
    the text; single spaces inside are ignored ("RF18 5390 0754 7034").
    """
    bodies: list[str] = []
    body = ""
    i = start + 4
    while i < len(text):
        ch = text[i]
        if _is_alnum(ch):
            if len(body) == MAX_BODY:
                return bodies
            body += ch
            i += 1
            if i in joins:
                bodies.append(body)
        elif ch == " " and i + 1 < len(text) and _is_alnum(text[i + 1]):
            if body and body not in bodies:
                bodies.append(body)
            i += 1
        else:
            break
    if body and body not in bodies:
        bodies.append(body)
    return bodies


def find_rf_references(lines: Iterable[str]) -> tuple[str, ...]:
    """The valid RF references in `lines` (remittance lines, in order), compact and upper case.

    A reference may be split across two consecutive lines. Each is listed
    once, in the order it appears.
    """
    return _references(lines, every_reading=False)


def rf_candidates(lines: Iterable[str]) -> tuple[str, ...]:
    """Every valid reading of every RF reference in `lines`, the longest of each first.

    A reference cut at a line's end, or followed by a word, may read two ways
    that both pass the mod-97 check (about once in a hundred): "RF22…V2HR" and
    "RF22…V2HRMERCI". A caller that knows which references exist (the portal's
    own) tries each reading in turn instead of trusting the longest.
    """
    return _references(lines, every_reading=True)


def _references(lines: Iterable[str], *, every_reading: bool) -> tuple[str, ...]:
    parts = [line.upper() for line in lines if line]
    text = "".join(parts)
    joins = set(accumulate(len(part) for part in parts))
    line_starts = {0} | joins
    found: list[str] = []
    for match in _START.finditer(text):
        start = match.start()
        if start not in line_starts and _is_alnum(text[start - 1]):
            continue
        prefix = match.group()
        for body in reversed(_candidate_bodies(text, start, joins)):
            reference = prefix + body
            if rf_is_valid(reference):
                if reference not in found:
                    found.append(reference)
                if not every_reading:
                    break
    return tuple(found)


def rf_references_of(entry: BankEntry) -> tuple[str, ...]:
    """The RF references an entry carries: structured ones first, then those in its free text."""
    structured = [
        ref.replace(" ", "").upper() for ref in entry.structured_references if rf_is_valid(ref)
    ]
    found = list(dict.fromkeys(structured))
    for reference in find_rf_references(entry.unstructured):
        if reference not in found:
            found.append(reference)
    return tuple(found)
