"""Each request commits once, after the view, and only when it succeeded."""

from __future__ import annotations

from flask import flash, redirect

from portal.extensions import db
from portal.models import Customer
from portal.services import customers
from portal.services.audit import Actor
from portal.services.errors import DomainError

from .conftest import NOW


def _routes(app):
    """Three tiny views that change a customer's name, then succeed, refuse or fail."""

    def rename(customer_id: int, outcome: str):
        customer = db.session.get(Customer, customer_id)
        customer.name = "Renamed"
        if outcome == "refused":
            try:
                raise DomainError("refused")
            except DomainError as exc:  # caught to show a message, as views do
                flash(str(exc), "error")
                return redirect("/", code=303)
        if outcome == "failed":
            return "broken", 500
        return redirect("/", code=303)

    app.add_url_rule("/_uow/<int:customer_id>/<outcome>", view_func=rename, methods=["POST"])


def _name_in_database(customer_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Customer, customer_id).name


def test_a_successful_request_commits_a_refused_or_failed_one_changes_nothing(app, client):
    _routes(app)
    customer = customers.create_customer(
        ref="U1", name="Original", emails=["u1@example.com"], actor=Actor.system(), now=NOW
    )
    for outcome in ("refused", "failed"):
        client.post(f"/_uow/{customer.id}/{outcome}")
        db.session.rollback()  # only what the request committed is left
        assert _name_in_database(customer.id) == "Original", outcome
    client.post(f"/_uow/{customer.id}/ok")
    db.session.rollback()
    assert _name_in_database(customer.id) == "Renamed"
