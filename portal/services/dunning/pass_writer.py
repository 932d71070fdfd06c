"""Writing what a dunning pass decided: action rows, tasks, queued reminders, in batches.

The pass drafts every customer of a batch in memory first (`reminder_drafts`),
then writes the whole batch in one savepoint: links, messages, actions and
audit events as one executemany per table (`pass_rows`), the few letters
and tasks through their own services. DunningAction rows are unique on
(invoice, step): if another pass recorded one of the same steps first, the
batch's savepoint rolls back and the batch is written again one customer per
savepoint, so only the customer already done is left out and nothing is sent
twice. A customer whose writing fails for any other reason gets their failure
recorded instead, and the rest of the batch goes through.

A customer whose email could not be drafted has those steps recorded as
skipped with the reason's key, and one open task per customer asks the
creditor to look: a failure that comes back on the next days adds a line to
that task, never a new task.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import selectinload

from portal import labels
from portal.extensions import db
from portal.models import (
    ActionStatus,
    Customer,
    Invoice,
    Organisation,
    ScenarioStep,
    SkipReason,
    StepKind,
    Task,
    TaskStatus,
)
from portal.services import audit, links, notifications, planner_statistics
from portal.services.dunning import notice_letters, pass_rows, reminder_content
from portal.services.dunning.decisions import Decision
from portal.services.dunning.dunning_settings import DunningSettings
from portal.services.dunning.reminder_drafts import CustomerDraft, Drafter
from portal.services.mail import outbox

log = logging.getLogger(__name__)

#: The kind of the task that tells the creditor a customer's reminder could not go.
FAILURE_TASK_KIND = "reminder_failed"
_SYSTEM = audit.Actor.system()


def _action(
    decision: Decision,
    status: ActionStatus,
    now: datetime,
    *,
    reason: str = "",
    message_id: int | None = None,
    task_id: int | None = None,
) -> dict:
    """A DunningAction row; every row has every column, as one executemany needs."""
    return {
        "invoice_id": decision.invoice.id,
        "step_id": decision.step.id,
        "customer_id": decision.invoice.customer_id,
        "planned_date": decision.planned_date,
        "status": status,
        "reason": reason,
        "message_id": message_id,
        "task_id": task_id,
        "created_at": now,
        "done_at": now,
    }


def _message_row(draft: CustomerDraft, now: datetime, link_id: int) -> dict:
    e = draft.email
    return outbox.message_row(
        kind=e.kind,
        to=e.to,
        subject=e.subject,
        text_body=e.text,
        html_body=e.html,
        now=now,
        reply_to=e.reply_to,
        customer_id=draft.customer_id,
        attachments=e.attachments,
        link_id=link_id,
    )


class PassWriter:
    """Drafts and writes one pass's actions, messages and tasks, loading what it needs in batches."""

    def __init__(
        self, now: datetime, today: date, settings: DunningSettings, on_hold: dict[int, int]
    ):
        self.now, self.today, self.settings = now, today, settings
        steps = {
            step.id: step
            for step in db.session.scalars(
                select(ScenarioStep).options(selectinload(ScenarioStep.templates))
            )
        }
        self.organisation = db.session.scalar(select(Organisation).limit(1))
        self.on_hold = on_hold
        self.drafter = Drafter(now, today, settings, on_hold, self.organisation, steps)
        self.customers: dict[int, Customer] = {}
        self.invoices: dict[int, Invoice] = {}
        self.failure_tasks: dict[int, Task] = {}
        self.asked_rates: set[date] = set()
        """Half-years whose missing rates were asked for in this pass (one task each, ever)."""
        self.growth = planner_statistics.GrowthWatch(pass_rows.TABLES)
        """The first pass of a new portal fills these tables: PostgreSQL must learn it early."""

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
        self.failure_tasks = {
            task.customer_id: task
            for task in db.session.scalars(
                select(Task).where(
                    Task.kind == FAILURE_TASK_KIND,
                    Task.status == TaskStatus.OPEN,
                    Task.customer_id.in_(customer_ids),
                )
            )
        }

    def draft(
        self, customer_id: int, decisions: list[Decision], skipped: list[Decision]
    ) -> CustomerDraft:
        return self.drafter.draft(self.customers[customer_id], self.invoices, decisions, skipped)

    def write(self, drafts: list[CustomerDraft]) -> set[int]:
        """Write a batch; the customers whose steps another pass recorded first (left out)."""
        tasks_before = dict(self.failure_tasks)
        savepoint = db.session.begin_nested()
        try:
            self._write(drafts)
            savepoint.commit()
            return set()
        except SQLAlchemyError:
            savepoint.rollback()
            self.failure_tasks = dict(tasks_before)
        done_elsewhere = set()
        for draft in drafts:
            savepoint = db.session.begin_nested()
            try:
                self._write([draft])
                savepoint.commit()
            except IntegrityError:
                savepoint.rollback()  # nothing is sent twice
                self._restore_task(draft.customer_id, tasks_before)
                done_elsewhere.add(draft.customer_id)
            except SQLAlchemyError as exc:
                savepoint.rollback()
                self._restore_task(draft.customer_id, tasks_before)
                log.exception("Could not write the reminders of customer %s", draft.customer_id)
                self._write_failure_instead(draft, exc)
        return done_elsewhere

    def _restore_task(self, customer_id: int, before: dict[int, Task]) -> None:
        """A rolled-back savepoint took the task it created with it."""
        if customer_id in before:
            self.failure_tasks[customer_id] = before[customer_id]
        else:
            self.failure_tasks.pop(customer_id, None)

    def _write_failure_instead(self, draft: CustomerDraft, exc: Exception) -> None:
        """The database refused this customer's rows: record why, so the pass moves on."""
        email = draft.email
        if email is not None:
            draft.fail(SkipReason.UNEXPECTED, type(exc).__name__, email.decisions)
        draft.tasks = []
        before = dict(self.failure_tasks)
        savepoint = db.session.begin_nested()
        try:
            self._write([draft])
            savepoint.commit()
        except SQLAlchemyError:
            savepoint.rollback()
            self._restore_task(draft.customer_id, before)
            log.exception("Could not record the failure of customer %s", draft.customer_id)

    def _write(self, drafts: list[CustomerDraft]) -> None:
        """Letters and tasks through their services (few), the rest in one INSERT per table."""
        now = self.now
        actions: list[dict] = []
        letter_tasks: dict[int, Task] = {}
        for draft in drafts:
            for d in draft.skipped:
                actions.append(_action(d, ActionStatus.SKIPPED, now, reason=d.skip_reason))
            if draft.to_post:
                letter_tasks[draft.customer_id] = task = self._letter_to_post(draft)
                if draft.post_only:
                    for d in draft.to_post:
                        actions.append(_action(d, ActionStatus.SENT, now, task_id=task.id))
            if draft.held_for is not None:
                self._ask_for_rates(draft.held_for)
        emailed = [draft for draft in drafts if draft.email is not None]
        link_ids = pass_rows.insert_links(
            [
                links.email_link_row(
                    draft.customer_id,
                    nonce=draft.email.link_nonce,
                    now=now,
                    days=self.settings.link_days,
                    purpose="reminder",
                )
                for draft in emailed
            ]
        )
        message_ids = pass_rows.insert_messages(
            [_message_row(draft, now, link_ids[draft.email.link_nonce]) for draft in emailed]
        )
        events = []
        link_expires = (now + timedelta(days=self.settings.link_days)).date().isoformat()
        for draft in emailed:
            message_id = message_ids[link_ids[draft.email.link_nonce]]
            decisions = draft.email.decisions
            letter = letter_tasks.get(draft.customer_id)
            for d in decisions:
                task_id = letter.id if letter and d.step.kind is StepKind.FORMAL_NOTICE else None
                actions.append(
                    _action(d, ActionStatus.SENT, now, message_id=message_id, task_id=task_id)
                )
            events.append(
                audit.event_row(
                    _SYSTEM,
                    "reminder.queued",
                    "outbox_message",
                    message_id,
                    at=now,
                    customer_id=draft.customer_id,
                    invoices=[d.invoice.number for d in decisions],
                    steps=sorted({d.step.name for d in decisions}),
                    link_expires=link_expires,
                )
            )
        pass_rows.insert_actions(actions)
        pass_rows.insert_events(events)
        for table, rows in zip(pass_rows.TABLES, (emailed, emailed, actions, events), strict=True):
            self.growth.wrote(table, len(rows))
        escalations = []
        for draft in drafts:
            for d, title, body in draft.tasks:
                task = self._escalation_task(draft, d, title, body)
                escalations.append(_action(d, ActionStatus.SENT, now, task_id=task.id))
            if draft.failure is not None:
                self._failure_task(draft)
        pass_rows.insert_actions(escalations)
        db.session.flush()

    def _letter_to_post(self, draft: CustomerDraft) -> Task:
        """The formal notice as a letter to post, and the creditor's task to post it."""
        invoices = [self.invoices[d.invoice.id] for d in draft.to_post]
        _letter, task = notice_letters.make_letter_to_post(
            self.customers[draft.customer_id],
            invoices,
            self.organisation,
            today=self.today,
            now=self.now,
            deadline=reminder_content.deadline_for(self.today),
            instance_path=self.settings.instance_path,
            base_url=self.settings.base_url,
            excluded_cents_by_invoice={
                i.id: self.on_hold[i.id] for i in invoices if i.id in self.on_hold
            },
        )
        return task

    def _ask_for_rates(self, half_year: date) -> None:
        """One task per missing half-year, however many messages wait for it."""
        from portal.services.claims import missing_rates

        if half_year not in self.asked_rates:
            self.asked_rates.add(half_year)
            missing_rates.ask_owner(half_year, self.organisation, now=self.now, today=self.today)

    def _escalation_task(self, draft: CustomerDraft, decision: Decision, title: str, body: str):
        return notifications.ask_creditor(
            "escalation",
            title,
            now=self.now,
            due_date=self.today,
            about=("invoice", decision.invoice.id),
            customer_id=draft.customer_id,
            invoice_id=decision.invoice.id,
            body=body,
        )

    def _failure_task(self, draft: CustomerDraft) -> None:
        """One open task per customer: a failure on another day adds a line to it."""
        failure = draft.failure
        with notifications.creditor_language():
            line = gettext(
                "%(day)s, %(steps)s (%(invoices)s): not sent, %(reason)s.",
                day=self.today.isoformat(),
                steps=", ".join(sorted({d.step.name for d in failure.decisions})),
                invoices=", ".join(d.invoice.number for d in failure.decisions),
                reason=labels.skip_reason_label(failure.reason),
            )
            if failure.detail:
                line += f" {failure.detail}"
            title = gettext(
                "Reminders to %(customer)s could not be sent: please check",
                customer=draft.customer_name,
            )
        task = self.failure_tasks.get(draft.customer_id)
        if task is not None:
            task.body = f"{task.body}\n{line}".strip()
            return
        self.failure_tasks[draft.customer_id] = notifications.ask_creditor(
            FAILURE_TASK_KIND,
            title,
            now=self.now,
            due_date=self.today,
            about=("customer", draft.customer_id),
            customer_id=draft.customer_id,
            body=line,
        )
