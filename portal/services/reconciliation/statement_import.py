"""Importing a bank statement: read it whole, keep each entry once, match, record, report.

A file that cannot be read imports nothing and says where (`line N` / `entry
N`). A statement of an account that is not the organisation's is refused with
its number; while the organisation has no account yet, the import offers to add
the statement's. Entries already stored (the same file twice, overlapping
statements) are counted and left alone. Credits are matched most certain first
and recorded through the ledger as they go, so reminders stop for what is paid;
returns reverse the payment they bring back. Entries are written in batches,
so a statement of fifty thousand entries never holds the database for long.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    AuditAction,
    BankAccount,
    BankEntry,
    BankImport,
    Customer,
    DeclarationStatus,
    EntryStatus,
    Invoice,
    InvoiceStatus,
    Organisation,
    PaidDeclaration,
    PayerAccount,
    TransferReference,
)
from portal.services import audit
from portal.services.bank.csv_columns import CsvMapping
from portal.services.bank.reading import read_statement
from portal.services.errors import N_, DomainError
from portal.services.reconciliation import csv_mappings, entry_rows, recording
from portal.services.reconciliation.invoice_numbers import OpenInvoice
from portal.services.reconciliation.matching import IssuedReference, Matcher
from portal.values.banking import format_iban, normalise_iban

BATCH = 1000


class AccountNotOurs(DomainError):
    """The statement is of an account the organisation has not declared."""

    def __init__(self, accounts: list[str], *, none_yet: bool):
        self.accounts = accounts
        self.none_yet = none_yet
        if none_yet:
            super().__init__(
                N_("No bank account is set up yet: add %(accounts)s to import this statement.")
            )
        else:
            super().__init__(
                N_(
                    "This statement is for %(accounts)s, which is not one of your accounts"
                    " (settings, bank details)."
                )
            )

    def params(self) -> dict[str, str]:
        return {"accounts": ", ".join(format_iban(a) for a in self.accounts)}


@dataclass
class ImportSummary:
    read: int = 0
    matched: int = 0
    to_review: int = 0
    unmatched: int = 0
    ignored: int = 0
    already: int = 0
    dry_run: bool = False

    def line(self) -> str:
        text = (
            f"read {self.read} entries: matched {self.matched}, to review {self.to_review}, "
            f"unmatched {self.unmatched}, ignored {self.ignored}, already imported {self.already}"
        )
        return f"Dry run: {text}" if self.dry_run else text

    def as_dict(self) -> dict[str, int]:
        return {
            "read": self.read,
            "matched": self.matched,
            "to_review": self.to_review,
            "unmatched": self.unmatched,
            "ignored": self.ignored,
            "already_imported": self.already,
        }


def organisation_accounts() -> set[str]:
    accounts = set(db.session.scalars(select(BankAccount.iban)))
    own = db.session.scalar(select(Organisation.iban).limit(1))
    if own:
        accounts.add(normalise_iban(own))
    return accounts


def add_account(iban: str, *, actor: audit.Actor, now: datetime, label: str = "") -> BankAccount:
    account = BankAccount(iban=normalise_iban(iban), label=label, created_at=now)
    db.session.add(account)
    db.session.flush()
    audit.record(actor, AuditAction.BANK_ACCOUNT_ADDED, "bank_account", account.id, at=now)
    return account


def import_statement(
    data: bytes,
    *,
    filename: str,
    actor: audit.Actor,
    now: datetime,
    dry_run: bool = False,
    add_accounts: bool = False,
    csv_mapping: CsvMapping | None = None,
) -> ImportSummary:
    """Read, store, match and record one statement file; raises StatementInvalid, AccountNotOurs.

    A CSV export is read with `csv_mapping`, else with the columns remembered
    for its header (csv_mappings), else with the columns its names show.
    """
    mapping = csv_mapping or csv_mappings.for_file(data)
    statement = read_statement(data, csv_mapping=mapping, filename=filename)
    _check_accounts(statement.accounts, add_accounts=add_accounts, actor=actor, now=now)
    summary = ImportSummary(read=len(statement.entries), dry_run=dry_run)
    keys = entry_rows.identities(statement.entries)
    stored = entry_rows.already_stored(keys)
    file_row = BankImport(
        filename=filename[:255],
        format=str(statement.format),
        sha256=hashlib.sha256(data).hexdigest(),
        accounts=sorted(statement.accounts),
        imported_at=now,
        actor=actor.label,
    )
    db.session.add(file_row)
    db.session.flush()
    matcher = build_matcher()
    fresh = [(e, k) for e, k in zip(statement.entries, keys, strict=True) if k not in stored]
    summary.already = len(statement.entries) - len(fresh)
    seen: set[str] = set()
    context = _Context(
        matcher,
        summary,
        actor,
        now,
        known_payers=set(matcher.payer_ibans),
        declaring=_customers_declaring(),
    )
    for start in range(0, len(fresh), BATCH):
        rows = []
        for read_entry, key in fresh[start : start + BATCH]:
            if key in seen:  # the same entry twice in one file
                summary.already += 1
                continue
            seen.add(key)
            rows.append(entry_rows.row_for(read_entry, key, file_row.id, now))
        db.session.add_all(rows)
        db.session.flush()
        for row in rows:
            _decide(row, context)
        if not dry_run:
            db.session.commit()
    file_row.counts = summary.as_dict()
    audit.record(
        actor,
        AuditAction.BANK_STATEMENT_IMPORTED,
        "bank_import",
        file_row.id,
        at=now,
        filename=filename,
        **summary.as_dict(),
    )
    if dry_run:
        db.session.rollback()
    return summary


def build_matcher() -> Matcher:
    open_rows = db.session.execute(
        select(
            Invoice.id,
            Invoice.number,
            Invoice.customer_id,
            Invoice.outstanding_cents,
            Invoice.due_date,
            Invoice.currency,
        ).where(Invoice.status == InvoiceStatus.OPEN, Invoice.outstanding_cents > 0)
    )
    invoices = [OpenInvoice(*row) for row in open_rows]
    references = {
        ref: IssuedReference(ref, customer_id, tuple(int(k) for k in (allocations or {})))
        for ref, customer_id, allocations in db.session.execute(
            select(
                TransferReference.reference,
                TransferReference.customer_id,
                TransferReference.allocations,
            )
        )
    }
    payers = dict(db.session.execute(select(PayerAccount.iban, PayerAccount.customer_id)).all())
    names = [tuple(row) for row in db.session.execute(select(Customer.id, Customer.name))]
    return Matcher(invoices, references, payers, names)


@dataclass
class _Context:
    """What every entry of one statement is decided with."""

    matcher: Matcher
    summary: ImportSummary
    actor: audit.Actor
    now: datetime
    known_payers: set[str]
    declaring: set[int]


def _customers_declaring() -> set[int]:
    """Customers with an "I have already paid" waiting: only their matches look for it."""
    return set(
        db.session.scalars(
            select(PaidDeclaration.customer_id).where(
                PaidDeclaration.status == DeclarationStatus.PENDING
            )
        )
    )


def _decide(row: BankEntry, context: _Context) -> None:
    matcher, summary, actor, now = context.matcher, context.summary, context.actor, context.now
    if row.status is EntryStatus.IGNORED:
        credit = _returned_credit(row)
        if credit is not None:
            recording.reverse_returned(row, credit, actor=actor, now=now)
            summary.matched += 1
        else:
            summary.ignored += 1
        return
    match = matcher.match(
        row.amount_cents,
        row.currency,
        references=list(row.references or []),
        text="\n".join(filter(None, [row.remittance, row.label])),
        payer_iban=row.counterparty_iban,
        payer_name=row.counterparty_name,
    )
    if match is None:
        summary.unmatched += 1
        return
    if not match.automatic:
        row.status = EntryStatus.TO_REVIEW
        row.rule = match.rule
        row.customer_id = match.customer_id
        row.suggestion = {
            "customer_id": match.customer_id,
            "invoice_ids": [invoice_id for invoice_id, _ in match.shares],
            "why": match.why,
        }
        summary.to_review += 1
        return
    recording.record(
        row,
        match,
        actor=actor,
        now=now,
        known_payers=context.known_payers,
        declaring=context.declaring,
    )
    matcher.settle(match)
    summary.matched += 1


def _returned_credit(debit: BankEntry) -> BankEntry | None:
    """The matched credit a returned debit names by its end-to-end id, if any."""
    if not debit.original_end_to_end_id or debit.amount_cents >= 0:
        return None
    return db.session.scalar(
        select(BankEntry).where(
            BankEntry.end_to_end_id == debit.original_end_to_end_id,
            BankEntry.status == EntryStatus.MATCHED,
            BankEntry.amount_cents > 0,
        )
    )


def _check_accounts(
    accounts: set[str], *, add_accounts: bool, actor: audit.Actor, now: datetime
) -> None:
    known = organisation_accounts()
    unknown = sorted(a for a in accounts if a not in known)
    if not unknown:
        return
    if not known and add_accounts:
        for iban in unknown:
            add_account(iban, actor=actor, now=now)
        return
    raise AccountNotOurs(unknown, none_yet=not known)
