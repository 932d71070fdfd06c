"""Editing scenarios and their messages, previewing them, and sending oneself a test."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import force_locale
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    Customer,
    Invoice,
    InvoiceStatus,
    Organisation,
    Scenario,
    ScenarioStep,
    StepKind,
    StepTemplate,
)
from portal.services import audit, notifications
from portal.services.documents import formal_notice as notice_claims
from portal.services.dunning import (
    default_scenarios,
    message_templates,
    reminder_content,
    template_checks,
)
from portal.services.errors import N_, DomainError, NotFound

LANGUAGES = ("fr", "en")

#: Ready-made pieces the editor inserts with one click, so nobody has to write a loop.
_BLOCKS = {
    "fr": (
        default_scenarios.INVOICE_LIST_FR,
        default_scenarios.PAY_LINK_FR,
        default_scenarios.SIGNATURE_FR,
    ),
    "en": (
        default_scenarios.INVOICE_LIST_EN,
        default_scenarios.PAY_LINK_EN,
        default_scenarios.SIGNATURE_EN,
    ),
}
BLOCK_NAMES = (
    N_("The invoices, one per line"),
    N_("The pay-online link"),
    N_("Your signature"),
)


def blocks(language: str) -> list[tuple[str, str]]:
    """(name to translate, template text) of each ready-made block, in the message's language."""
    return list(zip(BLOCK_NAMES, _BLOCKS.get(language, _BLOCKS["fr"]), strict=True))


class InvalidScenario(DomainError):
    pass


def get(scenario_id: int) -> Scenario:
    scenario = db.session.get(Scenario, scenario_id)
    if scenario is None:
        raise NotFound(N_("No such scenario."))
    return scenario


def get_step(scenario: Scenario, step_id: int) -> ScenarioStep:
    step = db.session.get(ScenarioStep, step_id)
    if step is None or step.scenario_id != scenario.id or step.archived:
        raise NotFound(N_("No such step."))
    return step


def live_steps(scenario: Scenario) -> list[ScenarioStep]:
    return sorted(
        (s for s in scenario.steps if not s.archived), key=lambda s: (s.day_offset, s.position)
    )


def update_settings(
    scenario: Scenario,
    *,
    name: str,
    customer_kind: str,
    segment: str,
    min_gap_days: int,
    actor: audit.Actor,
    now: datetime,
) -> Scenario:
    if not name.strip():
        raise InvalidScenario(N_("A scenario needs a name."))
    if customer_kind not in ("", "business", "consumer"):
        raise InvalidScenario(N_("Unknown kind of customer."))
    if not 0 <= min_gap_days <= 60:
        raise InvalidScenario(N_("The gap between reminders must be between 0 and 60 days."))
    scenario.name, scenario.customer_kind = name.strip(), customer_kind
    scenario.segment, scenario.min_gap_days = segment.strip(), min_gap_days
    audit.record(actor, "scenario.updated", "scenario", scenario.id, at=now, name=scenario.name)
    return scenario


def _check_step(name: str, day_offset: int) -> None:
    """The rules a step's name and day follow, whether it is new or edited."""
    if not name.strip():
        raise InvalidScenario(N_("A step needs a name."))
    if not -60 <= day_offset <= 365:
        raise InvalidScenario(
            N_("The day must be between 60 days before and 365 days after the due date.")
        )


def add_step(
    scenario: Scenario,
    *,
    name: str,
    day_offset: int,
    kind: StepKind,
    actor: audit.Actor,
    now: datetime,
) -> ScenarioStep:
    """A new step starts with the messages of the closest earlier email step, ready to edit."""
    _check_step(name, day_offset)
    steps = live_steps(scenario)
    model = next(
        (s for s in reversed(steps) if s.day_offset <= day_offset and s.kind is not StepKind.TASK),
        next((s for s in steps if s.kind is not StepKind.TASK), None),
    )
    step = ScenarioStep(
        name=name.strip(),
        day_offset=day_offset,
        kind=kind,
        tone="firm",
        position=max((s.position for s in scenario.steps), default=-1) + 1,
    )
    for language in LANGUAGES:
        source = model.template_for(language) if model else None
        step.templates.append(
            StepTemplate(
                language=language,
                subject=source.subject if source else "{{ customer.name }}: {{ total_due }}",
                text_body=source.text_body if source else "{{ portal_link }}",
                html_body=source.html_body if source else "",
            )
        )
    scenario.steps.append(step)
    db.session.flush()
    audit.record(
        actor,
        "scenario.step_added",
        "scenario",
        scenario.id,
        at=now,
        step=step.name,
        day=day_offset,
    )
    return step


def update_step(
    step: ScenarioStep,
    *,
    name: str,
    day_offset: int,
    kind: StepKind,
    actor: audit.Actor,
    now: datetime,
) -> ScenarioStep:
    _check_step(name, day_offset)
    step.name, step.day_offset, step.kind = name.strip(), day_offset, kind
    audit.record(
        actor, "scenario.step_updated", "scenario", step.scenario_id, at=now, step=step.name
    )
    return step


