""" "To handle today": each kind of decision found, with its stake, weightiest first."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from portal.services import notifications, threads
from portal.services.audit import Actor
from portal.services.disputes import raising
from portal.services.workspace import kpis, today

from ...conftest import NOW, TODAY
from ...factories import make_customer, make_invoice, make_organisation


def test_disputes_messages_tasks_and_calls_come_together_weightiest_first(app, tmp_path):
    make_organisation()
    disputer = make_customer(name="Conteste SARL")
    disputed = make_invoice(disputer, amount="200.00", tax_rate="0")
    line = disputed.lines[0]
    raising.open_dispute(
        disputer,
        disputed.id,
        {line.id: 15_000},
        reason="damaged",
        comment="Arrivé cassé",
        files=[],
        uploads_folder=Path(tmp_path) / "uploads",
        max_file_bytes=1024,
        review_url="https://portal.example.test/disputes",
        today=TODAY,
        now=NOW,
        actor=Actor.debtor(disputer),
    )
    writer = make_customer(name="Écrit Beaucoup")
    make_invoice(writer, amount="50.00", tax_rate="0")
    threads.post(
        writer,
        author=threads.DEBTOR,
        body="Bonjour, une question sur la facture.",
        files=[],
        uploads_folder=Path(tmp_path) / "uploads",
        max_bytes=1024,
        now=NOW - timedelta(days=3),
        actor=Actor.debtor(writer),
        notify_url="https://portal.example.test/customers/1/messages",
    )
    late = make_customer(name="Très En Retard", phone="06 00 00 00 00")
    make_invoice(late, amount="5000.00", tax_rate="0", issue_date=TODAY - timedelta(days=100))
    busy = make_customer(name="Déjà Suivi")
    make_invoice(busy, amount="9000.00", tax_rate="0", issue_date=TODAY - timedelta(days=100))
    notifications.ask_creditor(
        "escalation", "Décider", now=NOW, due_date=TODAY, customer_id=busy.id
    )

    figures = kpis.home_figures(TODAY)
    items = today.to_handle(TODAY, "EUR", figures.top_debtors)
    by_name = {item.customer_name: item for item in items}

    assert by_name["Conteste SARL"].kind == "dispute"
    assert by_name["Conteste SARL"].amount_cents == 15_000, "the disputed amount is at stake"
    assert by_name["Écrit Beaucoup"].kind == "message"
    assert by_name["Écrit Beaucoup"].amount_cents == 5_000, "their open balance is at stake"
    assert by_name["Écrit Beaucoup"].age_days(TODAY) == 3
    assert by_name["Très En Retard"].kind == "call"
    assert by_name["Très En Retard"].phone == "06 00 00 00 00"
    assert by_name["Déjà Suivi"].kind == "task", "a customer with a task is not also to call"
    # 5 000 € × (1 + 70/30) outweighs 9 000 € asked today; 150 € outweighs 50 € × (1 + 3/30).
    assert [i.customer_name for i in items] == [
        "Très En Retard",
        "Déjà Suivi",
        "Conteste SARL",
        "Écrit Beaucoup",
    ]
    assert today.counts(items) == {"dispute": 1, "message": 1, "call": 1, "task": 1}
