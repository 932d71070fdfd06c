"""What the pass will write for one customer, drafted in memory before anything is written.

Drafting is where a customer can go wrong: a template that fails for their
data, a formal notice without the creditor's identity, no address to write to,
a step without a message. Each of these is caught here, for that customer
alone: their email steps become skipped steps with the reason's key, and the
creditor is asked to look (`pass_writer` makes one task per customer). Nothing
is added to the database session while drafting, so a customer that fails
leaves nothing half-written, and the writer can insert a whole batch at once.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import force_locale

from portal.models import Customer, Invoice, Organisation, ScenarioStep, SkipReason, StepKind
from portal.services import links
from portal.services.dunning import message_templates, notice_letters, reminder_content
from portal.services.dunning.decisions import EMAIL_KINDS, Decision
from portal.services.dunning.dunning_settings import DunningSettings
from portal.services.dunning.message_templates import TemplateInvalid

log = logging.getLogger(__name__)

#: What `outbox_messages.subject` holds.
MAX_SUBJECT = 300


class Held(Exception):
    """The message would state penalties for a half-year whose rates are missing: it waits."""

    def __init__(self, half_year: date):
        super().__init__(half_year.isoformat())
        self.half_year = half_year


class Refusal(Exception):
    """This customer's email cannot be written today; `detail` is for the creditor's task."""

    def __init__(self, reason: SkipReason, detail: str = ""):
        super().__init__(detail or reason)
        self.reason, self.detail = reason, detail


@dataclass(slots=True)
class DraftEmail:
    kind: str
    to: list[str]
    subject: str
    text: str
    html: str
    reply_to: str
    attachments: list[dict]
    link_nonce: str
    """The link is filled in at delivery (`services.links`): the bodies hold a placeholder."""
    decisions: list[Decision]


@dataclass(slots=True)
class Failure:
    reason: SkipReason
    detail: str
    decisions: list[Decision]


@dataclass(slots=True)
class CustomerDraft:
    """Everything the writer adds for one customer; plain values, so it can be written twice."""

    customer_id: int
    customer_name: str
    skipped: list[Decision] = field(default_factory=list)
    tasks: list[tuple[Decision, str, str]] = field(default_factory=list)
    """(decision, title, body) of each escalation task."""
    email: DraftEmail | None = None
    failure: Failure | None = None
    to_post: list[Decision] = field(default_factory=list)
    """Formal notices the creditor sends by post: a letter and a task to post it."""
    post_only: bool = False
    """The formal notices go by post only (no email for them)."""
    held_for: date | None = None
    """The half-year whose missing rates hold this customer's email back (not a failure)."""

    def fail(self, reason: SkipReason, detail: str, decisions: list[Decision]) -> None:
        self.failure = Failure(reason, detail, decisions)
        self.email = None
        self.skipped.extend(dataclasses.replace(d, skip_reason=reason) for d in decisions)


