"""Roles that mean something: a collector gets 403 on every owner route, and only there."""

from __future__ import annotations

import re

import pytest

from portal.creditor import permissions
from portal.models import Organisation

from ..factories import make_organisation, make_user


def _creditor_routes(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every dashboard route, ids filled with 1."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("creditor."):
            continue
        method = "GET" if "GET" in rule.methods else "POST"
        url = re.sub(r"<(?:[a-z]+:)?[a-z_]+>", "1", rule.rule)
        routes.append((rule.endpoint, method, url))
    return sorted(routes)


@pytest.fixture
def collector(app, client, auth):
    make_organisation()
    make_user()  # the owner
    make_user("collector@example.com", role="collector")
    assert auth.login("collector@example.com").status_code == 303
    return client


def test_a_collector_gets_403_on_every_owner_route_and_only_there(app, collector):
    checked = 0
    for endpoint, method, url in _creditor_routes(app):
        status = collector.open(url, method=method).status_code
        forbidden = endpoint in permissions.OWNER_ONLY or (
            endpoint in permissions.IMPORT_ENDPOINTS and method == "POST"
        )
        assert (status == 403) == forbidden, (endpoint, method, status)
        checked += 1
    assert checked > 60


def test_a_collector_may_import_payments_but_not_customers_or_invoices(app, collector):
    assert collector.get("/import").status_code == 200
    assert collector.get("/import?kind=customers").status_code == 403
    assert collector.post("/import/preview", data={"kind": "invoices"}).status_code == 403
    assert collector.post("/import/preview", data={"kind": "payments"}).status_code != 403


def test_a_collector_cannot_change_the_iban_debtors_see(app, collector):
    response = collector.post("/settings", data={"iban": "FR7630004000031234567890143"})
    assert response.status_code == 403
    assert Organisation.query.one().iban == "FR7630006000011234567890189"


def test_a_collector_sees_no_link_to_what_they_cannot_open(app, collector):
    page = collector.get("/").get_data(as_text=True)
    assert 'href="/settings"' not in page and 'href="/scenarios"' not in page
    assert 'href="/bank"' in page and 'href="/tasks"' in page


def test_the_owner_opens_every_route(app, client, auth):
    make_organisation()
    make_user()
    assert auth.login().status_code == 303
    for endpoint, method, url in _creditor_routes(app):
        status = client.open(url, method=method).status_code
        assert status != 403, (endpoint, method, status)
