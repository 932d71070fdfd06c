"""Dunning scenarios: the shipped defaults, and which scenario applies to a customer.

A customer follows the scenario chosen on their page; without one, a payer-risk
score at or above the organisation's threshold picks its stricter scenario;
otherwise their segment's, then their kind's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Select, select

from portal.extensions import db
from portal.models import (
    Customer,
    CustomerRisk,
    Organisation,
    Scenario,
    ScenarioStep,
    StepKind,
    StepTemplate,
)
from portal.services import audit
from portal.services.dunning.default_scenarios import SCENARIOS
from portal.statements import built_once


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


@built_once
def _active_scenarios_and_steps() -> Select:
    return (
        select(
            Scenario.id,
            Scenario.name,
            Scenario.min_gap_days,
            Scenario.segment,
            Scenario.customer_kind,
            ScenarioStep.id,
            ScenarioStep.name,
            ScenarioStep.day_offset,
            ScenarioStep.kind,
            ScenarioStep.position,
        )
        .outerjoin(
            ScenarioStep,
            (ScenarioStep.scenario_id == Scenario.id) & ScenarioStep.archived.is_(False),
        )
        .where(Scenario.active.is_(True))
        .order_by(Scenario.id, ScenarioStep.position, ScenarioStep.id)
    )


class ScenarioBook:
    """Every active scenario and the rules that assign one to a customer."""

    def __init__(self, organisation: Organisation | None = None) -> None:
        """`organisation`: when the caller has read it already (its risk settings are used)."""
        # Plain columns in one query: every account page builds the book, and loading
        # the scenarios and their steps as ORM objects cost more than the rest of it.
        rows = db.session.execute(_active_scenarios_and_steps()).all()
        scenarios: dict[int, tuple] = {}
        steps_of: dict[int, list[StepRule]] = {}
        for scenario_id, name, gap, segment, kind, *step in rows:
            scenarios.setdefault(scenario_id, (name, gap, segment, kind))
            own = steps_of.setdefault(scenario_id, [])
            if step[0] is not None:
                own.append(StepRule(*step))
        self.by_id: dict[int, ScenarioRule] = {}
        self.by_segment: dict[str, int] = {}
        self.by_kind: dict[str, int] = {}
        for scenario_id, (name, gap, segment, kind) in scenarios.items():
            steps = sorted(steps_of[scenario_id], key=lambda s: (s.day_offset, s.position))
            self.by_id[scenario_id] = ScenarioRule(scenario_id, name, gap, tuple(steps))
            if segment:
                self.by_segment.setdefault(segment, scenario_id)
            if kind:
                self.by_kind.setdefault(kind, scenario_id)
        if organisation is not None:
            risk = (organisation.risk_threshold, organisation.risk_scenario_id)
        else:
            risk = db.session.execute(
                select(Organisation.risk_threshold, Organisation.risk_scenario_id).limit(1)
            ).first()
        self.risk_threshold, self.risk_scenario_id = risk if risk is not None else (None, None)

    def chosen_by_risk(self, risk_score: int | None) -> bool:
        """True when this score sends a customer with no scenario of their own to the stricter one."""
        return (
            risk_score is not None
            and self.risk_threshold is not None
            and risk_score >= self.risk_threshold
            and self.risk_scenario_id in self.by_id
        )

    def for_customer(
        self, scenario_id: int | None, segment: str, kind: str, risk_score: int | None = None
    ) -> ScenarioRule | None:
        """Chosen on the customer's page, else by risk, else by segment, else by kind."""
        chosen_by_risk = scenario_id is None and self.chosen_by_risk(risk_score)
        by_risk = self.risk_scenario_id if chosen_by_risk else None
        candidates = (
            scenario_id,
            by_risk,
            self.by_segment.get(segment),
            self.by_kind.get(str(kind)),
        )
        for candidate in candidates:
            if candidate is not None and candidate in self.by_id:
                return self.by_id[candidate]
        return None


def for_customer(customer: Customer) -> ScenarioRule | None:
    return ScenarioBook().for_customer(
        customer.scenario_id, customer.segment, customer.kind, risk_score(customer.id)
    )


def risk_score(customer_id: int) -> int | None:
    """The customer's stored payer-risk score (refreshed daily), if any."""
    return db.session.scalar(
        select(CustomerRisk.score).where(CustomerRisk.customer_id == customer_id)
    )


@dataclass
class AutomaticScenario:
    """What a customer follows with no scenario chosen on their page, and why."""

    scenario: ScenarioRule | None
    risk_score: int | None = None
    """Set when the payer-risk score chose the stricter scenario."""
    risk_threshold: int | None = None


def automatic_for(customer: Customer) -> AutomaticScenario:
    book = ScenarioBook()
    score = risk_score(customer.id)
    scenario = book.for_customer(None, customer.segment, customer.kind, score)
    if book.chosen_by_risk(score):
        return AutomaticScenario(scenario, score, book.risk_threshold)
    return AutomaticScenario(scenario)


def all_scenarios() -> list[Scenario]:
    return list(db.session.scalars(select(Scenario).order_by(Scenario.id)))
