"""Dunning: scenarios of reminder steps, their templates, and the actions taken.

What is due lives in rows, never in the scheduler's memory: a missed or repeated
pass does no harm, and the unique (invoice, step) key makes a second send of the
same step impossible, even from two scheduler processes at once.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, enum_column


class StepKind(enum.StrEnum):
    EMAIL = "email"
    FORMAL_NOTICE = "formal_notice"
    """An email with the formal notice letter (mise en demeure) attached as a PDF."""
    TASK = "task"
    """A to-do for the creditor (call, agency, court order)."""


class Scenario(db.Model):
    __tablename__ = "scenarios"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    customer_kind: Mapped[str] = mapped_column(String(20), default="")
    """Default for customers of this kind ("business"/"consumer") without a segment rule."""
    segment: Mapped[str] = mapped_column(String(64), default="")
    """Default for customers of this segment (wins over the kind)."""
    min_gap_days: Mapped[int] = mapped_column(Integer, default=7)
    """Days at least between two steps for one invoice when several are overdue at once."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    steps: Mapped[list[ScenarioStep]] = relationship(
        back_populates="scenario", order_by="ScenarioStep.position", cascade="all, delete-orphan"
    )


class ScenarioStep(db.Model):
    __tablename__ = "scenario_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(
        ForeignKey("scenarios.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(120))
    day_offset: Mapped[int] = mapped_column(Integer)
    """Days from the due date: -3 is three days before, 30 thirty days after."""
    kind: Mapped[StepKind] = mapped_column(enum_column(StepKind), default=StepKind.EMAIL)
    tone: Mapped[str] = mapped_column(String(20), default="friendly")
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    """Removed from the scenario; kept so past actions still point at it."""

    scenario: Mapped[Scenario] = relationship(back_populates="steps")
    templates: Mapped[list[StepTemplate]] = relationship(
        back_populates="step", cascade="all, delete-orphan", order_by="StepTemplate.language"
    )

    def template_for(self, language: str) -> StepTemplate | None:
        by_language = {t.language: t for t in self.templates}
        return (
            by_language.get(language)
            or by_language.get("fr")
            or next(iter(by_language.values()), None)
        )


class StepTemplate(db.Model):
    """The message of one step in one language (user-editable, sandboxed Jinja)."""

    __tablename__ = "step_templates"
    __table_args__ = (UniqueConstraint("step_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    step_id: Mapped[int] = mapped_column(
        ForeignKey("scenario_steps.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(2))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text, default="")
    """Optional; built from the text part when empty."""

    step: Mapped[ScenarioStep] = relationship(back_populates="templates")


class ActionStatus(enum.StrEnum):
    PLANNED = "planned"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class SkipReason(enum.StrEnum):
    """Why the pass did not carry a step out, stored in `DunningAction.reason`.

    A key, not a sentence: pages name it in the reader's language (`portal.labels`).
    A failed delivery keeps the mail server's own words there instead.
    """

    DUE_DATE_PASSED = "due_date_passed"
    NO_EMAIL = "no_email"
    NO_TEMPLATE = "no_template"
    TEMPLATE_FAILED = "template_failed"
    IDENTITY_MISSING = "identity_missing"
    NOTHING_TO_CLAIM = "nothing_to_claim"
    UNEXPECTED = "unexpected_error"


class DunningAction(db.Model):
    """One step for one invoice: planned, sent, failed or skipped (with the reason)."""

    __tablename__ = "dunning_actions"
    __table_args__ = (
        UniqueConstraint("invoice_id", "step_id"),
        Index("ix_dunning_actions_status_planned", "status", "planned_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    step_id: Mapped[int] = mapped_column(ForeignKey("scenario_steps.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    planned_date: Mapped[date] = mapped_column(Date)
    status: Mapped[ActionStatus] = mapped_column(enum_column(ActionStatus))
    reason: Mapped[str] = mapped_column(String(200), default="")
    """A SkipReason when skipped; the mail server's answer when failed."""
    message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    step: Mapped[ScenarioStep] = relationship()
    message = relationship("OutboxMessage")


class SchedulerHeartbeat(db.Model):
    """When the scheduler last ran, so the dashboard can warn when it stops."""

    __tablename__ = "scheduler_heartbeats"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    last_run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_result: Mapped[str] = mapped_column(Text, default="")
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Customers whose reminders could not be written on the last run (each has a task)."""


class ReferenceRate(db.Model):
    """The ECB reference rate for a half-year, from which late-payment penalties are computed."""

    __tablename__ = "reference_rates"

    id: Mapped[int] = mapped_column(primary_key=True)
    semester_start: Mapped[date] = mapped_column(Date, unique=True)
    """1 January or 1 July."""
    rate_bp: Mapped[int] = mapped_column(Integer)
    """In basis points: 4.50 % is 450."""
    legal_rate_professional_bp: Mapped[int | None] = mapped_column(Integer)
    """The legal interest rate "all other cases" (C. mon. fin. L313-2): a business creditor's."""
    legal_rate_consumer_bp: Mapped[int | None] = mapped_column(Integer)
    """The legal interest rate for a creditor who is a private person (never the portal's)."""
