"""Which reminder step is due for one invoice: the rules of the pass, without the database.

Given an invoice, its scenario and what was already done, `decide` says what
to skip and what to do today, and `next_step_date` when the next step will go
out if nothing changes. Both are pure, so the pass, the forecast and the tests
share exactly the same rules; they run once per open invoice on every pass,
hence the small slotted dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from portal.models import SkipReason, StepKind
from portal.services.dunning.scenarios import ScenarioRule, StepRule
from portal.services.dunning.sending_window import SendingWindow

EMAIL_KINDS = (StepKind.EMAIL, StepKind.FORMAL_NOTICE)


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
    """A SkipReason when the step is recorded as skipped."""


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
            skipped.append(Decision(invoice, step, day, SkipReason.DUE_DATE_PASSED))
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
