"""On a phone, a debtor proposes a plan, declares a payment and promises a date, then finds
each of them on the account page, cannot pay them again by mistake, and sees the amount
to pay and the pay button on the first screen. Every debtor page is photographed at
phone and laptop size (tests/artifacts/)."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from portal import clock
from portal.extensions import db
from portal.models import PaymentMethod, TransferReference
from portal.services import links
from portal.services.audit import Actor
from portal.services.payments import invoicing, ledger

from ..conftest import NOW
from ..factories import make_customer, make_invoice
from .conftest import LAPTOP, PHONE, screenshot

pytestmark = pytest.mark.e2e


def norm(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def text_of(page) -> str:
    return norm(page.locator("main").inner_text())


def debtor_account():
    """A customer with late invoices, one of them with several lines, and a past payment."""
    today = clock.today()
    customer = make_customer(
        name="Menuiserie Gauthier", language="fr", emails=["compta@gauthier.example"]
    )

    def late(amount, days, **kw):
        return make_invoice(
            customer,
            amount=amount,
            issue_date=today - timedelta(days=days + 30),
            due_date=today - timedelta(days=days),
            **kw,
        )

    invoices = {
        "plan": late("1000.00", 40),
        "declared": late("250.00", 30),
        "promised": late("300.00", 20),
        "plain": late("400.00", 12),
        "lines": late(
            "0",
            8,
            lines=[
                invoicing.LineInput(
                    "Fenêtre chêne double vitrage", Decimal("3"), Decimal("499.1"), Decimal("20")
                ),
                invoicing.LineInput(
                    "Pose et réglage", Decimal("1.5"), Decimal("80"), Decimal("20")
                ),
            ],
        ),
        "not_due": make_invoice(
            customer,
            amount="80.00",
            issue_date=today - timedelta(days=5),
            due_date=today + timedelta(days=25),
        ),
    }
    paid = late("50.00", 60)
    ledger.record_payment(
        paid,
        amount_cents=paid.outstanding_cents,
        paid_on=today - timedelta(days=20),
        method=PaymentMethod.TRANSFER,
        reference="VIR GAUTHIER",
        actor=Actor.system(),
        now=NOW,
    )
    token = links.create(customer, now=NOW, days=30, actor=Actor.system())
    db.session.commit()
    return customer, token, invoices


def tick_only(page, prefix: str, wanted: int, all_ids) -> None:
    for invoice_id in all_ids:
        box = page.locator(f"#{prefix}{invoice_id}")
        if box.count():
            box.set_checked(invoice_id == wanted)


def test_requests_stay_visible_and_are_never_paid_twice(app, live_server, page_factory, owner):
    customer, token, inv = debtor_account()
    ids = [i.id for i in inv.values()]
    today = clock.today()
    page = page_factory(viewport=PHONE)
    page.set_default_timeout(30_000)  # a busy machine may take a while to answer a POST
    page.goto(f"{live_server}/p/{token}")
    page.wait_for_url(re.compile(r"/account$"))
    screenshot(page, "debtor-account-before-phone")

    # A plan for the oldest invoice.
    page.get_by_role("link", name="Proposer un échéancier").click()
    tick_only(page, "plan-invoice-", inv["plan"].id, ids)
    page.fill("#plan-count", "2")
    page.fill("#plan-first", (today + timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Proposer cet échéancier").click()
    page.wait_for_url(re.compile(r"/account/plans/\d+$"))
    screenshot(page, "debtor-plan-phone")

    # "I have already paid" the second one.
    page.goto(f"{live_server}/account")
    page.get_by_role("link", name="J’ai déjà payé").click()
    tick_only(page, "invoice-", inv["declared"].id, ids)
    page.fill("#paid_on", (today - timedelta(days=2)).isoformat())
    page.fill("#amount", "300,00")
    page.get_by_role("button", name="Envoyer").click()
    page.wait_for_url(re.compile(r"/account/declarations/\d+$"))
    screenshot(page, "debtor-declaration-done-phone")

    # A date promised for the third.
    page.goto(f"{live_server}/account")
    page.get_by_role("link", name="Promettre une date de paiement").click()
    tick_only(page, "invoice-", inv["promised"].id, ids)
    page.fill("#promised_date", (today + timedelta(days=10)).isoformat())
    page.get_by_role("button", name="Promettre cette date").click()
    page.wait_for_url(re.compile(r"/account$"))

    # Each request is on the account; only what is payable now is ticked and totalled.
    text = text_of(page)
    assert "Dans votre échéancier" in text and "Prochaine échéance" in text
    assert "Déclarée payée, en vérification" in text and "300,00 €" in text
    assert "Paiement promis d’ici le" in text
    for waiting in ("plan", "declared"):
        assert page.locator(f"#invoice-{inv[waiting].id}").count() == 0
    assert not page.locator(f"#invoice-{inv['promised'].id}").is_checked()
    assert page.locator(f"#invoice-{inv['plain'].id}").is_checked()
    assert page.locator(f"#invoice-{inv['lines'].id}").is_checked()
    due_now = inv["plain"].outstanding_cents + inv["lines"].outstanding_cents
    assert due_now == 48000 + 194076
    assert norm(page.locator(".due-amount").inner_text()) == "2 420,76 €"

    # The amount and the pay button with it are on the first screen of the phone.
    button = page.locator(".pay-bar .pay-button")
    assert norm(button.inner_text()) == "Payer 2 420,76 €"
    box = button.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"]
    amount = page.locator(".due-amount").bounding_box()
    assert amount["y"] + amount["height"] <= PHONE["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    screenshot(page, "debtor-account-phone")

    # Ticking an invoice updates the total on the button; unticking restores it.
    page.locator(f"#invoice-{inv['promised'].id}").check()
    assert norm(button.inner_text()) == "Payer 2 780,76 €"
    page.locator(f"#invoice-{inv['promised'].id}").uncheck()
    assert norm(button.inner_text()) == "Payer 2 420,76 €"

    # Paying takes only what was ticked: never the plan's or the declared invoice.
    button.click()
    page.wait_for_url(re.compile(r"/account/pay$"))
    assert "2 420,76 €" in text_of(page)
    reference = db.session.query(TransferReference).one()
    assert reference.amount_cents == due_now
    screenshot(page, "debtor-pay-phone")

    # Every other debtor page, at both sizes.
    pages = {
        "account": "/account",
        "invoice": f"/account/invoices/{inv['lines'].id}",
        "dispute": f"/account/invoices/{inv['lines'].id}/dispute",
        "promise": "/account/promises/new",
        "plan-new": "/account/plans/new",
        "declaration": "/account/declarations/new",
        "history": "/account/history",
        "messages": "/account/messages",
        "not-found": "/account/invoices/999999",
    }
    laptop = page_factory(viewport=LAPTOP)
    laptop_token = links.create(customer, now=NOW, days=30, actor=Actor.system())
    db.session.commit()
    laptop.goto(f"{live_server}/p/{laptop_token}")
    laptop.wait_for_url(re.compile(r"/account$"))
    for name, path in pages.items():
        for size, tab in (("phone", page), ("laptop", laptop)):
            tab.goto(f"{live_server}{path}")
            assert tab.locator("h1").count() == 1, (name, size)
            assert "Menuiserie Gauthier" in tab.locator(".account-of").inner_text(), (name, size)
            if size == "phone":
                assert tab.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
            screenshot(tab, f"debtor-{name}-{size}")

    page.goto(f"{live_server}/account/invoices/{inv['lines'].id}")
    lines = text_of(page)
    assert "3 × 499,10 €" in lines and "1 497,30 €" in lines and "1 796,76 €" in lines
    page.goto(f"{live_server}/account/history")
    history = text_of(page)
    assert "Vous avez déclaré un paiement" in history and "Reçu (PDF)" in history
