"""Dunning scenarios: the shipped defaults, and which scenario applies to a customer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import Customer, Scenario, ScenarioStep, StepKind, StepTemplate
from portal.services import audit
from portal.services.dunning.default_scenarios import SCENARIOS


def install_defaults(*, now: datetime, actor: audit.Actor) -> int:
    """Create the two default scenarios once (when no scenario exists yet)."""
    if db.session.scalar(select(Scenario.id).limit(1)) is not None:
        return 0
    for name, kind, steps in SCENARIOS:
        scenario = Scenario(
            name=name, customer_kind=kind, min_gap_days=7, active=True, created_at=now
        )
        for position, (step_name, offset, step_kind, tone, templates) in enumerate(steps):
            step = ScenarioStep(
                position=position,
                name=step_name,
                day_offset=offset,
                kind=StepKind(step_kind),
                tone=tone,
            )
            for language, (subject, body) in templates.items():
                step.templates.append(
                    StepTemplate(language=language, subject=subject, text_body=body, html_body="")
                )
            scenario.steps.append(step)
        db.session.add(scenario)
        db.session.flush()
        audit.record(actor, "scenario.created", "scenario", scenario.id, at=now, name=name)
    return len(SCENARIOS)


@dataclass(frozen=True)
class StepRule:
    """What the dunning pass needs of a step, detached from the session."""

    id: int
    name: str
    day_offset: int
    kind: StepKind
    position: int
    delta: timedelta = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "delta", timedelta(days=self.day_offset))


@dataclass(frozen=True)
class ScenarioRule:
    id: int
    name: str
    min_gap_days: int
    steps: tuple[StepRule, ...]
    """Sorted by day offset, then position."""


class ScenarioBook:
    """Every active scenario and the rules that assign one to a customer."""

    def __init__(self) -> None:
        scenarios = db.session.scalars(
            select(Scenario).where(Scenario.active.is_(True)).options(selectinload(Scenario.steps))
        ).all()
        self.by_id: dict[int, ScenarioRule] = {}
        self.by_segment: dict[str, int] = {}
        self.by_kind: dict[str, int] = {}
        for scenario in sorted(scenarios, key=lambda s: s.id):
            steps = sorted(
                (
                    StepRule(s.id, s.name, s.day_offset, s.kind, s.position)
                    for s in scenario.steps
                    if not s.archived
                ),
                key=lambda s: (s.day_offset, s.position),
            )
            self.by_id[scenario.id] = ScenarioRule(
                scenario.id, scenario.name, scenario.min_gap_days, tuple(steps)
            )
            if scenario.segment:
                self.by_segment.setdefault(scenario.segment, scenario.id)
            if scenario.customer_kind:
                self.by_kind.setdefault(scenario.customer_kind, scenario.id)

    def for_customer(self, scenario_id: int | None, segment: str, kind: str) -> ScenarioRule | None:
        """Chosen on the customer's page, else by segment, else by kind."""
        for candidate in (scenario_id, self.by_segment.get(segment), self.by_kind.get(str(kind))):
            if candidate is not None and candidate in self.by_id:
                return self.by_id[candidate]
        return None


def for_customer(customer: Customer) -> ScenarioRule | None:
    return ScenarioBook().for_customer(customer.scenario_id, customer.segment, customer.kind)


def all_scenarios() -> list[Scenario]:
    return list(db.session.scalars(select(Scenario).order_by(Scenario.id)))
