"""The dunning pass: decide which reminder step is due for each open invoice, and act.

`run_pass(now)` is one pass over the database. It may run every few minutes,
twice by mistake, or after a week of downtime:

- for each open invoice, the next step not done whose day has come; steps meant
  for before the due date are skipped once it has passed; when several are due
  at once only the earliest goes, the next waits for its own day and a minimum
  gap after the previous one (no burst, no skipped reminder);
- nothing for a paid invoice, a paused customer, an invoice being paid online
  (SEPA takes days) or whose "already paid" declaration is being checked;
- one email per customer per day at most, grouping every invoice with a step
  due, each with a fresh link to the account;
- only inside the sending window (08:00-20:00, creditor's timezone, not on
  Sundays or French public holidays): outside it, everything waits;
- each step is a DunningAction row unique on (invoice, step), written in the
  same transaction as its outbox message, so a second pass or a second process
  can never send it twice, and a crash half-way loses nothing.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import (
    ActionStatus,
    Customer,
    DunningAction,
    Invoice,
    InvoiceStatus,
    Organisation,
    ScenarioStep,
    StepKind,
)
from portal.services import audit, links, tasks
from portal.services.dunning import holds as holds_service
from portal.services.dunning import message_templates
from portal.services.dunning.scenarios import ScenarioBook, ScenarioRule, StepRule
from portal.services.dunning.sending_window import SendingWindow
from portal.services.mail import outbox

EMAIL_KINDS = (StepKind.EMAIL, StepKind.FORMAL_NOTICE)


@dataclass(frozen=True)
class DunningSettings:
    timezone: ZoneInfo
    base_url: str
    link_days: int
    instance_path: Path
    window_start: int = 8
    window_end: int = 20

    @property
    def window(self) -> SendingWindow:
        return SendingWindow(self.timezone, self.window_start, self.window_end)

    @classmethod
    def from_config(cls, config) -> DunningSettings:
        return cls(
            timezone=ZoneInfo(config["TIMEZONE"]),
            base_url=config["BASE_URL"],
            link_days=int(config["LINK_VALIDITY_DAYS"]),
            instance_path=Path(config["INSTANCE_PATH"]),
            window_start=int(config["SENDING_WINDOW_START"]),
            window_end=int(config["SENDING_WINDOW_END"]),
        )


@dataclass(frozen=True, slots=True)
class OpenInvoice:
    id: int
    number: str
    customer_id: int
    due_date: date


@dataclass(slots=True)
class InvoiceHistory:
    done_steps: set[int] = field(default_factory=set)
    last_sent: date | None = None
    last_sent_offset: int | None = None
    """Day offset of the step sent last, to keep a scenario's own spacing when catching up."""

    def earliest_next(self, step: StepRule, min_gap_days: int) -> date | None:
        """The next step waits at least the scenario's gap, or less if the scenario plans them closer."""
        if self.last_sent is None:
            return None
        gap = min_gap_days
        if self.last_sent_offset is not None:
            gap = max(0, min(gap, step.day_offset - self.last_sent_offset))
        return self.last_sent + timedelta(days=gap)


@dataclass(frozen=True, slots=True)
class Decision:
    invoice: OpenInvoice
    step: StepRule
    planned_date: date
    skip_reason: str = ""


@dataclass(slots=True)
class ActionLine:
    """One line of a pass's report (printed by `portal reminders run`)."""

    customer_ref: str
    invoice_number: str
    step: str
    outcome: str


@dataclass
class PassResult:
    today: date
    emails: int = 0
    tasks: int = 0
    skipped: int = 0
    waiting_for_window: bool = False
    lines: list[ActionLine] = field(default_factory=list)


@contextmanager
def gc_paused():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def decide(
    invoice: OpenInvoice, scenario: ScenarioRule, history: InvoiceHistory, today: date
) -> tuple[list[Decision], Decision | None]:
    """(steps to record as skipped, the step to carry out now or None) for one invoice."""
    skipped: list[Decision] = []
    for step in scenario.steps:
        if step.id in history.done_steps:
            continue
        day = invoice.due_date + step.delta
        if day > today:
            break
        if step.day_offset < 0 and today > invoice.due_date:
            skipped.append(Decision(invoice, step, day, "due date passed before it could be sent"))
            continue
        earliest = history.earliest_next(step, scenario.min_gap_days)
        if earliest is not None and today < earliest:
            break
        return skipped, Decision(invoice, step, day)
    return skipped, None


