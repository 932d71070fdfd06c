"""The creditor's task list and the decisions on "I have already paid" declarations."""

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    AuditEvent,
    DeclarationStatus,
    OutboxMessage,
    PaidDeclaration,
    Payment,
    PaymentAllocation,
    Task,
    TaskStatus,
)
from portal.services import tasks
from portal.services.audit import Actor
from portal.services.declarations import declaring, holds

from ..conftest import NOW, TODAY
from ..factories import days_ago, make_customer, make_invoice
from ..services.test_uploads import TINY_JPEG

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/tasks"}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def english(client):
    with client.session_transaction() as session:
        session["lang"] = "en"


@pytest.fixture
def declared(app, owner):
    """A customer who says they paid 150 € (proof attached) for a 120 € and a 60 € invoice."""
    customer = make_customer(name="Garage Durand", emails=["garage@example.com"], language="en")
    older = make_invoice(customer, amount="100.00", issue_date=days_ago(60), due_date=days_ago(30))
    newer = make_invoice(customer, amount="50.00", issue_date=days_ago(40), due_date=days_ago(10))
    row = declaring.declare(
        customer,
        [older.id, newer.id],
        declaring.Declared(days_ago(2), 15000, "cheque", "Chèque 123"),
        io.BytesIO(TINY_JPEG),
        uploads_folder=_uploads(app),
        max_proof_bytes=app.config["MAX_PROOF_BYTES"],
        pause_days=7,
        review_url="https://portal.example.test/tasks",
        today=TODAY,
        now=NOW,
        actor=Actor.debtor(customer),
    )
    task = db.session.scalars(select(Task)).one()
    return customer, older, newer, row, task


def _uploads(app):
    from pathlib import Path

    return Path(app.instance_path) / "uploads"


def _other_task(title="Call the accountant", due=TODAY, customer=None):
    task = tasks.create(
        kind="escalation",
        title=title,
        due_date=due,
        now=NOW,
        actor=Actor.system(),
        customer_id=customer.id if customer else None,
    )
    db.session.commit()
    return task


