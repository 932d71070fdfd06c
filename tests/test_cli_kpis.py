"""`portal kpis`: the figures from the ledger, as text or one JSON object."""

from __future__ import annotations

import json

from .services.analytics import ledger_cases


def test_kpis_json_prints_the_hand_made_figures(runner):
    ledger_cases.build()
    result = runner.invoke(args=["kpis", "--as-of", "2026-06-30", "--days", "30", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert list(payload) == [
        "as_of",
        "days",
        "credit_sales_cents",
        "receivables_cents",
        "current_receivables_cents",
        "dso_days",
        "best_possible_dso_days",
        "dbt_days",
        "cei_percent",
        "add_days",
        "overdue_percent",
    ]
    assert payload["credit_sales_cents"] == 230_000
    assert payload["receivables_cents"] == 220_000
    assert payload["current_receivables_cents"] == 150_000
    assert abs(payload["dso_days"] - 28.695652) < 1e-6
    assert abs(payload["cei_percent"] - 63.157894) < 1e-6
    assert abs(payload["add_days"] - 13.428571) < 1e-6


def test_kpis_text_rounds_for_display_and_works_before_setup(runner):
    ledger_cases.build()
    result = runner.invoke(args=["kpis", "--as-of", "2026-06-30", "--days", "30"])
    assert result.exit_code == 0, result.output
    assert "(EUR)" in result.output
    lines = {line.split("  ")[0]: line.split()[-1] for line in result.output.splitlines()[1:]}
    assert lines["DSO (days)"] == "28.7"
    assert lines["CEI (%)"] == "63.2"
    assert lines["ADD (days)"] == "13.4"
    assert lines["Unallocated credit (not netted)"] == "€50.00"


def test_kpis_on_an_empty_ledger_says_undefined(runner):
    result = runner.invoke(args=["kpis", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["as_of"] == "2026-11-23" and payload["days"] == 90
    assert payload["dso_days"] is None and payload["cei_percent"] is None
    text = runner.invoke(args=["kpis"])
    assert "DSO (days)" in text.output and "—" in text.output


def test_kpis_refuses_a_bad_date(runner):
    result = runner.invoke(args=["kpis", "--as-of", "30/06/2026"])
    assert result.exit_code != 0 and "YYYY-MM-DD" in result.output
