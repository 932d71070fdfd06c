"""The creditor's controls over a customer's access links, on the customer page."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AccessLink, AuditEvent
from portal.services import links
from portal.services.audit import Actor

from ..conftest import NOW
from ..factories import make_customer

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/customers/1"}
LINK_RE = re.compile(r'value="(https://portal\.example\.test/p/[A-Za-z0-9_-]{43})"')


@pytest.fixture
def english(client):
    with client.session_transaction() as session:
        session["lang"] = "en"


def test_link_routes_require_login(client, owner):
    customer = make_customer()
    links.create(customer, now=NOW, days=30, actor=Actor.system())
    db.session.commit()
    for path in (f"/customers/{customer.id}/links", f"/customers/{customer.id}/links/revoke"):
        response = client.post(path)
        assert response.status_code == 302 and "/login" in response.location
    assert db.session.scalars(select(AccessLink)).one().revoked_at is None
    assert len(db.session.scalars(select(AccessLink)).all()) == 1


def test_customer_page_shows_the_links_card(client, logged_in, english):
    customer = make_customer()
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert 'id="links"' in page and "0 active links" in page
    assert f'action="/customers/{customer.id}/links"' in page
    assert "Revoke every link" not in page  # nothing to revoke


def test_create_a_link_without_javascript_shows_it_once(app, client, logged_in, english):
    customer = make_customer(name="Café Lumière")
    response = client.post(f"/customers/{customer.id}/links")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Café Lumière" in page  # the whole customer page
    assert response.headers["Cache-Control"] == "no-store"
    url = LINK_RE.search(page).group(1)
    token = url.rsplit("/", 1)[1]
    assert f'data-copy="{url}"' in page
    assert "1 active link" in page and "Revoke every link" in page
    link = db.session.scalars(select(AccessLink)).one()
    assert link.token_hash == links.hash_token(token) and token not in link.token_hash
    assert link.expires_at == link.created_at + timedelta(days=app.config["LINK_VALIDITY_DAYS"])
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "link.created")).one()
    assert event.customer_id == customer.id and event.actor.startswith("user:")

    # shown once: the page does not show it again
    again = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert token not in again and "1 active link" in again

    # and it opens the account
    debtor = app.test_client()
    assert debtor.get(url.removeprefix(app.config["BASE_URL"])).location.endswith("/account")


def test_create_a_link_with_htmx_returns_the_card(client, logged_in, english):
    customer = make_customer()
    response = client.post(f"/customers/{customer.id}/links", headers=HTMX)
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith('<section class="card" id="links"')
    assert "<!doctype" not in fragment.lower()
    assert "HX-Request" in response.headers["Vary"]
    assert LINK_RE.search(fragment)
    assert "Valid until" in fragment


def test_revoke_every_link_in_one_click(client, logged_in, english, app):
    customer = make_customer()
    other = make_customer()
    tokens = [links.create(customer, now=NOW, days=30, actor=Actor.system()) for _ in range(2)]
    kept = links.create(other, now=NOW, days=30, actor=Actor.system())
    db.session.commit()
    assert "2 active links" in client.get(f"/customers/{customer.id}").get_data(as_text=True)

    response = client.post(f"/customers/{customer.id}/links/revoke")
    assert response.status_code == 303 and response.location.endswith(f"/customers/{customer.id}")
    page = client.get(response.location).get_data(as_text=True)
    assert "2 link(s) revoked." in page and "0 active links" in page
    debtor = app.test_client()
    for token in tokens:
        assert debtor.get(f"/p/{token}").location.endswith("reason=revoked")
    assert debtor.get(f"/p/{kept}").location.endswith("/account")
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "link.revoked_all")
    ).one()
    assert event.details["count"] == 2
    assert "Access links revoked" in page  # in the customer's timeline

    fragment = client.post(f"/customers/{customer.id}/links/revoke", headers=HTMX).get_data(
        as_text=True
    )
    assert '<section class="card" id="links"' in fragment and "0 link(s) revoked." in fragment


def test_unknown_customer_is_404(client, logged_in):
    assert client.post("/customers/99999/links").status_code == 404
    assert client.post("/customers/99999/links/revoke").status_code == 404
    assert db.session.scalars(select(AccessLink)).all() == []
