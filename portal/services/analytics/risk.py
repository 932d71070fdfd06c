"""Payer risk: a 0-100 score per customer from how they paid, with the reasons.

The score adds points for what predicts the next late payment: days late on
average (one point a day, up to 30) and its rise over the last three months,
the share of the year's payments that came late, promises and plans broken
this year, open disputes, money overdue and how long, and emails that bounce.
Each contribution is a reason the page writes out ("pays 23 days late on
average, up from 9"), so nobody has to trust a bare number. It chooses the
customers to call on the home page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import (
    CustomerEmail,
    CustomerRisk,
    Dispute,
    DisputeStatus,
    InstalmentPlan,
    Invoice,
    InvoiceStatus,
    PlanStatus,
    Promise,
    PromiseStatus,
)
from portal.services.analytics import delays as payment_delays

RECENT_DAYS = 90
CALL_AFTER_DAYS = 30


def _round(value: Fraction | None) -> int | None:
    return None if value is None else math.floor(value + Fraction(1, 2))


@dataclass
class Facts:
    year: payment_delays.PaymentDelays = field(default_factory=payment_delays.PaymentDelays)
    recent: payment_delays.PaymentDelays = field(default_factory=payment_delays.PaymentDelays)
    open_cents: int = 0
    overdue_cents: int = 0
    oldest_due: date | None = None
    broken_promises: int = 0
    last_broken_promise: date | None = None
    broken_plans: int = 0
    last_broken_plan: date | None = None
    open_disputes: int = 0
    bounces: int = 0

    @property
    def earlier(self) -> payment_delays.PaymentDelays:
        """The year's payments before the last 90 days."""
        return payment_delays.PaymentDelays(
            self.year.paid_cents - self.recent.paid_cents,
            self.year.late_days_cents - self.recent.late_days_cents,
            self.year.signed_days_cents - self.recent.signed_days_cents,
            self.year.late_paid_cents - self.recent.late_paid_cents,
        )


def score(facts: Facts, today: date) -> tuple[int, list[list]]:
    """(score, reasons): each reason is [key, {values}] for the template to word."""
    points, reasons = 0.0, []
    late, recent, earlier = (
        _round(facts.year.average_late),
        _round(facts.recent.average_late),
        _round(facts.earlier.average_late),
    )
    if late:
        points += min(30, late)
        if recent is not None and earlier is not None and recent - earlier >= 3:
            points += min(10, (recent - earlier) / 2)
            reasons.append(["late_rising", {"days": recent, "before": earlier}])
        else:
            reasons.append(["late", {"days": late}])
    if facts.year.paid_cents:
        share = facts.year.late_paid_cents / facts.year.paid_cents
        points += 15 * share
        if share >= 0.25:
            reasons.append(["late_share", {"percent": round(share * 100)}])
    if facts.broken_promises:
        points += min(16, 8 * facts.broken_promises)
        reasons.append(
            ["promise", {"count": facts.broken_promises, "on": facts.last_broken_promise}]
        )
    if facts.broken_plans:
        points += min(20, 10 * facts.broken_plans)
        reasons.append(["plan", {"count": facts.broken_plans, "on": facts.last_broken_plan}])
    if facts.open_disputes:
        points += min(10, 5 * facts.open_disputes)
        reasons.append(["disputes", {"count": facts.open_disputes}])
    if facts.overdue_cents > 0 and facts.oldest_due:
        days_overdue = (today - facts.oldest_due).days
        points += 10 * facts.overdue_cents / max(facts.open_cents, 1) + min(10, days_overdue / 9)
        reasons.append(["overdue", {"cents": facts.overdue_cents, "days": days_overdue}])
    if facts.bounces:
        points += 5
        reasons.append(["bounces", {"count": facts.bounces}])
    return min(100, round(points)), reasons


