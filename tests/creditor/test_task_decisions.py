"""Dispute and plan tasks carry their decision; no click closes a task whose decision is open."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    Dispute,
    DisputeStatus,
    InstalmentPlan,
    PlanStatus,
    Task,
    TaskStatus,
)
from portal.services import tasks
from portal.services.audit import Actor
from portal.services.disputes import raising
from portal.services.payments.invoicing import LineInput
from portal.services.plans import proposals
from portal.services.plans.schedule import Request

from ..conftest import NOW, TODAY
from ..factories import days_ago, make_customer, make_invoice

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/tasks"}


@pytest.fixture
def english(client):
    with client.session_transaction() as session:
        session["lang"] = "en"


@pytest.fixture
def dispute(app, owner) -> Dispute:
    customer = make_customer(name="Garage Lemoine", language="en")
    invoice = make_invoice(
        customer,
        issue_date=days_ago(40),
        due_date=days_ago(10),
        lines=[
            LineInput("Tyres", Decimal("1"), Decimal("100"), Decimal("20")),
            LineInput("Fitting", Decimal("1"), Decimal("50"), Decimal("20")),
        ],
    )
    return raising.open_dispute(
        customer,
        invoice.id,
        {invoice.lines[1].id: 6000},
        reason="wrong_price",
        comment="Fitting was quoted 30 €",
        files=[],
        uploads_folder=Path(app.instance_path) / "uploads",
        max_file_bytes=1024 * 1024,
        review_url="https://portal.example.test/tasks",
        today=TODAY,
        now=NOW,
        actor=Actor.debtor(customer),
    )


@pytest.fixture
def plan(app, owner) -> InstalmentPlan:
    customer = make_customer(name="Garage Moreau", language="en")
    invoice = make_invoice(
        customer, amount="3000.00", tax_rate="0", issue_date=days_ago(40), due_date=days_ago(10)
    )
    proposed = proposals.propose(
        customer,
        Request(invoice_ids=(invoice.id,), count=3, first_date=TODAY + timedelta(days=5)),
        today=TODAY,
        now=NOW,
        actor=Actor.debtor(customer),
        base_url="https://portal.example.test",
        link_days=30,
    )
    assert proposed.status is PlanStatus.PROPOSED
    return proposed


def task_of(object_type: str, object_id: int) -> Task:
    return db.session.scalars(
        select(Task).where(Task.object_type == object_type, Task.object_id == object_id)
    ).one()


@pytest.mark.parametrize("status", [TaskStatus.DONE, TaskStatus.DISMISSED])
def test_the_service_refuses_to_close_an_undecided_dispute_or_plan(dispute, plan, status):
    for task in (task_of("dispute", dispute.id), task_of("instalment_plan", plan.id)):
        with pytest.raises(tasks.DecisionStillOpen):
            tasks.close(task, status=status, actor=Actor.system(), now=NOW)
        assert task.status is TaskStatus.OPEN


def test_other_tasks_still_close_with_a_click(app, owner):
    task = tasks.create(
        kind="escalation", title="Call them", due_date=TODAY, now=NOW, actor=Actor.system()
    )
    tasks.close(task, status=TaskStatus.DONE, actor=Actor.system(), now=NOW)
    assert task.status is TaskStatus.DONE


def test_dispute_task_shows_the_lines_and_both_decisions_but_no_closing_button(
    client, logged_in, english, dispute
):
    task = task_of("dispute", dispute.id)
    page = client.get("/tasks").get_data(as_text=True)
    card = page[page.index(f'id="task-{task.id}"') :]
    card = card[: card.index("</article>")]
    assert "Fitting" in card and "Tyres" not in card and "€60.00" in card
    assert f'action="/disputes/{dispute.id}/accept"' in card
    assert f'action="/disputes/{dispute.id}/reject"' in card
    assert f"/tasks/{task.id}/close" not in card


def test_a_forged_close_of_a_dispute_task_is_refused(client, logged_in, english, dispute):
    task = task_of("dispute", dispute.id)
    response = client.post(f"/tasks/{task.id}/close", data={"status": "done"})
    assert response.status_code == 303
    db.session.refresh(task)
    assert task.status is TaskStatus.OPEN
    page = client.get("/tasks").get_data(as_text=True)
    assert "Decide first" in page and f'id="task-{task.id}"' in page


def test_accept_a_dispute_from_its_task_with_htmx(client, logged_in, english, dispute):
    task = task_of("dispute", dispute.id)
    response = client.post(
        f"/disputes/{dispute.id}/accept",
        data={"amount": "20.00", "answer": "Sorry", "from_task": str(task.id)},
        headers=HTMX,
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith(f'<article class="task" id="task-{task.id}"')
    assert "<!doctype" not in body.lower() and "Dispute accepted" in body
    assert response.headers["HX-Trigger"] == "tasks-changed"
    db.session.refresh(dispute)
    db.session.refresh(task)
    assert dispute.status is DisputeStatus.ACCEPTED and dispute.accepted_cents == 2000
    assert task.status is TaskStatus.DONE


def test_reject_a_dispute_from_its_task_without_javascript(client, logged_in, english, dispute):
    task = task_of("dispute", dispute.id)
    response = client.post(
        f"/disputes/{dispute.id}/reject",
        data={"answer": "The quote said 50 €", "from_task": str(task.id)},
    )
    assert response.status_code == 303 and response.location.endswith("/tasks")
    db.session.refresh(dispute)
    assert dispute.status is DisputeStatus.REJECTED
    assert task_of("dispute", dispute.id).status is TaskStatus.DONE


def test_rejecting_without_an_answer_keeps_the_task_open(client, logged_in, english, dispute):
    task = task_of("dispute", dispute.id)
    response = client.post(
        f"/disputes/{dispute.id}/reject",
        data={"answer": "", "from_task": str(task.id)},
        headers=HTMX,
    )
    assert 'class="flash flash-error"' in response.get_data(as_text=True)
    db.session.refresh(dispute)
    assert dispute.status is DisputeStatus.OPEN
    assert task_of("dispute", dispute.id).status is TaskStatus.OPEN


def test_plan_task_shows_the_schedule_and_three_decisions(client, logged_in, english, plan):
    task = task_of("instalment_plan", plan.id)
    page = client.get("/tasks").get_data(as_text=True)
    card = page[page.index(f'id="task-{task.id}"') :]
    card = card[: card.index("</article>")]
    assert card.count("€1,000.00") == 3 and "€3,000.00" in card
    for action in ("approve", "modify", "reject"):
        assert f'action="/plans/{plan.id}/{action}"' in card
    assert f"/tasks/{task.id}/close" not in card


def test_modify_a_plan_from_its_task(client, logged_in, english, plan):
    task = task_of("instalment_plan", plan.id)
    first = TODAY + timedelta(days=3)
    response = client.post(
        f"/plans/{plan.id}/modify",
        data={"count": "4", "first_date": first.isoformat(), "from_task": str(task.id)},
        headers=HTMX,
    )
    assert f'id="task-{task.id}"' in response.get_data(as_text=True)
    db.session.refresh(plan)
    assert plan.status is PlanStatus.ACTIVE
    assert [i.amount_cents for i in plan.instalments] == [75000] * 4
    assert task_of("instalment_plan", plan.id).status is TaskStatus.DONE


def test_the_plans_page_still_decides_and_returns_there(client, logged_in, english, plan):
    response = client.post(f"/plans/{plan.id}/reject", data={"message": "Too long"})
    assert response.status_code == 303 and response.location.endswith("/plans")
    db.session.refresh(plan)
    assert plan.status is PlanStatus.REJECTED


def test_the_nav_counts_the_plans_to_review_until_decided(client, logged_in, english, plan):
    page = client.get("/").get_data(as_text=True)
    nav = page[page.index('href="/plans"') :]
    assert nav[: nav.index("</a>")].split(">", 1)[1].startswith('Plans <span class="badge')
    client.post(f"/plans/{plan.id}/approve")
    page = client.get("/").get_data(as_text=True)
    nav = page[page.index('href="/plans"') :]
    assert "badge" not in nav[: nav.index("</a>")]
