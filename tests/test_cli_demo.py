"""The `portal demo` command: load once, refuse to mix, reset on request."""

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Customer, Invoice, User
from portal.services.demo import catalogue


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_demo_loads_refuses_a_second_load_and_resets(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "Demo loaded: 30 customers" in result.output
    assert f"Creditor login: {catalogue.DEMO_EMAIL} / {catalogue.DEMO_PASSWORD}" in result.output
    invoices = _count(Invoice)

    again = runner.invoke(args=["demo"])
    assert again.exit_code != 0
    assert "--reset" in again.output

    if_empty = runner.invoke(args=["demo", "--if-empty"])
    assert if_empty.exit_code == 0, if_empty.output
    assert "demo not loaded" in if_empty.output

    reset = runner.invoke(args=["demo", "--reset"])
    assert reset.exit_code == 0, reset.output
    assert "Demo loaded: 30 customers" in reset.output
    assert (_count(Customer), _count(Invoice), _count(User)) == (30, invoices, 2)


def test_demo_if_empty_loads_an_empty_database(runner):
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "Demo loaded" in result.output
    assert _count(Customer) == 30
