"""A credit split into parts: the parts are bank entries of their own, the credit stays as it was.

Each part is placed like any credit (recorded on one customer's invoices, or set
aside), so the ledger, reminders and undo need nothing new. A part is known by
its credit's identity and its number (`…#2`): no column links them, and a
statement imported again still finds the credit itself already stored. Taking a
split back deletes the parts, so it is allowed only while none was ever placed:
a part recorded once has a payment keyed on its id at the ledger.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditAction, BankEntry, EntryStatus
from portal.services import audit

IDENTITY_LENGTH = 128
MAX_PARTS = 20
_WAITING = (EntryStatus.UNMATCHED, EntryStatus.TO_REVIEW)


def split(entry: BankEntry, amounts: list[int], *, actor: audit.Actor, now: datetime) -> None:
    """The parts, in the order given; the caller has checked that they add up."""
    base = _base(entry)
    for number, cents in enumerate(amounts, start=1):
        db.session.add(
            BankEntry(
                import_id=entry.import_id,
                identity=f"{base}#{number}",
                account_iban=entry.account_iban,
                booking_date=entry.booking_date,
                value_date=entry.value_date,
                amount_cents=cents,
                currency=entry.currency,
                kind=entry.kind,
                counterparty_name=entry.counterparty_name,
                counterparty_iban=entry.counterparty_iban,
                end_to_end_id=entry.end_to_end_id,
                bank_reference=entry.bank_reference,
                references=list(entry.references or []),
                remittance=entry.remittance,
                label=entry.label,
                original_end_to_end_id=entry.original_end_to_end_id,
                status=EntryStatus.UNMATCHED,
                suggestion={},
                note=f"Part {number} of {len(amounts)} of bank entry {entry.id}",
                created_at=now,
            )
        )
    entry.status = EntryStatus.SPLIT
    entry.rule = None
    entry.customer_id = None
    entry.suggestion = {}
    entry.decided_at, entry.decided_by = now, actor.label
    audit.record(
        actor,
        AuditAction.BANK_ENTRY_SPLIT,
        "bank_entry",
        entry.id,
        at=now,
        amount_cents=entry.amount_cents,
        currency=entry.currency,
        parts=list(amounts),
    )
    db.session.flush()


def parts(entry: BankEntry) -> list[BankEntry]:
    """The parts of a split credit, by number."""
    prefix = f"{_base(entry)}#"
    found = db.session.scalars(
        select(BankEntry).where(BankEntry.identity.startswith(prefix, autoescape=True))
    )
    numbered = [(p.identity[len(prefix) :], p) for p in found]
    return [
        p for _, p in sorted(((int(n), p) for n, p in numbered if n.isdigit()), key=lambda t: t[0])
    ]


def can_merge(entry: BankEntry) -> bool:
    return all(p.status in _WAITING and not p.placements for p in parts(entry))


def merge(entry: BankEntry, *, actor: audit.Actor, now: datetime) -> None:
    """The parts are deleted and the credit waits in the inbox again."""
    for part in parts(entry):
        db.session.delete(part)
    entry.status = EntryStatus.UNMATCHED
    entry.decided_at, entry.decided_by = now, actor.label
    audit.record(
        actor,
        AuditAction.BANK_ENTRY_SPLIT_UNDONE,
        "bank_entry",
        entry.id,
        at=now,
        amount_cents=entry.amount_cents,
        currency=entry.currency,
    )
    db.session.flush()


def split_from(entries: list[BankEntry]) -> dict[int, BankEntry]:
    """For each part among these entries, the credit it was split from, in one query."""
    bases = {e.id: e.identity.rsplit("#", 1)[0] for e in entries if "#" in e.identity}
    if not bases:
        return {}
    ids = {int(b.removeprefix("split:")) for b in bases.values() if _is_id_base(b)}
    identities = {b for b in bases.values() if not _is_id_base(b)}
    found = db.session.scalars(
        select(BankEntry).where(
            BankEntry.status == EntryStatus.SPLIT,
            BankEntry.identity.in_(identities or {""}) | BankEntry.id.in_(ids or {-1}),
        )
    ).all()
    by_base = {_base(e): e for e in found}
    return {entry_id: by_base[b] for entry_id, b in bases.items() if b in by_base}


def _base(entry: BankEntry) -> str:
    """The credit's identity, or its id when the identity leaves no room for a part number."""
    if len(entry.identity) + len(f"#{MAX_PARTS}") <= IDENTITY_LENGTH:
        return entry.identity
    return f"split:{entry.id}"


def _is_id_base(base: str) -> bool:
    return base.startswith("split:") and base.removeprefix("split:").isdigit()
