"""The `portal demo` command: load once, refuse to mix, reset on request."""

import os

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
    debtor_lines = [line for line in result.output.splitlines() if line.startswith("Debtor ")]
    assert len(debtor_lines) == len(catalogue.DEMO_DEBTOR_REFS)
    assert all("https://portal.example.test/p/" in line for line in debtor_lines)
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


def test_serve_makes_links_follow_its_port_unless_configured(app, monkeypatch):
    from portal.cli import links_follow_the_server

    monkeypatch.setenv("PORTAL_BASE_URL", "")  # restored (unset) after the test
    monkeypatch.delenv("PORTAL_BASE_URL")
    app.config["BASE_URL"] = "http://127.0.0.1:5000"
    assert links_follow_the_server(app, "0.0.0.0", 8080) == "http://127.0.0.1:8080"
    assert app.config["BASE_URL"] == "http://127.0.0.1:8080"
    assert os.environ["PORTAL_BASE_URL"] == "http://127.0.0.1:8080"  # for the scheduler child

    app.config["BASE_URL"] = "https://portal.example.fr"
    assert links_follow_the_server(app, "127.0.0.1", 8080) == "https://portal.example.fr"
