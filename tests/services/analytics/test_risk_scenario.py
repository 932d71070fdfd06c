"""A risky payer follows the stricter scenario, unless one was chosen on their page."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from portal.extensions import db
from portal.models import CustomerRisk, Scenario, ScenarioStep, StepKind
from portal.services import organisation
from portal.services.audit import Actor
from portal.services.dunning import scenarios
from portal.services.dunning.pass_data import PassData

from ...conftest import NOW, TODAY
from ...factories import days_ago, make_customer, make_invoice, make_organisation

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def strict(app) -> Scenario:
    make_organisation()
    scenarios.install_defaults(now=NOW, actor=Actor.system())
    scenario = Scenario(name="Strict", min_gap_days=3, active=True, created_at=NOW)
    scenario.steps.append(
        ScenarioStep(position=0, name="Call now", day_offset=1, kind=StepKind.TASK)
    )
    db.session.add(scenario)
    db.session.flush()
    organisation.update(
        {"risk_threshold": 60, "risk_scenario_id": scenario.id}, actor=Actor.system(), now=NOW
    )
    db.session.commit()
    return scenario


def _customer_scored(score: int | None, **kw):
    customer = make_customer(**kw)
    make_invoice(customer, issue_date=days_ago(40), due_date=days_ago(10))
    if score is not None:
        db.session.add(
            CustomerRisk(customer_id=customer.id, currency="EUR", computed_on=TODAY, score=score)
        )
        db.session.commit()
    return customer


def _followed(customer) -> str:
    data = PassData(TODAY, PARIS)
    return {inv.customer_id: scenario.name for inv, scenario in data.invoices}[customer.id]


def test_a_risky_customer_follows_the_stricter_scenario_from_the_threshold(strict):
    at_threshold, above = _customer_scored(60), _customer_scored(85)
    assert _followed(at_threshold) == "Strict" and _followed(above) == "Strict"
    automatic = scenarios.automatic_for(above)
    assert (automatic.scenario.name, automatic.risk_score, automatic.risk_threshold) == (
        "Strict",
        85,
        60,
    )


def test_below_the_threshold_or_unscored_the_usual_scenario_applies(strict):
    below, unscored = _customer_scored(59), _customer_scored(None)
    assert _followed(below) != "Strict" and _followed(unscored) != "Strict"
    assert _followed(below) == _followed(unscored)
    assert scenarios.automatic_for(below).risk_score is None


def test_a_scenario_chosen_on_the_customers_page_wins_over_risk(strict):
    usual = db.session.query(Scenario).filter(Scenario.id != strict.id).first()
    chosen = _customer_scored(95)
    chosen.scenario_id = usual.id
    db.session.commit()
    assert _followed(chosen) == usual.name
    assert scenarios.for_customer(chosen).name == usual.name


def test_an_empty_threshold_turns_it_off(strict):
    risky = _customer_scored(100)
    organisation.update({"risk_threshold": None}, actor=Actor.system(), now=NOW)
    db.session.commit()
    assert _followed(risky) != "Strict"
    assert scenarios.automatic_for(risky).risk_score is None


def test_the_pass_reads_every_score_in_the_customers_query(strict):
    """One query for all customers: adding customers adds no query."""
    from sqlalchemy import event

    def count() -> int:
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            PassData(TODAY, PARIS)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    _customer_scored(90)
    before = count()
    for score in (10, 70, 95):
        _customer_scored(score)
    assert count() == before