def remove_step(step: ScenarioStep, *, actor: audit.Actor, now: datetime) -> None:
    """Archived, not deleted: reminders already sent keep pointing at it."""
    step.archived = True
    audit.record(
        actor, "scenario.step_removed", "scenario", step.scenario_id, at=now, step=step.name
    )


def move_step(step: ScenarioStep, direction: int, *, actor: audit.Actor, now: datetime) -> None:
    """Swap a step with its neighbour: the days stay where they are, the messages change places."""
    steps = live_steps(step.scenario)
    index = steps.index(step)
    other_index = index + (1 if direction > 0 else -1)
    if not 0 <= other_index < len(steps):
        return
    other = steps[other_index]
    step.day_offset, other.day_offset = other.day_offset, step.day_offset
    step.position, other.position = other.position, step.position
    audit.record(actor, "scenario.step_moved", "scenario", step.scenario_id, at=now, step=step.name)


def save_template(
    step: ScenarioStep,
    language: str,
    *,
    subject: str,
    text_body: str,
    html_body: str,
    organisation: Organisation | None,
    today: date,
    actor: audit.Actor,
    now: datetime,
) -> StepTemplate:
    """Validate against realistic data, then save: a broken template is refused here, not at 3 a.m."""
    if language not in LANGUAGES:
        raise InvalidScenario(N_("Unknown language."))
    message_templates.validate(
        subject,
        text_body,
        html_body,
        reminder_content.sample_context(organisation, language, today),
    )
    template_checks.check_with_customers(
        subject,
        text_body,
        html_body,
        language=language,
        organisation=organisation,
        today=today,
        formal_notice=step.kind is StepKind.FORMAL_NOTICE,
    )
    template = next((t for t in step.templates if t.language == language), None)
    if template is None:
        template = StepTemplate(language=language)
        step.templates.append(template)
    template.subject, template.text_body, template.html_body = subject, text_body, html_body
    audit.record(
        actor,
        "scenario.template_saved",
        "scenario",
        step.scenario_id,
        at=now,
        step=step.name,
        language=language,
    )
    return template


def preview_customers(limit: int = 50) -> list[Customer]:
    """Customers with open invoices first: a preview is most telling for a real late payer."""
    owing = select(Invoice.customer_id).where(Invoice.status == InvoiceStatus.OPEN).distinct()
    rows = list(
        db.session.scalars(
            select(Customer).where(Customer.id.in_(owing)).order_by(Customer.sort_name).limit(limit)
        )
    )
    return rows or list(
        db.session.scalars(select(Customer).order_by(Customer.sort_name).limit(limit))
    )


def preview(
    subject: str,
    text_body: str,
    html_body: str,
    *,
    language: str,
    customer: Customer | None,
    organisation: Organisation | None,
    today: date,
    base_url: str,
    formal_notice: bool = False,
) -> tuple[message_templates.Rendered, str]:
    """(rendered parts, full HTML email) for a real customer's open invoices, or sample data."""
    with force_locale(language):
        if customer is not None:
            open_invoices = list(
                db.session.scalars(
                    select(Invoice)
                    .where(Invoice.customer_id == customer.id, Invoice.status == InvoiceStatus.OPEN)
                    .order_by(Invoice.due_date)
                )
            )
            # a reminder is about late invoices; before any is late, about the next ones due
            invoices = [i for i in open_invoices if i.due_date < today] or open_invoices
            context = reminder_content.build_context(
                customer,
                invoices,
                organisation,
                today,
                portal_link=f"{base_url}/p/…",
                contact=(customer.email_addresses or [""])[0],
                formal_notice=formal_notice,
                owed=notice_claims.claim(organisation, customer, invoices, today=today)
                if organisation
                else None,
            )
        else:
            context = reminder_content.sample_context(organisation, language, today)
        rendered = message_templates.render(subject, text_body, html_body, context)
        return rendered, reminder_content.html_email(rendered, organisation, context)


def send_test(
    step: ScenarioStep,
    language: str,
    *,
    to: str,
    customer: Customer | None,
    organisation: Organisation | None,
    today: date,
    now: datetime,
    base_url: str,
    actor: audit.Actor,
):
    """Queue the step's message, rendered for `customer`, to the creditor's own address."""
    template = step.template_for(language)
    rendered, html = preview(
        template.subject,
        template.text_body,
        template.html_body,
        language=language,
        customer=customer,
        organisation=organisation,
        today=today,
        base_url=base_url,
        formal_notice=step.kind is StepKind.FORMAL_NOTICE,
    )
    message = notifications.send_test(
        to,
        rendered.subject,
        rendered.text,
        html,
        now=now,
        reply_to=organisation.contact_email if organisation else "",
    )
    db.session.flush()
    audit.record(
        actor, "scenario.test_sent", "scenario", step.scenario_id, at=now, step=step.name, to=to
    )
    return message
