"""On a phone, a debtor proposes a plan, sees it accepted at once, and pays the first instalment."""

import re
from datetime import timedelta

import pytest

from portal import clock
from portal.extensions import db
from portal.models import InstalmentPlan, PlanStatus, TransferReference
from portal.services import links
from portal.services.audit import Actor

from ..conftest import NOW
from ..factories import days_ago, make_customer, make_invoice
from .conftest import PHONE, screenshot

pytestmark = pytest.mark.e2e


def text_of(page) -> str:
    return page.locator("main").inner_text().replace("\u202f", " ").replace("\u00a0", " ")


def test_propose_a_plan_then_pay_the_first_instalment(app, owner, live_server, page_factory):
    customer = make_customer(name="Fleurs Lemoine", language="fr")
    invoice = make_invoice(
        customer, amount="1000.01", tax_rate="0", issue_date=days_ago(40), due_date=days_ago(10)
    )
    token = links.create(customer, now=NOW, days=30, actor=Actor.system())
    db.session.commit()
    first = clock.today() + timedelta(days=5)

    page = page_factory(viewport=PHONE)
    page.goto(f"{live_server}/p/{token}")
    page.wait_for_url(re.compile(r"/account$"))
    page.locator('a[href="/account/plans/new"]').click()
    page.wait_for_url(re.compile(r"/account/plans/new$"))
    page.locator(f"#plan-invoice-{invoice.id}").check()
    page.locator("#plan-count").fill("3")
    page.locator("#plan-first").fill(first.isoformat())
    # the htmx preview fills in without a page load
    page.locator("#plan-preview table").wait_for()
    assert "333,35 €" in text_of(page)
    assert page.url.endswith("/account/plans/new")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    screenshot(page, "debtor-plan-preview-phone")

    page.locator("form.plan-form button[type=submit]:not([formaction])").click()
    page.wait_for_url(re.compile(r"/account/plans/\d+$"))
    plan = db.session.query(InstalmentPlan).one()
    assert plan.status is PlanStatus.ACTIVE
    assert "333,33 €" in text_of(page)
    screenshot(page, "debtor-plan-accepted-phone")

    page.locator("button.pay-button").click()
    page.wait_for_url(re.compile(rf"/account/plans/{plan.id}/pay$"))
    assert "333,33 €" in text_of(page) and "1 000,01 €" not in text_of(page)
    reference = db.session.query(TransferReference).one()
    assert reference.amount_cents == 33333
    screenshot(page, "debtor-plan-pay-instalment-phone")