def next_step_date(
    invoice: OpenInvoice,
    scenario: ScenarioRule,
    history: InvoiceHistory,
    today: date,
    window: SendingWindow,
) -> tuple[StepRule, date] | None:
    """When the next step of this invoice will go out if nothing changes (for timelines)."""
    for step in scenario.steps:
        if step.id in history.done_steps:
            continue
        day = invoice.due_date + timedelta(days=step.day_offset)
        if step.day_offset < 0 and max(day, today) > invoice.due_date:
            continue
        earliest = history.earliest_next(step, scenario.min_gap_days)
        if earliest is not None:
            day = max(day, earliest)
        day = max(day, today)
        return step, window.next_sending_day(day) if step.kind in EMAIL_KINDS else day
    return None


class PassData:
    """Everything a pass decides from, loaded in a handful of queries.

    The garbage collector is paused while it loads: a pass creates hundreds of
    thousands of small objects that all live until its end, and collecting them
    again and again would cost more than the work itself.
    """

    def __init__(self, today: date, timezone: ZoneInfo, customer_ids: Iterable[int] | None = None):
        self.today = today
        self.book = ScenarioBook()
        only = None if customer_ids is None else list(customer_ids)
        with gc_paused():
            self._load(timezone, only)

    def _load(self, timezone: ZoneInfo, only: list[int] | None) -> None:
        today = self.today
        customer_filter = [] if only is None else [Customer.id.in_(only)]
        invoice_filter = [] if only is None else [Invoice.customer_id.in_(only)]
        self.paused_customers: set[int] = set()
        scenario_of: dict[int, ScenarioRule] = {}
        for customer_id, scenario_id, segment, kind, paused_until in db.session.execute(
            select(
                Customer.id,
                Customer.scenario_id,
                Customer.segment,
                Customer.kind,
                Customer.reminders_paused_until,
            ).where(*customer_filter)
        ):
            if paused_until is not None and paused_until >= today:
                self.paused_customers.add(customer_id)
                continue
            scenario = self.book.for_customer(scenario_id, segment, kind)
            if scenario is not None and scenario.steps:
                scenario_of[customer_id] = scenario
        held = self._held_invoice_ids()
        self.invoices: list[tuple[OpenInvoice, ScenarioRule]] = []
        for inv_id, number, customer_id, due in db.session.execute(
            select(Invoice.id, Invoice.number, Invoice.customer_id, Invoice.due_date).where(
                Invoice.status == InvoiceStatus.OPEN, Invoice.outstanding_cents > 0, *invoice_filter
            )
        ):
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
            select(
                DunningAction.invoice_id,
                DunningAction.step_id,
                DunningAction.status,
                DunningAction.done_at,
                DunningAction.customer_id,
            )
            .join(Invoice, Invoice.id == DunningAction.invoice_id)
            .where(Invoice.status == InvoiceStatus.OPEN, *invoice_filter)
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

    def _held_invoice_ids(self) -> set[int]:
        """Invoices whose reminders wait today, whatever the reason (see services.holds)."""
        holds = holds_service.for_today(self.today)
        self.amounts_on_hold = holds.amounts_on_hold
        return holds.invoice_ids


