"""Debtor pages are limited per link or session, never per address.

Every test client comes from 127.0.0.1: two debtors here are two phones behind
one carrier address, and one of them hammering must not lock out the other.
"""

from portal.extensions import db
from portal.models import OutboxMessage
from portal.services import links
from portal.services.audit import Actor

from ..conftest import NOW
from ..factories import make_customer


def test_a_hammering_session_is_limited_and_not_its_neighbour(app, owner, debtor_client):
    app.config["DEBTOR_PAGE_RATE_LIMIT"] = "5 per minute"
    hammering, quiet = debtor_client(make_customer()), debtor_client(make_customer())
    statuses = [hammering.get("/account").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    assert hammering.get("/account/history").status_code == 429  # every page of the session
    assert [quiet.get("/account").status_code for _ in range(5)] == [200] * 5


def test_a_hammered_link_is_limited_and_not_another(app, owner, client):
    app.config["LINK_OPEN_RATE_LIMIT"] = "3 per minute"
    first, second = make_customer(), make_customer()
    hammered = links.create(first, now=NOW, days=30, actor=Actor.system())
    other = links.create(second, now=NOW, days=30, actor=Actor.system())
    db.session.commit()
    assert [client.get(f"/p/{hammered}").status_code for _ in range(4)] == [302] * 3 + [429]
    assert app.test_client().get(f"/p/{hammered}").status_code == 429  # whichever phone
    assert app.test_client().get(f"/p/{other}").status_code == 302


def test_unknown_tokens_count_per_token(app, owner, client):
    app.config["LINK_OPEN_RATE_LIMIT"] = "2 per minute"
    statuses = [client.get(f"/p/guess-{n}").status_code for n in range(5)]
    assert statuses == [302] * 5  # each guess is its own link: the token's entropy guards it


def test_fresh_links_are_limited_per_address_asked_for(app, client, owner):
    make_customer(emails=["known@example.fr"])
    statuses = [
        client.post("/link", data={"email": "Known@Example.fr"}).status_code for _ in range(6)
    ]
    assert statuses == [200] * 5 + [429]
    others = [client.post("/link", data={"email": f"n{i}@example.fr"}) for i in range(3)]
    assert [r.status_code for r in others] == [200] * 3
    assert db.session.query(OutboxMessage).count() == 3  # and at most 3 a day per customer


def test_one_client_asking_for_many_addresses_meets_a_ceiling(app, client, owner):
    app.config["LINK_REQUEST_CLIENT_CEILING"] = "4 per hour"
    statuses = [
        client.post("/link", data={"email": f"n{i}@example.fr"}).status_code for i in range(5)
    ]
    assert statuses == [200] * 4 + [429]
