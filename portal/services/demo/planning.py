"""The demo's invoices and what happens to them, decided before anything is written.

Every random draw happens here, in a fixed order from one seeded generator, so
the same `today` always plans the same history. Writing then follows the plan in
calendar order (see `writing`), which is why a plan carries its payments and
credit note as dates and amounts rather than rows.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from portal.models import CustomerKind, Invoice, PaymentMethod
from portal.services.demo.catalogue import CUSTOMERS, PROFILES, STORIES, CustomerSpec, OpenStory
from portal.services.demo.invoice_lines import draw_lines, total_cents
from portal.services.payments import invoicing

SEED = 20_260_101
#: How far back the invoice history goes (about 14 months).
HISTORY_DAYS = 425

CREDIT_REASONS = (
    "Remise commerciale 10 % – retard de chantier",
    "Avoir – luminaires défectueux repris",
    "Geste commercial – intervention reportée",
)


@dataclass
class Plan:
    """One invoice and the money that will reach it, decided before anything is written."""

    spec: CustomerSpec
    issue: date
    due: date
    lines: list[invoicing.LineInput]
    total: int
    credit: int = 0
    credit_day: date | None = None
    credit_reason: str = ""
    payments: list[tuple[date, int, PaymentMethod]] = field(default_factory=list)
    number: str = ""
    credit_number: str = ""
    invoice: Invoice | None = None

    @property
    def payable(self) -> int:
        return self.total - self.credit


def _weekday_before(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _new_plan(spec: CustomerSpec, rng: random.Random, issue: date, scale: int) -> Plan:
    issue = _weekday_before(issue)
    lines = draw_lines(spec, rng, scale)
    return Plan(spec, issue, issue + timedelta(days=spec.terms), lines, total_cents(lines))


def _part(amount: int, rng: random.Random) -> int:
    """A round first instalment (30 to 60 %), strictly less than the amount."""
    part = amount * rng.choice((3, 4, 5, 6)) // 10 // 1000 * 1000
    return part if 0 < part < amount else amount // 2


def _maybe_credit(plan: Plan, rng: random.Random, today: date, force: bool = False) -> None:
    """A few business invoices get a 10 % credit note, as small disputes often end."""
    if not force and (plan.spec.kind is CustomerKind.CONSUMER or rng.random() >= 0.025):
        return
    day = plan.issue + timedelta(days=rng.randint(3, 15))
    if day <= today:
        plan.credit, plan.credit_day = plan.total // 10, day
        plan.credit_reason = rng.choice(CREDIT_REASONS)


def _settle(plan: Plan, rng: random.Random) -> None:
    """Decide when (and whether) the customer pays, from its profile."""
    profile = PROFILES[plan.spec.profile]
    method = rng.choice(plan.spec.methods)
    paid_on = max(
        plan.due + timedelta(days=rng.randint(*profile.delay)), plan.issue + timedelta(days=1)
    )
    if rng.random() < profile.unpaid:
        return
    if plan.payable > 2000 and rng.random() < profile.split:
        first_on = max(
            paid_on - timedelta(days=rng.randint(10, 35)), plan.issue + timedelta(days=1)
        )
        first = _part(plan.payable, rng)
        plan.payments.append((first_on, first, method))
        plan.payments.append((paid_on, plan.payable - first, method))
    else:
        plan.payments.append((paid_on, plan.payable, method))


def _history(spec: CustomerSpec, rng: random.Random, today: date, until: date) -> list[Plan]:
    plans = []
    day = today - timedelta(days=HISTORY_DAYS - rng.randint(0, spec.every))
    while day <= until:
        plan = _new_plan(spec, rng, day, spec.scale)
        _maybe_credit(plan, rng, today)
        _settle(plan, rng)
        plans.append(plan)
        day += timedelta(days=spec.every + rng.randint(-spec.every // 3, spec.every // 3))
    return plans


def _story(spec: CustomerSpec, story: OpenStory, rng: random.Random, today: date) -> Plan:
    plan = _new_plan(spec, rng, today - timedelta(days=story.age + spec.terms), story.scale)
    _maybe_credit(plan, rng, today, force=story.credit)
    if story.part_paid:
        day = min(plan.due + timedelta(days=10), today - timedelta(days=3))
        day = max(day, plan.issue + timedelta(days=2))
        plan.payments.append((day, _part(plan.payable, rng), spec.methods[0]))
    return plan


def plan_invoices(rng: random.Random, today: date) -> list[Plan]:
    """Every invoice of the demo, numbered in issue order as a real ledger would be."""
    plans: list[Plan] = []
    for spec in CUSTOMERS:
        stories = STORIES.get(spec.ref, ())
        # A story customer's history stops well before its open invoices begin.
        gap = max(s.age for s in stories) + spec.terms + 20 if stories else 1
        until = today - timedelta(days=gap)
        plans.extend(_history(spec, rng, today, until))
        plans.extend(_story(spec, story, rng, today) for story in stories)
    plans.sort(key=lambda p: (p.issue, p.spec.ref))
    _number(plans)
    return plans


def _number(plans: list[Plan]) -> None:
    """F<year>-<n>: the first year does not start at 1, the business existed before the demo."""
    counters: dict[str, int] = {}
    for plan in plans:
        plan.number = _next_number("F", plan.issue, counters, per_day=0.6)
    for plan in sorted((p for p in plans if p.credit), key=lambda p: (p.credit_day, p.number)):
        plan.credit_number = _next_number("AV", plan.credit_day, counters, per_day=0.02)


def _next_number(prefix: str, day: date, counters: dict[str, int], per_day: float) -> str:
    key = f"{prefix}{day.year}"
    if key not in counters:
        first_year = not any(k.startswith(prefix) for k in counters)
        counters[key] = int(day.timetuple().tm_yday * per_day) + 1 if first_year else 1
    number = counters[key]
    counters[key] += 1
    return f"{key}-{number:05d}"