def gather(today: date, currency: str, split: dict | None = None) -> dict[int, Facts]:
    """Every customer with something to say about them, in a handful of grouped queries.

    `split`: the year's and the last 90 days' payment delays per customer
    (`delays.split`), when the caller has them.
    """
    facts: dict[int, Facts] = {}

    def of(customer_id: int) -> Facts:
        return facts.setdefault(customer_id, Facts())

    if split is None:
        split = payment_delays.split(today, currency, recent_days=RECENT_DAYS)
    for cid, (year, recent) in split.items():
        of(cid).year, of(cid).recent = year, recent
    overdue = func.sum(func.coalesce(_overdue_amount(today), 0))
    for cid, open_cents, overdue_cents, oldest in db.session.execute(
        select(
            Invoice.customer_id,
            func.sum(Invoice.outstanding_cents),
            overdue,
            func.min(Invoice.due_date),
        )
        .where(Invoice.status == InvoiceStatus.OPEN, Invoice.currency == currency)
        .group_by(Invoice.customer_id)
    ):
        item = of(cid)
        item.open_cents, item.overdue_cents = int(open_cents), int(overdue_cents or 0)
        item.oldest_due = oldest if item.overdue_cents else None
    since = datetime.combine(today - timedelta(days=365), time.min, tzinfo=UTC)
    for cid, count, last in db.session.execute(
        select(Promise.customer_id, func.count(), func.max(Promise.settled_at))
        .where(Promise.status == PromiseStatus.BROKEN, Promise.settled_at >= since)
        .group_by(Promise.customer_id)
    ):
        of(cid).broken_promises, of(cid).last_broken_promise = count, last.date()
    for cid, count, last in db.session.execute(
        select(InstalmentPlan.customer_id, func.count(), func.max(InstalmentPlan.broken_at))
        .where(InstalmentPlan.status == PlanStatus.BROKEN, InstalmentPlan.broken_at >= since)
        .group_by(InstalmentPlan.customer_id)
    ):
        of(cid).broken_plans, of(cid).last_broken_plan = count, last.date()
    for cid, count in db.session.execute(
        select(Dispute.customer_id, func.count())
        .where(Dispute.status == DisputeStatus.OPEN)
        .group_by(Dispute.customer_id)
    ):
        of(cid).open_disputes = count
    for cid, count in db.session.execute(
        select(CustomerEmail.customer_id, func.count())
        .where(CustomerEmail.undeliverable.is_(True))
        .group_by(CustomerEmail.customer_id)
    ):
        of(cid).bounces = count
    return facts


def _overdue_amount(today: date):
    return case((Invoice.due_date < today, Invoice.outstanding_cents), else_=0)


def refresh(today: date, currency: str, split: dict | None = None) -> int:
    """Score every customer again; how many were scored."""
    facts = gather(today, currency, split)
    db.session.execute(delete(CustomerRisk).where(CustomerRisk.currency == currency))
    rows = []
    for cid, item in facts.items():
        points, reasons = score(item, today)
        rows.append(
            {
                "customer_id": cid,
                "currency": currency,
                "computed_on": today,
                "score": points,
                "average_late_days": _round(item.year.average_late),
                "earlier_late_days": _round(item.earlier.average_late),
                "late_share_percent": round(100 * item.year.late_paid_cents / item.year.paid_cents)
                if item.year.paid_cents
                else None,
                "open_cents": item.open_cents,
                "overdue_cents": item.overdue_cents,
                "oldest_due": item.oldest_due,
                "broken_promises": item.broken_promises,
                "broken_plans": item.broken_plans,
                "open_disputes": item.open_disputes,
                "bounces": item.bounces,
                "reasons": [[key, _jsonable(values)] for key, values in reasons],
            }
        )
    if rows:
        db.session.execute(CustomerRisk.__table__.insert(), rows)
    return len(rows)


def _jsonable(values: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def to_call(today: date, currency: str, limit: int = 10) -> list[CustomerRisk]:
    """The riskiest customers a month or more past due: the home page's calls."""
    return list(
        db.session.scalars(
            select(CustomerRisk)
            .where(
                CustomerRisk.currency == currency,
                CustomerRisk.overdue_cents > 0,
                CustomerRisk.oldest_due <= today - timedelta(days=CALL_AFTER_DAYS),
            )
            .order_by(CustomerRisk.score.desc(), CustomerRisk.overdue_cents.desc())
            .limit(limit)
        )
    )


def ranked(currency: str, limit: int = 200) -> list[CustomerRisk]:
    """Customers by score, riskiest first (the risk page)."""
    return list(
        db.session.scalars(
            select(CustomerRisk)
            .options(joinedload(CustomerRisk.customer))
            .where(CustomerRisk.currency == currency, CustomerRisk.score > 0)
            .order_by(CustomerRisk.score.desc(), CustomerRisk.overdue_cents.desc())
            .limit(limit)
        )
    )