def run_pass(now: datetime, settings: DunningSettings, *, dry_run: bool = False) -> PassResult:
    """One pass: decide, then (unless dry_run) write actions and messages customer by customer."""
    today = now.astimezone(settings.timezone).date()
    result = PassResult(today)
    if not settings.window.is_open(now):
        result.waiting_for_window = True
        return result
    data = PassData(today, settings.timezone)
    per_customer: dict[int, list[Decision]] = defaultdict(list)
    skipped_per_customer: dict[int, list[Decision]] = defaultdict(list)
    with gc_paused():
        for invoice, scenario in data.invoices:
            skipped, chosen = decide(invoice, scenario, data.history[invoice.id], today)
            if skipped:
                skipped_per_customer[invoice.customer_id].extend(skipped)
            if chosen is not None:
                per_customer[invoice.customer_id].append(chosen)
    customer_ids = sorted(set(per_customer) | set(skipped_per_customer))
    refs = _customer_refs(customer_ids)
    writer = None if dry_run else PassWriter(now, today, settings, data.amounts_on_hold)
    for batch_start in range(0, len(customer_ids), WRITE_BATCH):
        batch = customer_ids[batch_start : batch_start + WRITE_BATCH]
        if writer is not None:
            writer.load(batch, [d.invoice.id for c in batch for d in per_customer.get(c, [])])
        for customer_id in batch:
            decisions = per_customer.get(customer_id, [])
            if customer_id in data.emailed_today:
                decisions = [d for d in decisions if d.step.kind not in EMAIL_KINDS]
            skipped = skipped_per_customer.get(customer_id, [])
            ref = refs.get(customer_id, str(customer_id))
            if writer is not None and not writer.act(customer_id, decisions, skipped):
                result.lines.append(ActionLine(ref, "", "", "already done by another pass"))
                continue
            _report(result, ref, decisions, skipped)
        if writer is not None:
            db.session.commit()
    return result


#: Customers written per transaction; each has its own savepoint, so a conflict
#: on one (another pass got there first) leaves the others untouched.
WRITE_BATCH = 200


def _customer_refs(customer_ids: list[int], chunk: int = 5000) -> dict[int, str]:
    refs: dict[int, str] = {}
    for start in range(0, len(customer_ids), chunk):
        part = customer_ids[start : start + chunk]
        refs.update(
            db.session.execute(select(Customer.id, Customer.ref).where(Customer.id.in_(part))).all()
        )
    return refs


def _report(
    result: PassResult, ref: str, decisions: list[Decision], skipped: list[Decision]
) -> None:
    for d in skipped:
        result.skipped += 1
        result.lines.append(
            ActionLine(ref, d.invoice.number, d.step.name, f"skipped: {d.skip_reason}")
        )
    if any(d.step.kind in EMAIL_KINDS for d in decisions):
        result.emails += 1
    for d in decisions:
        if d.step.kind is StepKind.TASK:
            result.tasks += 1
        result.lines.append(ActionLine(ref, d.invoice.number, d.step.name, str(d.step.kind)))


def _action(decision: Decision, status: ActionStatus, now: datetime, **kw) -> DunningAction:
    return DunningAction(
        invoice_id=decision.invoice.id,
        step_id=decision.step.id,
        customer_id=decision.invoice.customer_id,
        planned_date=decision.planned_date,
        status=status,
        created_at=now,
        done_at=now,
        **kw,
    )


