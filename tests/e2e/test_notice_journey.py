"""The creditor chooses formal notices by post, then records a letter as posted."""

import re

import pytest

from portal.extensions import db
from portal.models import NoticeLetter

from ..factories import days_ago, make_customer, make_invoice
from .conftest import LAPTOP, PHONE, screenshot
from .test_creditor_journey import _login

pytestmark = pytest.mark.e2e


@pytest.fixture
def garage(owner):
    customer = make_customer(name="Garage Durand", address="3 rue Neuve", city="Lyon")
    make_invoice(customer, amount="1250.00", issue_date=days_ago(75), due_date=days_ago(45))
    return customer


@pytest.mark.parametrize(("viewport", "name"), [(LAPTOP, "laptop"), (PHONE, "phone")])
def test_choose_post_and_record_a_posted_letter(live_server, page_factory, garage, viewport, name):
    page = page_factory(viewport=viewport)
    _login(page, live_server)

    page.goto(live_server + "/settings")
    page.get_by_label("Envoi des mises en demeure").select_option("post")
    page.get_by_label("Alsace-Moselle").check()
    screenshot(page, f"settings-notices-{name}")
    page.get_by_role("button", name="Enregistrer les paramètres").click()
    page.wait_for_url(re.compile(r"/settings$"))
    assert page.get_by_label("Envoi des mises en demeure").input_value() == "post"

    page.goto(f"{live_server}/customers/{garage.id}")
    card = page.locator("#notices")
    assert "Mises en demeure par courrier" in card.inner_text()
    card.get_by_text("Enregistrer une lettre que vous avez postée").click()
    card.get_by_label("Numéro de suivi").fill("1A 234 567 8901 2")
    screenshot(page, f"customer-notices-{name}")
    card.get_by_role("button", name="Enregistrer l’envoi").click()
    page.wait_for_url(re.compile(rf"/customers/{garage.id}#notices$"))

    assert "numéro de suivi 1A 234 567 8901 2" in page.locator("#notices").inner_text()
    assert "Mise en demeure postée" in page.locator(".timeline").inner_text()
    screenshot(page, f"customer-notice-posted-{name}")
    db.session.expire_all()
    assert db.session.query(NoticeLetter).one().tracking_number == "1A 234 567 8901 2"
