"""The snapshot a dunning pass decides from, shared with the reminder forecast.

Both look at every open invoice at once, so they read plain columns rather than
ORM objects into the small values of `decisions`: which customers are paused or
follow which scenario (their payer-risk score joined in, for the stricter one),
which invoices are held, and what each has already had.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, select

from portal.extensions import db
from portal.models import (
    ActionStatus,
    Customer,
    CustomerRisk,
    DunningAction,
    Invoice,
    InvoiceStatus,
    Organisation,
)
from portal.services.dunning import holds as holds_service
from portal.services.dunning.decisions import EMAIL_KINDS, InvoiceHistory, OpenInvoice
from portal.services.dunning.scenarios import ScenarioBook, ScenarioRule
from portal.statements import built_once


@contextmanager
def gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class PassData:
    """Everything a pass decides from, loaded in a handful of queries.

    The garbage collector is paused while it loads: a pass creates hundreds of
    thousands of small objects that all live until its end, and collecting them
    again and again would cost more than the work itself.
    """

    def __init__(
        self,
        today: date,
        timezone: ZoneInfo,
        customer_ids: Iterable[int] | None = None,
        organisation: Organisation | None = None,
    ):
        self.today = today
        self.book = ScenarioBook(organisation)
        only = None if customer_ids is None else list(customer_ids)
        with gc_paused():
            self._load(timezone, only)

    def _load(self, timezone: ZoneInfo, only: list[int] | None) -> None:
        today = self.today
        some = only is not None
        values = {"customer_ids": only}
        self.paused_customers: set[int] = set()
        scenario_of: dict[int, ScenarioRule] = {}
        for customer_id, scenario_id, segment, kind, paused_until, risk in db.session.execute(
            _customers(some), values
        ):
            if paused_until is not None and paused_until >= today:
                self.paused_customers.add(customer_id)
                continue
            scenario = self.book.for_customer(scenario_id, segment, kind, risk)
            if scenario is not None and scenario.steps:
                scenario_of[customer_id] = scenario
        held = self._held_invoice_ids(only)
        self.invoices: list[tuple[OpenInvoice, ScenarioRule]] = []
        for inv_id, number, customer_id, due in db.session.execute(_invoices_due(some), values):
            scenario = scenario_of.get(customer_id)
            if scenario is not None and inv_id not in held:
                self.invoices.append((OpenInvoice(inv_id, number, customer_id, due), scenario))
        self.history: dict[int, InvoiceHistory] = defaultdict(InvoiceHistory)
        self.emailed_today: set[int] = set()
        start_of_day = datetime.combine(today, time(0), tzinfo=timezone).astimezone(UTC)
        email_offsets = {
            s.id: s.day_offset
            for sc in self.book.by_id.values()
            for s in sc.steps
            if s.kind in EMAIL_KINDS
        }
        for invoice_id, step_id, status, done_at, customer_id in db.session.execute(
            _actions_on_open_invoices(some), values
        ):
            history = self.history[invoice_id]
            history.done_steps.add(step_id)
            if status is ActionStatus.SENT and done_at is not None and step_id in email_offsets:
                sent_day = done_at.astimezone(timezone).date()
                offset = email_offsets[step_id]
                if history.last_sent is None or sent_day > history.last_sent:
                    history.last_sent, history.last_sent_offset = sent_day, offset
                elif sent_day == history.last_sent:
                    history.last_sent_offset = max(history.last_sent_offset or offset, offset)
                if done_at >= start_of_day:
                    self.emailed_today.add(customer_id)

    def _held_invoice_ids(self, only: list[int] | None) -> set[int]:
        """Invoices whose reminders wait today, whatever the reason (see services.holds)."""
        holds = holds_service.for_today(self.today, only)
        self.amounts_on_hold = holds.amounts_on_hold
        return holds.invoice_ids


def _of_customers(column):
    return column.in_(bindparam("customer_ids", expanding=True))


@built_once
def _customers(of_some_customers: bool) -> Select:
    """Each customer's scenario choice, with the payer-risk score joined in."""
    query = select(
        Customer.id,
        Customer.scenario_id,
        Customer.segment,
        Customer.kind,
        Customer.reminders_paused_until,
        CustomerRisk.score,
    ).outerjoin(CustomerRisk, CustomerRisk.customer_id == Customer.id)
    return query.where(_of_customers(Customer.id)) if of_some_customers else query


@built_once
def _invoices_due(of_some_customers: bool) -> Select:
    query = select(Invoice.id, Invoice.number, Invoice.customer_id, Invoice.due_date).where(
        Invoice.status == InvoiceStatus.OPEN, Invoice.outstanding_cents > 0
    )
    return query.where(_of_customers(Invoice.customer_id)) if of_some_customers else query


@built_once
def _actions_on_open_invoices(of_some_customers: bool) -> Select:
    query = (
        select(
            DunningAction.invoice_id,
            DunningAction.step_id,
            DunningAction.status,
            DunningAction.done_at,
            DunningAction.customer_id,
        )
        .join(Invoice, Invoice.id == DunningAction.invoice_id)
        .where(Invoice.status == InvoiceStatus.OPEN)
    )
    return query.where(_of_customers(Invoice.customer_id)) if of_some_customers else query
