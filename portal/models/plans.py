"""Instalment plans (échéanciers) proposed by debtors within the creditor's rules."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, event, text, true
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, enum_column, status_set


class PlanStatus(enum.StrEnum):
    PROPOSED = "proposed"
    """Waiting for the creditor's review."""
    ACTIVE = "active"
    COMPLETED = "completed"
    BROKEN = "broken"
    REJECTED = "rejected"


class InstalmentPlan(db.Model):
    __tablename__ = "instalment_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    status: Mapped[PlanStatus] = mapped_column(enum_column(PlanStatus))
    total_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    frequency: Mapped[str] = mapped_column(String(20), default="monthly")
    message: Mapped[str] = mapped_column(Text, default="")
    """The debtor's words, or the creditor's answer."""
    auto_accepted: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    broken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    invoices: Mapped[list[PlanInvoice]] = relationship(
        back_populates="plan", cascade="all, delete-orphan"
    )
    instalments: Mapped[list[Instalment]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="Instalment.due_date"
    )
    customer = relationship("Customer")


class PlanInvoice(db.Model):
    """An invoice covered by a plan, and the amount of it the plan covers."""

    __tablename__ = "plan_invoices"
    __table_args__ = (
        # An invoice is in one open (proposed or active) plan at most, even under a race.
        Index(
            "uq_plan_invoices_open_invoice",
            "invoice_id",
            unique=True,
            sqlite_where=text("is_open"),
            postgresql_where=text("is_open"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("instalment_plans.id", ondelete="CASCADE"), index=True
    )
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    """The plan is proposed or active: copied where a unique index can see it (kept at flush)."""

    plan: Mapped[InstalmentPlan] = relationship(back_populates="invoices")
    invoice = relationship("Invoice")


class Instalment(db.Model):
    __tablename__ = "instalments"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("instalment_plans.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(Integer)
    paid_cents: Mapped[int] = mapped_column(Integer, default=0)
    reminded_before_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_after_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    plan: Mapped[InstalmentPlan] = relationship(back_populates="instalments")


OPEN_PLAN_STATUSES = (PlanStatus.PROPOSED, PlanStatus.ACTIVE)


@event.listens_for(Session, "before_flush")
def _keep_open_invoices_in_step(session: Session, flush_context, instances) -> None:
    """Whatever path completes, breaks or rejects a plan, its invoices are released."""
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, InstalmentPlan) and status_set(obj):
            is_open = obj.status in OPEN_PLAN_STATUSES
            for held in obj.invoices:
                if held.is_open is not is_open:
                    held.is_open = is_open
