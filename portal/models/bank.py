"""Bank statements read back: the organisation's accounts, each imported file, each entry.

Reminders must stop the day money arrives, so every credit on the creditor's
account is kept with what became of it: recorded on invoices, waiting for the
creditor's review, or not a customer payment. An entry is stored once, whatever
file or overlapping statement brings it again (`identity` is unique).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, enum_column


class EntryStatus(enum.StrEnum):
    MATCHED = "matched"
    """Recorded on invoices, by a rule or by the creditor (a partial payment too)."""
    TO_REVIEW = "to_review"
    """A likely payer and invoices were found: the creditor confirms or corrects."""
    UNMATCHED = "unmatched"
    """A credit nothing could place: it waits in the reconciliation inbox."""
    IGNORED = "ignored"
    """A debit, a fee or a card settlement: never a customer's transfer."""
    NOT_CUSTOMER = "not_customer"
    """The creditor said this credit is not a customer payment."""
    REVERSAL = "reversal"
    """A return of an earlier credit: its payment was reversed."""
    SPLIT = "split"
    """One transfer paying for several customers: its parts wait in the inbox instead."""


class MatchRule(enum.StrEnum):
    RF_REFERENCE = "rf_reference"
    INVOICE_NUMBER = "invoice_number"
    PAYER = "payer"
    MANUAL = "manual"


class BankAccount(db.Model):
    """An account of the organisation whose statements may be imported."""

    __tablename__ = "bank_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    iban: Mapped[str] = mapped_column(String(34), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BankImport(db.Model):
    """One statement file read into the portal."""

    __tablename__ = "bank_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    format: Mapped[str] = mapped_column(String(20))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    accounts: Mapped[list] = mapped_column(JSON, default=list)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    """read, matched, to_review, unmatched, ignored, already_imported."""
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(300))


class BankEntry(db.Model):
    """One booked movement of a statement, and what the portal made of it."""

    __tablename__ = "bank_entries"
    __table_args__ = (
        Index("ix_bank_entries_status_date", "status", "booking_date"),
        Index("ix_bank_entries_end_to_end", "end_to_end_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("bank_imports.id"), index=True)
    identity: Mapped[str] = mapped_column(String(128), unique=True)
    """The bank's own entry reference when the file has one, else a key made of the
    account, booking date, amount, label and occurrence: the same entry twice is one."""
    account_iban: Mapped[str] = mapped_column(String(34))
    booking_date: Mapped[date] = mapped_column(Date)
    value_date: Mapped[date | None] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(Integer)
    """Signed: a credit is positive, a debit negative."""
    currency: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(20))
    counterparty_name: Mapped[str] = mapped_column(String(200), default="")
    counterparty_iban: Mapped[str] = mapped_column(String(34), default="", index=True)
    end_to_end_id: Mapped[str] = mapped_column(String(64), default="")
    bank_reference: Mapped[str] = mapped_column(String(64), default="")
    references: Mapped[list] = mapped_column(JSON, default=list)
    """Structured remittance (creditor references such as RF…)."""
    remittance: Mapped[str] = mapped_column(Text, default="")
    """Unstructured remittance lines, joined by newlines."""
    label: Mapped[str] = mapped_column(String(300), default="")
    original_end_to_end_id: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[EntryStatus] = mapped_column(enum_column(EntryStatus))
    rule: Mapped[MatchRule | None] = mapped_column(enum_column(MatchRule))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    reversed_payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    suggestion: Mapped[dict] = mapped_column(JSON, default=dict)
    """For an entry to review: {"customer_id": …, "invoice_ids": […], "why": …}."""
    note: Mapped[str] = mapped_column(String(300), default="")
    placements: Mapped[int] = mapped_column(Integer, default=0)
    """How many times the entry was recorded as a payment (again after an undo)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str] = mapped_column(String(300), default="")

    customer = relationship("Customer")
    payment = relationship("Payment", foreign_keys=[payment_id])

    @property
    def is_credit(self) -> bool:
        return self.amount_cents > 0


class PayerAccount(db.Model):
    """An IBAN the creditor confirmed as a customer's: the next transfer from it is theirs."""

    __tablename__ = "payer_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    iban: Mapped[str] = mapped_column(String(34), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BankCsvMapping(db.Model):
    """Which columns of a bank's CSV export hold the date, label and amounts, remembered."""

    __tablename__ = "bank_csv_mappings"

    id: Mapped[int] = mapped_column(primary_key=True)
    header_signature: Mapped[str] = mapped_column(String(64), unique=True)
    mapping: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
