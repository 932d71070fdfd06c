"""The reminder editor without Jinja: a click inserts a variable or a block at the cursor."""

import re

import pytest

from portal.extensions import db
from portal.models import Scenario
from portal.services.audit import Actor
from portal.services.dunning import scenarios

from ..conftest import NOW
from ..factories import PASSWORD, days_ago, make_customer, make_invoice
from .conftest import LAPTOP, PHONE, screenshot

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(("viewport", "label"), [(LAPTOP, "laptop"), (PHONE, "phone")])
def test_chips_insert_variables_and_blocks_and_the_preview_follows(
    app, owner, live_server, page_factory, viewport, label
):
    scenarios.install_defaults(now=NOW, actor=Actor.system())
    customer = make_customer(name="Garage Durand")
    make_invoice(customer, issue_date=days_ago(40), due_date=days_ago(10))
    scenario = db.session.query(Scenario).order_by(Scenario.id).first()
    step = scenario.steps[1]
    db.session.commit()

    page = page_factory(viewport=viewport)
    page.goto(live_server + "/login")
    page.get_by_label("E-mail").fill("owner@example.com")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(live_server + "/")
    page.goto(f"{live_server}/scenarios/{scenario.id}/steps/{step.id}?language=fr")

    body = page.locator("textarea[name=text_body]")
    body.fill("Bonjour ")
    body.press("End")
    page.get_by_role("button", name="Nom du client", exact=True).click()
    assert body.input_value() == "Bonjour {{ customer.name }}"
    page.get_by_role("button", name="Les factures, une par ligne").click()
    assert "{% for invoice in invoices %}" in body.input_value()
    preview = page.locator("#preview")
    preview.get_by_text(re.compile("Bonjour Garage Durand")).wait_for()
    assert "facture F-" in preview.inner_text()
    height = page.get_by_role("button", name="Votre signature").bounding_box()["height"]
    assert height >= 44
    screenshot(page, f"creditor-template-chips-{label}")
