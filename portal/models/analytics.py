"""Collection figures kept per period, computed once a day by the scheduler."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db


class KpiSnapshot(db.Model):
    """The sums behind one period's figures (DSO, CEI, ADD…), as of `computed_on`.

    Pages read these rows instead of the ledger: summing a million invoices for
    twelve months takes seconds, reading fourteen rows takes nothing. The sums,
    not the ratios, are kept, so every ratio keeps its single definition in
    `services.analytics.kpis`. Sums of cents over many invoices, and cents ×
    days, outgrow 32 bits: every amount is a BigInteger.
    """

    __tablename__ = "kpi_snapshots"
    __table_args__ = (
        UniqueConstraint("currency", "kind", "period_end", "days", name="uq_kpi_snapshots_period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(16))
    """`month` (a calendar month, to date for the current one) or `rolling` (D days)."""
    period_end: Mapped[date] = mapped_column(Date)
    days: Mapped[int] = mapped_column(Integer)
    computed_on: Mapped[date] = mapped_column(Date)
    credit_sales_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    invoiced_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    collected_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    receivables_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    current_receivables_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    opening_receivables_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    overdue_days_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    unallocated_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    aged_1_30_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    aged_31_60_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    aged_61_90_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    aged_over_90_cents: Mapped[int] = mapped_column(BigInteger, default=0)


class ForecastSnapshot(db.Model):
    """Receipts expected in one period, as forecast on `made_on`.

    Kept for a few months rather than replaced, so the forecast page can set
    what was expected a month ago against what came in.
    """

    __tablename__ = "forecast_snapshots"
    __table_args__ = (
        UniqueConstraint(
            "currency", "made_on", "kind", "period_start", name="uq_forecast_snapshots_period"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    made_on: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    """`week`, `month`, `overdue` (already late on `made_on`), `later` (past the
    horizon) or `disputed` (held by open disputes, left out of every period)."""
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    invoices_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    instalments_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    promises_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    received_cents: Mapped[int | None] = mapped_column(BigInteger)
    """Cash actually received in the period, once it is over (weeks only)."""

    @property
    def expected_cents(self) -> int:
        return self.invoices_cents + self.instalments_cents + self.promises_cents


class CustomerRisk(db.Model):
    """One customer's payer-risk score and the facts behind it, as of `computed_on`.

    The reasons are kept as (key, values) pairs, not sentences, so each reader
    sees them in their own language.
    """

    __tablename__ = "customer_risk"
    __table_args__ = (Index("ix_customer_risk_call", "currency", "score", "overdue_cents"),)

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    computed_on: Mapped[date] = mapped_column(Date)
    score: Mapped[int] = mapped_column(Integer)
    average_late_days: Mapped[int | None] = mapped_column(Integer)
    """Amount-weighted days late over the last 365 days, floored at 0 per payment."""
    earlier_late_days: Mapped[int | None] = mapped_column(Integer)
    """The same over the 275 days before the last 90: the trend's starting point."""
    late_share_percent: Mapped[int | None] = mapped_column(Integer)
    open_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    overdue_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    oldest_due: Mapped[date | None] = mapped_column(Date)
    broken_promises: Mapped[int] = mapped_column(Integer, default=0)
    broken_plans: Mapped[int] = mapped_column(Integer, default=0)
    open_disputes: Mapped[int] = mapped_column(Integer, default=0)
    bounces: Mapped[int] = mapped_column(Integer, default=0)
    reasons: Mapped[list] = mapped_column(JSON, default=list)

    customer = relationship("Customer")
