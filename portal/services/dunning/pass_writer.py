"""Writing what a dunning pass decided: action rows, escalation tasks, queued reminders.

Each customer's steps are written in one savepoint: the DunningAction rows are
unique on (invoice, step) and go in with the outbox message that carries them,
so if another pass recorded the same step first, the savepoint rolls back and
nothing is sent twice, while the other customers of the batch go through. What
the writes need (customers with their addresses, invoices, step templates) is
loaded per batch, not per customer.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

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
    Organisation,
    ScenarioStep,
    SkipReason,
    StepKind,
    Task,
)
from portal.services import audit, links, notifications
from portal.services.dunning import message_templates, notice_letters
from portal.services.dunning.decisions import EMAIL_KINDS, Decision
from portal.services.dunning.dunning_settings import DunningSettings
from portal.services.mail import outbox


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
        self.now, self.today, self.settings = now, today, settings
        self.on_hold = on_hold
        self.organisation = db.session.scalar(select(Organisation).limit(1))
        self.held: set[int] = set()
        """Customers whose message waits for a half-year's reference rates."""
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
        letter_task = None
        formal = [d for d in emails if d.step.kind is StepKind.FORMAL_NOTICE]
        if formal and notice_letters.by_post(self.organisation):
            letter_task = self._letter_to_post(customer, formal)
            if not notice_letters.by_email(self.organisation):
                for d in formal:
                    db.session.add(_action(d, ActionStatus.SENT, now, task_id=letter_task.id))
                emails = [d for d in emails if d.step.kind is not StepKind.FORMAL_NOTICE]
        if emails:
            addresses = [e.email for e in customer.emails if not e.undeliverable]
            if not addresses:
                for d in emails:
                    db.session.add(
                        _action(d, ActionStatus.SKIPPED, now, reason=SkipReason.NO_EMAIL)
                    )
            else:
                message = self._reminder_message(customer, emails, addresses)
                if message is None:
                    self.held.add(customer.id)
                    db.session.flush()
                    return
                for d in emails:
                    task_id = letter_task.id if letter_task and d in formal else None
                    db.session.add(
                        _action(d, ActionStatus.SENT, now, message=message, task_id=task_id)
                    )
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

    def _letter_to_post(self, customer: Customer, decisions: list[Decision]) -> Task:
        """The formal notice as a letter to post, and the creditor's task to post it."""
        from portal.services.dunning import reminder_content

        invoices = [self.invoices[d.invoice.id] for d in decisions]
        _letter, task = notice_letters.make_letter_to_post(
            customer,
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
        return notifications.ask_creditor(
            "escalation",
            f"{title} ({decision.invoice.number})",
            now=self.now,
            due_date=self.today,
            about=("invoice", decision.invoice.id),
            customer_id=customer.id,
            invoice_id=decision.invoice.id,
            body=body,
        )

    def _ask_for_rates(self, half_year: date) -> None:
        """One task per missing half-year, however many messages wait for it."""
        from portal.services.claims import missing_rates

        missing_rates.ask_owner(half_year, self.organisation, now=self.now, today=self.today)

    def _reminder_message(
        self, customer: Customer, decisions: list[Decision], addresses: list[str]
    ):
        """The queued message, or None when it would state penalties a missing rate prevents."""
        from portal.services.dunning import reminder_content

        strongest = max(
            decisions, key=lambda d: (d.step.kind is StepKind.FORMAL_NOTICE, d.step.day_offset)
        )
        formal = strongest.step.kind is StepKind.FORMAL_NOTICE
        template = self.steps[strongest.step.id].template_for(customer.language)
        invoices = [self.invoices[d.invoice.id] for d in decisions]
        noticed = [
            i
            for i, d in zip(invoices, decisions, strict=True)
            if d.step.kind is StepKind.FORMAL_NOTICE
        ]
        wants_penalties = formal or any(
            "penalt" in part or "indemnit" in part
            for part in (template.subject, template.text_body, template.html_body)
        )
        owed = None
        if wants_penalties and self.organisation is not None:
            from portal.services.documents import formal_notice

            owed = formal_notice.claim(
                self.organisation,
                customer,
                noticed if formal else invoices,
                today=self.today,
                excluded_cents_by_invoice=self.on_hold,
            )
            if owed.missing_half_years:
                self._ask_for_rates(owed.missing_half_years[0])
                return None
        token = links.create(
            customer,
            now=self.now,
            days=self.settings.link_days,
            actor=audit.Actor.system(),
            purpose="reminder",
            audited=False,
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
                owed=owed,
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
                        noticed,
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