class Drafter:
    """Drafts each customer's email and tasks from the pass's snapshot and their templates."""

    def __init__(
        self,
        now: datetime,
        today: date,
        settings: DunningSettings,
        on_hold: dict[int, int],
        organisation: Organisation | None,
        steps: dict[int, ScenarioStep],
    ):
        self.now, self.today, self.settings = now, today, settings
        self.on_hold, self.organisation, self.steps = on_hold, organisation, steps
        self.over_budget: dict[int, TemplateInvalid] = {}
        """Templates that ran out of time or room once: refused for the rest of the pass."""
        self.formats: dict[str, reminder_content.Formats] = {}
        """One per language, kept for the pass: each date of the portfolio formatted once."""

    def draft(
        self,
        customer: Customer,
        invoices: dict[int, Invoice],
        decisions: list[Decision],
        skipped: list[Decision],
    ) -> CustomerDraft:
        """Never raises: whatever goes wrong stays with this customer, as a recorded failure."""
        result = CustomerDraft(customer.id, customer.name, skipped=list(skipped))
        for d in decisions:
            if d.step.kind is StepKind.TASK:
                result.tasks.append((d, *self._escalation(customer, d)))
        emails = [d for d in decisions if d.step.kind in EMAIL_KINDS]
        formal = [d for d in emails if d.step.kind is StepKind.FORMAL_NOTICE]
        if formal and notice_letters.by_post(self.organisation):
            result.to_post = formal
            if not notice_letters.by_email(self.organisation):
                result.post_only = True
                emails = [d for d in emails if d.step.kind is not StepKind.FORMAL_NOTICE]
        if not emails:
            return result
        try:
            result.email = self._email(customer, emails, invoices)
        except Held as held:
            result.held_for = held.half_year
        except Refusal as refusal:
            result.fail(refusal.reason, refusal.detail, emails)
        except Exception as exc:  # one customer's bad data must not stop everyone's reminders
            log.exception("Could not draft the reminder of customer %s", customer.ref)
            result.fail(SkipReason.UNEXPECTED, type(exc).__name__, emails)
        return result

    def _escalation(self, customer: Customer, decision: Decision) -> tuple[str, str]:
        """The task's title and body from the step's template, or the step's name if it fails.

        An escalation is the creditor's own to-do: it is created whatever its template does.
        """
        title, body = decision.step.name, ""
        try:
            template = self.steps[decision.step.id].template_for(customer.language)
            if template is not None:
                rendered = message_templates.render(
                    template.subject,
                    template.text_body,
                    "",
                    {"customer": {"name": customer.name, "ref": customer.ref}},
                )
                title, body = rendered.subject, rendered.text
        except TemplateInvalid as exc:
            body = f"{exc.field}: {exc}"
        except Exception:
            log.exception("Could not write the escalation task of customer %s", customer.ref)
        return f"{title} ({decision.invoice.number})", body

    def _email(
        self, customer: Customer, decisions: list[Decision], invoices_by_id: dict[int, Invoice]
    ) -> DraftEmail:
        addresses = [e.email for e in customer.emails if not e.undeliverable]
        if not addresses:
            raise Refusal(SkipReason.NO_EMAIL)
        strongest = max(
            decisions, key=lambda d: (d.step.kind is StepKind.FORMAL_NOTICE, d.step.day_offset)
        )
        formal = strongest.step.kind is StepKind.FORMAL_NOTICE
        org = self.organisation
        if formal and (org is None or not org.legal_name):
            raise Refusal(SkipReason.IDENTITY_MISSING)
        template = self.steps[strongest.step.id].template_for(customer.language)
        if template is None:
            raise Refusal(SkipReason.NO_TEMPLATE, strongest.step.name)
        if template.id in self.over_budget:
            raise _template_refusal(self.over_budget[template.id])
        invoices = [invoices_by_id[d.invoice.id] for d in decisions]
        wants_penalties = formal or any(
            "penalt" in part or "indemnit" in part
            for part in (template.subject, template.text_body, template.html_body)
        )
        noticed = [
            i
            for i, d in zip(invoices, decisions, strict=True)
            if d.step.kind is StepKind.FORMAL_NOTICE
        ]
        owed = None
        if wants_penalties and org is not None:
            from portal.services.documents import formal_notice

            owed = formal_notice.claim(
                org,
                customer,
                noticed if formal else invoices,
                today=self.today,
                excluded_cents_by_invoice=self.on_hold,
            )
            if owed.missing_half_years:
                raise Held(owed.missing_half_years[0])
        with force_locale(customer.language):
            context = reminder_content.build_context(
                customer,
                invoices,
                org,
                self.today,
                portal_link=links.placeholder_url(self.settings.base_url),
                contact=addresses[0],
                formal_notice=formal,
                owed=owed,
                on_hold={i.id: self.on_hold[i.id] for i in invoices if i.id in self.on_hold},
                formats=self._formats(customer.language),
            )
            try:
                rendered = message_templates.render(
                    template.subject, template.text_body, template.html_body, context
                )
            except TemplateInvalid as exc:
                if exc.over_budget:
                    self.over_budget[template.id] = exc
                raise _template_refusal(exc) from exc
            html = reminder_content.html_email(rendered, org, context)
            attachments = []
            if formal:
                attachments.append(self._letter(customer, noticed))
        return DraftEmail(
            kind="formal_notice" if formal else "reminder",
            to=addresses,
            subject=rendered.subject[:MAX_SUBJECT],
            text=rendered.text,
            html=html,
            reply_to=org.contact_email if org else "",
            attachments=attachments,
            link_nonce=links.new_nonce(),
            decisions=decisions,
        )

    def _formats(self, language: str) -> reminder_content.Formats:
        formats = self.formats.get(language)
        if formats is None:
            formats = self.formats[language] = reminder_content.Formats(language)
        return formats

    def _letter(self, customer: Customer, noticed: list[Invoice]) -> dict:
        """The letter is kept on disk: it points to the page where a debtor asks for a link."""
        from portal.services.documents.formal_notice import LetterUnavailable

        try:
            return reminder_content.formal_notice_attachment(
                customer,
                noticed,
                self.organisation,
                self.today,
                self.now,
                links.request_page_url(self.settings.base_url),
                self.settings.instance_path,
                excluded_cents_by_invoice=self.on_hold,
            )
        except LetterUnavailable as exc:
            raise Refusal(SkipReason.NOTHING_TO_CLAIM, str(exc)) from exc


def _template_refusal(exc: TemplateInvalid) -> Refusal:
    return Refusal(SkipReason.TEMPLATE_FAILED, f"{exc.field}: {exc}")
