"""Disputes in numbers, for the creditor's navigation badge and home page.

The badge is drawn on every dashboard page: plain aggregate queries on the models.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Dispute, DisputeStatus


@dataclass(frozen=True)
class Figures:
    open_count: int
    open_cents: int
    median_days_to_resolve: float | None
    """None until a dispute has been resolved."""


def open_count() -> int:
    return db.session.scalar(
        select(func.count(Dispute.id)).where(Dispute.status == DisputeStatus.OPEN)
    )


def figures() -> Figures:
    """Home page: open count, amount in dispute, median days from opening to decision."""
    count, cents = db.session.execute(
        select(func.count(Dispute.id), func.coalesce(func.sum(Dispute.amount_cents), 0)).where(
            Dispute.status == DisputeStatus.OPEN
        )
    ).one()
    durations = [
        (resolved - created).total_seconds() / 86400
        for created, resolved in db.session.execute(
            select(Dispute.created_at, Dispute.resolved_at).where(
                Dispute.status != DisputeStatus.OPEN, Dispute.resolved_at.is_not(None)
            )
        )
    ]
    median = round(statistics.median(durations), 1) if durations else None
    return Figures(int(count), int(cents), median)
