"""Promises to pay, and the message thread between a debtor and the creditor."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, enum_column


class PromiseStatus(enum.StrEnum):
    PENDING = "pending"
    KEPT = "kept"
    BROKEN = "broken"


class Promise(db.Model):
    __tablename__ = "promises"
    __table_args__ = (
        # One pending promise per customer and set of invoices, even under a race.
        Index(
            "uq_promises_pending_invoices",
            "customer_id",
            "invoice_key",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    invoice_ids: Mapped[list] = mapped_column(JSON)
    invoice_key: Mapped[str] = mapped_column(String(400), default="", server_default="")
    """The invoice ids, sorted and comma-joined: what the unique index compares."""
    promised_date: Mapped[date] = mapped_column(Date)
    amount_cents: Mapped[int | None] = mapped_column(Integer)
    """None: everything still due on the invoices."""
    status: Mapped[PromiseStatus] = mapped_column(
        enum_column(PromiseStatus), default=PromiseStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    customer = relationship("Customer")

    @staticmethod
    def key_for(invoice_ids) -> str:
        return ",".join(str(i) for i in sorted({int(i) for i in invoice_ids}))


class Message(db.Model):
    """One message of the thread between a customer (debtor) and the creditor."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_customer_at", "customer_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    author: Mapped[str] = mapped_column(String(20))
    """"debtor" or "creditor"."""
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the other side first saw it."""