class PassWriter:
    """Writes one pass's actions, messages and tasks, loading what it needs in batches."""

    def __init__(
        self, now: datetime, today: date, settings: DunningSettings, on_hold: dict[int, int]
    ):
        from portal.services.claims import penalties

        self.now, self.today, self.settings = now, today, settings
        self.on_hold = on_hold
        self.organisation = db.session.scalar(select(Organisation).limit(1))
        self.rates = penalties.load_rates()
        self.steps = {
            step.id: step
            for step in db.session.scalars(
                select(ScenarioStep).options(selectinload(ScenarioStep.templates))
            )
        }
        self.customers: dict[int, Customer] = {}
        self.invoices: dict[int, Invoice] = {}

    def load(self, customer_ids: list[int], invoice_ids: list[int]) -> None:
        self.customers = {
            c.id: c
            for c in db.session.scalars(
                select(Customer)
                .where(Customer.id.in_(customer_ids))
                .options(selectinload(Customer.emails))
            )
        }
        self.invoices = (
            {
                i.id: i
                for i in db.session.scalars(select(Invoice).where(Invoice.id.in_(invoice_ids)))
            }
            if invoice_ids
            else {}
        )

    def act(self, customer_id: int, decisions: list[Decision], skipped: list[Decision]) -> bool:
        """Record one customer's steps in a savepoint; False if another pass recorded them first."""
        savepoint = db.session.begin_nested()
        try:
            self._act(self.customers[customer_id], decisions, skipped)
            savepoint.commit()
        except IntegrityError:
            savepoint.rollback()  # nothing is sent twice
            return False
        return True

    def _act(self, customer: Customer, decisions: list[Decision], skipped: list[Decision]) -> None:
        now = self.now
        for d in skipped:
            db.session.add(_action(d, ActionStatus.SKIPPED, now, reason=d.skip_reason))
        for d in (d for d in decisions if d.step.kind is StepKind.TASK):
            task = self._escalation_task(customer, d)
            db.session.add(_action(d, ActionStatus.SENT, now, task_id=task.id))
        emails = [d for d in decisions if d.step.kind in EMAIL_KINDS]
        if emails:
            addresses = [e.email for e in customer.emails if not e.undeliverable]
            if not addresses:
                for d in emails:
                    db.session.add(
                        _action(d, ActionStatus.SKIPPED, now, reason="no deliverable email address")
                    )
            else:
                message = self._reminder_message(customer, emails, addresses)
                for d in emails:
                    db.session.add(_action(d, ActionStatus.SENT, now, message=message))
                db.session.flush()
                audit.record(
                    audit.Actor.system(),
                    "reminder.queued",
                    "outbox_message",
                    message.id,
                    at=now,
                    customer_id=customer.id,
                    invoices=[d.invoice.number for d in emails],
                    steps=sorted({d.step.name for d in emails}),
                    link_expires=(now + timedelta(days=self.settings.link_days)).date().isoformat(),
                )
                return
        db.session.flush()

    def _escalation_task(self, customer: Customer, decision: Decision):
        template = self.steps[decision.step.id].template_for(customer.language)
        title, body = decision.step.name, ""
        if template is not None:
            rendered = message_templates.render(
                template.subject,
                template.text_body,
                "",
                {"customer": {"name": customer.name, "ref": customer.ref}},
            )
            title, body = rendered.subject, rendered.text
        return tasks.create(
            kind="escalation",
            title=f"{title} ({decision.invoice.number})",
            body=body,
            due_date=self.today,
            now=self.now,
            actor=audit.Actor.system(),
            customer_id=customer.id,
            invoice_id=decision.invoice.id,
            object_type="invoice",
            object_id=decision.invoice.id,
        )

    def _reminder_message(
        self, customer: Customer, decisions: list[Decision], addresses: list[str]
    ):
        from portal.services.dunning import reminder_content

        strongest = max(
            decisions, key=lambda d: (d.step.kind is StepKind.FORMAL_NOTICE, d.step.day_offset)
        )
        formal = strongest.step.kind is StepKind.FORMAL_NOTICE
        template = self.steps[strongest.step.id].template_for(customer.language)
        token = links.create(
            customer,
            now=self.now,
            days=self.settings.link_days,
            actor=audit.Actor.system(),
            purpose="reminder",
            audited=False,
        )
        invoices = [self.invoices[d.invoice.id] for d in decisions]
        wants_penalties = formal or any(
            "penalt" in part or "indemnit" in part
            for part in (template.subject, template.text_body, template.html_body)
        )
        with force_locale(customer.language):
            context = reminder_content.build_context(
                customer,
                invoices,
                self.organisation,
                self.today,
                portal_link=links.absolute_url(token, self.settings.base_url),
                contact=addresses[0],
                formal_notice=formal,
                rates=self.rates if wants_penalties else None,
                on_hold={i.id: self.on_hold[i.id] for i in invoices if i.id in self.on_hold},
            )
            rendered = message_templates.render(
                template.subject, template.text_body, template.html_body, context
            )
            html = reminder_content.html_email(rendered, self.organisation, context)
            attachments = []
            if formal:
                attachments.append(
                    reminder_content.formal_notice_attachment(
                        customer,
                        [
                            i
                            for i, d in zip(invoices, decisions, strict=True)
                            if d.step.kind is StepKind.FORMAL_NOTICE
                        ],
                        self.organisation,
                        self.today,
                        self.now,
                        context,
                        self.settings.instance_path,
                        excluded_cents_by_invoice=self.on_hold,
                    )
                )
        return outbox.queue(
            kind="formal_notice" if formal else "reminder",
            to=addresses,
            subject=rendered.subject,
            text_body=rendered.text,
            html_body=html,
            now=self.now,
            reply_to=self.organisation.contact_email if self.organisation else "",
            customer_id=customer.id,
            attachments=attachments,
        )
