"""How an import recognises what it has already written, so a second run changes nothing.

An invoice carries the fingerprint of its normalised header and lines: the
same file, or the same data written the French way, fingerprints alike, and
so does an invoice typed in by hand with the same content. A payment has no
number of its own, so its natural key (invoice, date, amount, method,
reference) and its rank among identical rows of the file make its external
key. Changing either formula makes every earlier import look new.
"""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

from portal.models import PaymentMethod


def canonical(value: Decimal) -> str:
    """The same number always reads the same: 1, 1.0 and 1,00 are one value."""
    return format(value.normalize(), "f")


def line_key(description: str, quantity: str, unit_price: str, tax_rate: str) -> str:
    """One line as the fingerprint sees it; the numbers are canonical."""
    return f"{description}\x1f{quantity}\x1f{unit_price}\x1f{tax_rate}"


def invoice_fingerprint(
    number: str,
    customer_ref: str,
    issue_date: date,
    due_date: date,
    currency: str,
    line_keys: list[str],
) -> str:
    """sha256 of the normalised header and lines: equal iff the invoice would not change."""
    header = "\x1f".join(
        (number, customer_ref, issue_date.isoformat(), due_date.isoformat(), currency)
    )
    return hashlib.sha256("\x1e".join([header, *line_keys]).encode()).hexdigest()


def payment_key(
    invoice_number: str,
    paid_on: date,
    amount_cents: int,
    method: PaymentMethod,
    reference: str,
    occurrences: dict[bytes, int],
) -> str:
    """The payment's external key; `occurrences` counts identical rows seen so far in the file.

    The same payment made twice appears as two identical rows: the rank tells
    them apart, and a third identical row in a later file is a new payment.
    """
    natural = f"{invoice_number}|{paid_on.isoformat()}|{amount_cents}|{method.value}|{reference}"
    seen = hashlib.sha256(natural.encode()).digest()
    occurrence = occurrences[seen] = occurrences.get(seen, 0) + 1
    return "import:" + hashlib.sha256(f"{natural}|{occurrence}".encode()).hexdigest()
