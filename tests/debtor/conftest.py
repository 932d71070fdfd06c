"""Debtor-side fixtures: a browser session opened with a customer's link."""

from __future__ import annotations

import pytest

from portal.services import links
from portal.services.audit import Actor

from ..conftest import NOW


def open_link(client, customer, days: int = 30) -> str:
    """Create a link for `customer` and open it in `client`; returns the token."""
    token = links.create(customer, now=NOW, days=days, actor=Actor.system())
    from portal.extensions import db

    db.session.commit()
    response = client.get(f"/p/{token}")
    assert response.status_code == 302 and response.location.endswith("/account"), (
        response.status_code
    )
    return token


@pytest.fixture
def debtor_client(app, owner):
    """`debtor_client(customer)` gives a fresh test client logged in as that customer's debtor."""

    def make(customer, days: int = 30):
        client = app.test_client()
        open_link(client, customer, days)
        return client

    return make
