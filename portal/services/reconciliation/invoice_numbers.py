"""Finding invoice numbers in what a payer typed in a transfer's remittance text.

People type numbers as they please: `FA 2026-0042`, `fa20260042`, `2026/0042`,
`Facture 42`. Numbers and text are compared with case, spaces and separators
taken out, with or without the letters the number starts with; a bare number
after a word such as "facture" matches an invoice whose number ends with it only
when exactly one open invoice does. The index holds open invoices only and
answers each lookup from dictionaries, so a statement of fifty thousand entries
is matched in seconds against any number of invoices.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

_SEPARATORS = re.compile(r"[\s\-_./\\:#°]+")
_TOKEN = re.compile(r"[0-9A-Za-z]+(?:[\-_./\\][0-9A-Za-z]+)*")
_KEYWORDS = {
    "FACTURE",
    "FACTURES",
    "FACT",
    "FAC",
    "FA",
    "FCT",
    "INVOICE",
    "INVOICES",
    "INV",
    "N",
    "NO",
    "NUM",
}
_WINDOW = 3


@dataclass(frozen=True, slots=True)
class OpenInvoice:
    id: int
    number: str
    customer_id: int
    outstanding_cents: int
    due_date: date
    currency: str


def compact(text: str) -> str:
    """Upper case, without spaces and separators: the form numbers are compared in."""
    return _SEPARATORS.sub("", text).upper()


def _without_prefix(compacted: str) -> str:
    return compacted.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _numeric_tail(number: str) -> int | None:
    """The last group of digits as written: `FA-2026-0042` ends with 42."""
    match = re.search(r"([0-9]+)[^0-9]*$", number)
    return int(match.group(1)) if match else None


class InvoiceNumberIndex:
    """Open invoices by the forms their numbers may be typed in."""

    def __init__(self, invoices: list[OpenInvoice]):
        self.by_id = {i.id: i for i in invoices}
        self._exact: dict[str, list[int]] = defaultdict(list)
        self._tail: dict[int, list[int]] = defaultdict(list)
        for invoice in invoices:
            full = compact(invoice.number)
            self._exact[full].append(invoice.id)
            bare = _without_prefix(full)
            if bare and bare != full and len(bare) >= 4:
                self._exact[bare].append(invoice.id)
            tail = _numeric_tail(invoice.number)
            if tail is not None:
                self._tail[tail].append(invoice.id)

    def find(self, text: str) -> list[OpenInvoice]:
        """The open invoices the text names, in the order it names them, each once."""
        tokens = _TOKEN.findall(text)
        found: list[int] = []
        for start in range(len(tokens)):
            for size in range(1, _WINDOW + 1):
                window = tokens[start : start + size]
                if len(window) < size:
                    break
                for invoice_id in self._exact.get(compact("".join(window)), ()):
                    if invoice_id not in found:
                        found.append(invoice_id)
        if not found:
            found = self._after_keyword(tokens)
        return [self.by_id[i] for i in found]

    def _after_keyword(self, tokens: list[str]) -> list[int]:
        """`Facture 42`: a bare number after a keyword, when one open invoice alone ends with it."""
        found: list[int] = []
        for before, token in zip(tokens, tokens[1:], strict=False):
            if compact(before) not in _KEYWORDS or not token.isdigit():
                continue
            candidates = self._tail.get(int(token), [])
            if len(candidates) == 1 and candidates[0] not in found:
                found.append(candidates[0])
        return found
