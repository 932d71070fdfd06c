"""The creditor's plan review: login, approve, modify, reject, each told to the debtor."""

from datetime import timedelta

from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import AuditEvent, InstalmentPlan, OutboxMessage, PlanStatus, Task
from portal.services.audit import Actor
from portal.services.plans import proposals
from portal.services.plans.schedule import Request

from ..factories import days_ago, make_customer, make_invoice


def proposed(amount: str = "3000.00") -> InstalmentPlan:
    customer = make_customer(name="Garage Moreau")
    invoice = make_invoice(
        customer, amount=amount, tax_rate="0", issue_date=days_ago(40), due_date=days_ago(10)
    )
    request = Request(
        invoice_ids=(invoice.id,), count=3, first_date=clock.today() + timedelta(days=5)
    )
    return proposals.propose(
        customer,
        request,
        today=clock.today(),
        now=clock.now(),
        actor=Actor.debtor(customer),
        base_url="https://portal.example.test",
        link_days=30,
    )


def test_plan_routes_require_login(app, owner, client):
    plan = proposed()
    assert client.get("/plans").status_code in (302, 401)
    for action in ("approve", "modify", "reject"):
        response = client.post(f"/plans/{plan.id}/{action}", data={"message": "x"})
        assert response.status_code in (302, 401)
    assert plan.status is PlanStatus.PROPOSED


def test_list_shows_plans_to_review(app, client, logged_in):
    plan = proposed()
    page = client.get("/plans").get_data(as_text=True)
    assert "Garage Moreau" in page and f"/plans/{plan.id}/approve" in page
    assert db.session.scalars(select(Task).where(Task.object_id == plan.id)).one()


def test_approve_activates_and_emails_the_schedule(app, client, logged_in):
    plan = proposed()
    response = client.post(f"/plans/{plan.id}/approve")
    assert response.status_code == 303
    db.session.refresh(plan)
    assert plan.status is PlanStatus.ACTIVE
    assert db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "plan_accepted")
    ).one()
    assert "plan.accepted" in db.session.scalars(select(AuditEvent.action)).all()


def test_modify_changes_the_schedule(app, client, logged_in):
    plan = proposed()
    first = clock.today() + timedelta(days=2)
    client.post(f"/plans/{plan.id}/modify", data={"count": "4", "first_date": first.isoformat()})
    db.session.refresh(plan)
    assert plan.status is PlanStatus.ACTIVE
    assert [i.amount_cents for i in plan.instalments] == [75000] * 4
    assert plan.instalments[0].due_date == first


def test_bad_modify_or_empty_reject_change_nothing(app, client, logged_in):
    plan = proposed()
    client.post(f"/plans/{plan.id}/modify", data={"count": "x", "first_date": "soon"})
    client.post(
        f"/plans/{plan.id}/modify", data={"count": "2", "first_date": days_ago(3).isoformat()}
    )
    response = client.post(f"/plans/{plan.id}/reject", data={"message": " "}, follow_redirects=True)
    assert "Rédigez un message pour le client" in response.get_data(as_text=True)
    db.session.refresh(plan)
    assert plan.status is PlanStatus.PROPOSED and len(plan.instalments) == 3


def test_reject_emails_the_message(app, client, logged_in):
    plan = proposed()
    client.post(f"/plans/{plan.id}/reject", data={"message": "Please call us first."})
    db.session.refresh(plan)
    assert plan.status is PlanStatus.REJECTED
    email = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "plan_rejected")
    ).one()
    assert "Please call us first." in email.text_body
    assert client.post("/plans/999999/approve").status_code == 404


def test_settings_save_the_plan_policy(app, client, logged_in):
    from portal.services import organisation

    page = client.get("/settings").get_data(as_text=True)
    assert 'name="plan_max_instalments"' in page and 'value="2000,00"' in page
    data = {
        "legal_name": "Atelier",
        "language": "fr",
        "payment_terms_days": "30",
        "penalty_margin_points": "10",
        "recovery_indemnity": "40",
        "plans_enabled": "y",
        "plan_max_instalments": "4",
        "plan_max_days": "120",
        "plan_min_instalment": "75.50",
        "plan_min_down_payment_pct": "20",
        "plan_frequency": "weekly",
        "plan_auto_accept": "1500",
    }
    assert client.post("/settings", data=data).status_code == 303
    org = organisation.get()
    assert (org.plan_max_instalments, org.plan_max_days, org.plan_min_instalment_cents) == (
        4,
        120,
        7550,
    )
    assert (org.plan_min_down_payment_pct, org.plan_frequency, org.plan_auto_accept_cents) == (
        20,
        "weekly",
        150000,
    )
    data["plan_min_down_payment_pct"] = "150"
    assert client.post("/settings", data=data).status_code == 422
    assert organisation.get().plan_min_down_payment_pct == 20