def test_creditor_routes_require_login(client, declared):
    _, _, _, row, task = declared
    for path in ("/tasks", "/tasks/badge", f"/declarations/{row.id}/proof"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.location, path
        assert TINY_JPEG not in response.data
    for path in (
        f"/tasks/{task.id}/close",
        f"/declarations/{row.id}/confirm",
        f"/declarations/{row.id}/reject",
    ):
        response = client.post(path, data={"status": "done", "message": "no"})
        assert response.status_code == 302 and "/login" in response.location, path
    db.session.expire_all()
    assert db.session.get(Task, task.id).status is TaskStatus.OPEN
    assert db.session.get(PaidDeclaration, row.id).status is DeclarationStatus.PENDING
    assert count(Payment) == 0


def test_task_list_in_due_order_with_details_and_nav_badge(client, logged_in, english, declared):
    customer, older, newer, row, task = declared
    later = _other_task("Later thing", due=TODAY + timedelta(days=3))
    earlier = _other_task("Earlier thing", due=TODAY - timedelta(days=3), customer=customer)
    page = client.get("/tasks").get_data(as_text=True)
    positions = [page.index(f'id="task-{t.id}"') for t in (earlier, task, later)]
    assert positions == sorted(positions)
    assert "Garage Durand" in page and "Earlier thing" in page and "Later thing" in page
    assert "Garage Durand says they paid €150.00 on 21/11/2026 — confirm or reject" in page
    assert f'id="task-{later.id}"' in page and f'id="task-{earlier.id}"' in page
    assert f'href="/customers/{customer.id}"' in page
    assert f'href="/invoices/{older.id}"' in page and f'href="/invoices/{newer.id}"' in page
    assert f'href="/declarations/{row.id}/proof"' in page
    assert (
        f'action="/declarations/{row.id}/confirm"' in page
        and f'action="/declarations/{row.id}/reject"' in page
    )
    assert f'action="/tasks/{later.id}/close"' in page
    assert "Chèque 123" in page and "Overdue" in page
    assert "€30.00 more than what is still due" not in page  # 150 declared, 180 due
    # the nav shows the open count on every dashboard page
    home = client.get("/").get_data(as_text=True)
    assert 'href="/tasks"' in home and '<span class="badge badge-late">3' in home


def test_no_badge_when_nothing_is_open(client, logged_in, english):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/tasks"' in page and "badge-late" not in page
    assert "no open task" in client.get("/tasks").get_data(as_text=True)


def test_done_and_dismiss_without_javascript(client, logged_in, english):
    first, second = _other_task("First"), _other_task("Second")
    response = client.post(f"/tasks/{first.id}/close", data={"status": "done"})
    assert response.status_code == 303 and response.location.endswith("/tasks")
    response = client.post(f"/tasks/{second.id}/close", data={"status": "dismissed"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Task, first.id).status is TaskStatus.DONE
    assert db.session.get(Task, second.id).status is TaskStatus.DISMISSED
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"task.done", "task.dismissed"} <= actions
    page = client.get("/tasks").get_data(as_text=True)
    assert "Task dismissed." in page and "First" not in page
    assert client.post("/tasks/99999/close", data={"status": "done"}).status_code == 404


def test_done_with_htmx_replaces_the_row(client, logged_in, english):
    task = _other_task("Phone them")
    response = client.post(f"/tasks/{task.id}/close", data={"status": "done"}, headers=HTMX)
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200
    assert fragment.lstrip().startswith(f'<article class="task" id="task-{task.id}"')
    assert "<!doctype" not in fragment.lower()
    assert "HX-Request" in response.headers["Vary"]
    assert response.headers["HX-Trigger"] == "tasks-changed"
    assert "Closed: done." in fragment and "/close" not in fragment
    badge = client.get("/tasks/badge", headers=HTMX).get_data(as_text=True)
    assert badge.lstrip().startswith('<li id="tasks-nav"') and "badge-late" not in badge


def test_list_fragment_for_htmx(client, logged_in, english):
    _other_task("Phone them")
    response = client.get("/tasks", headers=HTMX)
    assert response.get_data(as_text=True).lstrip().startswith('<div id="task-list">')
    assert "HX-Request" in response.headers["Vary"]


def test_confirm_records_the_payment_once(client, logged_in, english, declared):
    customer, older, newer, row, task = declared
    response = client.post(f"/declarations/{row.id}/confirm")
    assert response.status_code == 303 and response.location.endswith("/tasks")
    payment = db.session.scalars(select(Payment)).one()
    assert (
        payment.amount_cents == 15000
        and payment.source == "declaration"
        and str(payment.method) == "cheque"
    )
    shares = {a.invoice_id: a.amount_cents for a in db.session.scalars(select(PaymentAllocation))}
    assert shares == {older.id: 12000, newer.id: 3000}
    db.session.expire_all()
    assert db.session.get(Task, task.id).status is TaskStatus.DONE
    assert "Payment of €150.00 recorded." in client.get("/tasks").get_data(as_text=True)

    again = client.post(f"/declarations/{row.id}/confirm", headers=HTMX)
    assert "already decided" in again.get_data(as_text=True)
    assert count(Payment) == 1 and count(PaymentAllocation) == 2

    timeline = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "Declared payment confirmed" in timeline and "Says they already paid" in timeline


def test_confirm_more_than_due_says_so(client, logged_in, english, app):
    customer = make_customer()
    invoice = make_invoice(customer, amount="100.00")
    row = declaring.declare(
        customer,
        [invoice.id],
        declaring.Declared(TODAY, 13000, "transfer"),
        None,
        uploads_folder=_uploads(app),
        max_proof_bytes=1,
        pause_days=7,
        review_url="",
        today=TODAY,
        now=NOW,
        actor=Actor.debtor(customer),
    )
    assert "€10.00 more than what is still due" in client.get("/tasks").get_data(as_text=True)
    response = client.post(f"/declarations/{row.id}/confirm", headers=HTMX)
    fragment = response.get_data(as_text=True)
    assert "Payment of €120.00 recorded." in fragment
    assert "€10.00 more than what was still due was declared: it was not allocated." in fragment
    assert response.headers["HX-Trigger"] == "tasks-changed"
    assert db.session.scalars(select(Payment)).one().amount_cents == 12000


def test_reject_with_htmx(client, logged_in, english, declared):
    customer, older, _, row, task = declared
    assert older.id in holds.paused_invoice_ids(TODAY)
    response = client.post(
        f"/declarations/{row.id}/reject", data={"message": "No cheque received."}, headers=HTMX
    )
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and fragment.lstrip().startswith(
        f'<article class="task" id="task-{task.id}"'
    )
    assert "Declaration rejected" in fragment and "/confirm" not in fragment
    db.session.expire_all()
    assert db.session.get(PaidDeclaration, row.id).status is DeclarationStatus.REJECTED
    assert db.session.get(Task, task.id).status is TaskStatus.DONE
    assert holds.paused_invoice_ids(TODAY) == set()
    email = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "paid_declaration_rejected")
    ).one()
    assert email.to_addresses == ["garage@example.com"] and "No cheque received." in email.text_body
    assert count(Payment) == 0
    assert "Declared payment rejected" in client.get(f"/customers/{customer.id}").get_data(
        as_text=True
    )


def test_proof_download_is_an_attachment_of_the_checked_type(client, logged_in, declared, app):
    _, _, _, row, _ = declared
    response = client.get(f"/declarations/{row.id}/proof")
    assert response.status_code == 200
    assert response.data == TINY_JPEG
    assert response.mimetype == "image/jpeg"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert f"proof-{row.id}.jpg" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    response.close()

    customer = make_customer()
    bare = declaring.declare(
        customer,
        [make_invoice(customer).id],
        declaring.Declared(TODAY, 100, "cash"),
        None,
        uploads_folder=_uploads(app),
        max_proof_bytes=1,
        pause_days=7,
        review_url="",
        today=TODAY,
        now=NOW,
        actor=Actor.debtor(customer),
    )
    assert client.get(f"/declarations/{bare.id}/proof").status_code == 404
    assert client.get("/declarations/99999/proof").status_code == 404
