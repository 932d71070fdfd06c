"""`portal link CUSTOMER_REF [--days N]`: a fresh absolute link that opens the account."""

from datetime import timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import AccessLink, AuditEvent

from .factories import make_customer


def test_link_prints_a_working_https_url(app, runner):
    customer = make_customer(ref="DUPONT-01")
    result = runner.invoke(args=["link", "DUPONT-01"])
    assert result.exit_code == 0, result.output
    url = result.output.strip()
    assert url.startswith("https://portal.example.test/p/")
    link = db.session.scalars(select(AccessLink)).one()
    assert link.customer_id == customer.id
    assert link.expires_at - link.created_at == timedelta(days=app.config["LINK_VALIDITY_DAYS"])
    assert (
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == "link.created"))
        .one()
        .actor
        == "cli"
    )

    client = app.test_client()
    response = client.get(url.removeprefix("https://portal.example.test"))
    assert response.status_code == 302 and response.location.endswith("/account")
    assert client.get("/account").status_code == 200


def test_link_days_option(app, runner):
    make_customer(ref="C-7")
    result = runner.invoke(args=["link", "C-7", "--days", "7"])
    assert result.exit_code == 0, result.output
    link = db.session.scalars(select(AccessLink)).one()
    assert link.expires_at - link.created_at == timedelta(days=7)
    assert runner.invoke(args=["link", "C-7", "--days", "0"]).exit_code == 1


def test_unknown_ref_exits_1_with_a_message(app, runner):
    result = runner.invoke(args=["link", "NOPE"])
    assert result.exit_code == 1
    assert "No customer with the reference 'NOPE'" in result.output
    assert db.session.scalars(select(AccessLink)).all() == []
