"""Collection figures kept per period, computed once a day by the scheduler."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

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
