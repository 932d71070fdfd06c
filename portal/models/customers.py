"""Customers (debtors) and their email addresses."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from portal.extensions import db
from portal.models.organisation import PenaltyRateBasis
from portal.models.types import UTCDateTime, enum_column, utcnow
from portal.values.names import sort_key


def _sort_name_of_inserted_row(context) -> str:
    """For inserts that bypass the attribute (the importer's bulk inserts)."""
    return sort_key(context.get_current_parameters().get("name") or "")


class CustomerKind(enum.StrEnum):
    BUSINESS = "business"
    CONSUMER = "consumer"


class Customer(db.Model):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    sort_name: Mapped[str] = mapped_column(
        String(200), index=True, default=_sort_name_of_inserted_row
    )
    """The name as lists sort it (values/names.py): without case, accents or ligatures."""
    kind: Mapped[CustomerKind] = mapped_column(
        enum_column(CustomerKind), default=CustomerKind.BUSINESS
    )
    language: Mapped[str] = mapped_column(String(2), default="fr")
    timezone: Mapped[str] = mapped_column(String(64), default="", server_default="")
    """An IANA zone (America/Martinique) where the debtor lives; empty: the organisation's."""
    phone: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    postcode: Mapped[str] = mapped_column(String(20), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(2), default="FR")
    siren: Mapped[str] = mapped_column(String(9), default="")
    segment: Mapped[str] = mapped_column(String(64), default="", index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    reminders_paused_until: Mapped[date | None] = mapped_column(Date)
    scenario_id: Mapped[int | None] = mapped_column(ForeignKey("scenarios.id", ondelete="SET NULL"))
    """A scenario chosen for this customer; otherwise by segment, then by kind."""
    penalty_rate_basis: Mapped[PenaltyRateBasis | None] = mapped_column(
        enum_column(PenaltyRateBasis)
    )
    """This customer's contract terms for late payment; None: the organisation's terms."""
    penalty_margin_bp: Mapped[int | None] = mapped_column(Integer)
    penalty_fixed_rate_bp: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    emails: Mapped[list[CustomerEmail]] = relationship(
        back_populates="customer",
        order_by="CustomerEmail.position",
        cascade="all, delete-orphan",
    )

    @validates("name")
    def _keep_the_sort_name(self, _key: str, name: str) -> str:
        self.sort_name = sort_key(name or "")
        return name

    @property
    def email_addresses(self) -> list[str]:
        return [e.email for e in self.emails]

    @property
    def address_lines(self) -> list[str]:
        city = " ".join(part for part in (self.postcode, self.city) if part)
        return [line for line in (self.address, city) if line]

    def reminders_paused(self, today: date) -> bool:
        return self.reminders_paused_until is not None and self.reminders_paused_until >= today


class CustomerEmail(db.Model):
    """One address of a customer; the first (position 0) is the main contact."""

    __tablename__ = "customer_emails"
    __table_args__ = (UniqueConstraint("customer_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    position: Mapped[int] = mapped_column(Integer, default=0)
    undeliverable: Mapped[bool] = mapped_column(Boolean, default=False)

    customer: Mapped[Customer] = relationship(back_populates="emails")
