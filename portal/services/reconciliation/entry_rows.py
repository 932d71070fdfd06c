"""Turning a read statement into entry rows, each stored once whatever file brings it again.

Banks send overlapping statements (a monthly file after daily ones) and people
import the same file twice. An entry is known by the bank's own reference when
the file has one (camt `AcctSvcrRef`, OFX `FITID`: `NtryRef` restarts in every
statement, so it is not used), else by its account, booking date, amount,
label and occurrence: the second identical movement of a day is another entry,
and the same day read again from another file is the same two.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from portal.extensions import db
from portal.models import BankEntry, EntryStatus
from portal.services.bank.statement import BankEntry as ReadEntry
from portal.services.bank.statement import Direction, EntryKind

#: Kinds of credit that are never a customer's transfer to the creditor.
NOT_CUSTOMER_KINDS = {EntryKind.CARD, EntryKind.FEE, EntryKind.RETURN, EntryKind.DIRECT_DEBIT}
_LOOKUP_CHUNK = 500


def identities(entries: Iterable[ReadEntry]) -> list[str]:
    """One identity per entry, in file order."""
    seen: Counter[str] = Counter()
    result = []
    for entry in entries:
        if entry.bank_reference:
            key = f"ref:{entry.account_iban}:{entry.bank_reference}:{entry.detail}"
        else:
            base = "|".join(
                (
                    entry.account_iban,
                    entry.booking_date.isoformat(),
                    str(entry.amount_cents),
                    entry.currency,
                    " ".join(entry.label.split()).upper(),
                    entry.end_to_end_id,
                )
            )
            seen[base] += 1
            key = "key:" + hashlib.sha256(f"{base}|{seen[base]}".encode()).hexdigest()
        result.append(key[:128])
    return result


def already_stored(keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), _LOOKUP_CHUNK):
        chunk = keys[start : start + _LOOKUP_CHUNK]
        found.update(
            db.session.scalars(select(BankEntry.identity).where(BankEntry.identity.in_(chunk)))
        )
    return found


def first_status(entry: ReadEntry) -> EntryStatus:
    """Debits, fees and card settlements are set aside at once; credits wait for matching."""
    if entry.direction is Direction.DEBIT or entry.kind in NOT_CUSTOMER_KINDS:
        return EntryStatus.IGNORED
    return EntryStatus.UNMATCHED


def row_for(entry: ReadEntry, identity: str, import_id: int | None, now: datetime) -> BankEntry:
    return BankEntry(
        import_id=import_id,
        identity=identity,
        account_iban=entry.account_iban,
        booking_date=entry.booking_date,
        value_date=entry.value_date,
        amount_cents=entry.amount_cents,
        currency=entry.currency,
        kind=str(entry.kind),
        counterparty_name=entry.counterparty_name[:200],
        counterparty_iban=entry.counterparty_iban[:34],
        end_to_end_id=entry.end_to_end_id[:64],
        bank_reference=entry.bank_reference[:64],
        references=list(entry.structured_references),
        remittance="\n".join(entry.unstructured),
        label=entry.label[:300],
        original_end_to_end_id=entry.original_end_to_end_id[:64],
        status=first_status(entry),
        suggestion={},
        created_at=now,
    )
