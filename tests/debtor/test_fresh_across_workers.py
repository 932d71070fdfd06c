"""What a debtor's pages show is read afresh on each request, by every worker.

Two `create_app` objects on one database stand for two gunicorn workers (or
two machines): a write through one, or by the scheduler or the creditor,
shows on the very next request served by the other. Nothing the account page
or the transfer page shows may be kept by a worker across requests.
"""

import re
from datetime import timedelta

import pytest

from portal import create_app
from portal.extensions import db
from portal.models import Invoice, PaymentMethod
from portal.services import organisation
from portal.services.audit import Actor
from portal.services.dunning import dunning_pass, reminder_forecast, scenarios
from portal.services.dunning.dunning_settings import DunningSettings
from portal.services.payments import ledger

from ..conftest import NOW, TODAY
from ..factories import days_ago, make_customer, make_invoice
from .conftest import open_link

NEW_IBAN = "FR1420041010050500013M02606"


@pytest.fixture
def workers(app, app_config, owner):
    """Two workers, each with a browser session of the same debtor."""
    db.session.commit()
    other = create_app(app_config)
    customer = make_customer(name="Menuiserie Gauthier", language="en")
    invoice = make_invoice(
        customer, amount="100.00", issue_date=days_ago(40), due_date=days_ago(10)
    )
    first, second = app.test_client(), other.test_client()
    open_link(first, customer)
    open_link(second, customer)
    return customer, invoice, first, second, other


def written_elsewhere(worker, write) -> None:
    """`write` runs and commits in the other worker's own session (not the test's)."""
    with worker.app_context():
        write()
        db.session.commit()
        db.session.remove()


def account(client) -> str:
    page = client.get("/account")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_a_payment_shows_on_the_next_request_of_either_worker(app, workers):
    customer, invoice, first, second, other = workers
    for client in (first, second):  # both have served the page before the payment
        assert "Payments received" not in account(client)
    written_elsewhere(
        other,
        lambda: ledger.record_payment(
            db.session.get(Invoice, invoice.id),
            amount_cents=4000,
            paid_on=TODAY,
            method=PaymentMethod.TRANSFER,
            reference="VIR 1",
            actor=Actor.system(),
            now=NOW,
        ),
    )
    for client in (second, first):
        page = account(client)
        assert "Payments received" in page and "40.00" in page and "80.00" in page


def test_a_reminder_sent_moves_the_outlook_on_either_worker(app, workers):
    customer, invoice, first, second, other = workers
    scenarios.install_defaults(now=NOW - timedelta(days=60), actor=Actor.system())
    db.session.commit()
    settings = DunningSettings.from_config(app.config)

    def next_reminder(page: str) -> str:
        found = re.search(r"next reminder on ([^<]+)<", page)
        assert found, "no reminder outlook on the page"
        return found[1]

    before = {next_reminder(account(c)) for c in (first, second)}
    planned = reminder_forecast.for_customer(customer, TODAY, settings)[invoice.id]
    assert planned.next_date == TODAY and len(before) == 1

    written_elsewhere(other, lambda: dunning_pass.run_pass(NOW, settings))  # the scheduler
    after = reminder_forecast.for_customer(customer, TODAY, settings)[invoice.id]
    assert after.next_date > TODAY  # the reminder of the day went out; the next one waits
    for client in (second, first):
        assert next_reminder(account(client)) not in before


def test_a_new_iban_shows_on_the_transfer_page_and_in_its_qr_code(app, workers):
    customer, invoice, first, second, other = workers

    def transfer(client) -> tuple[str, bytes]:
        page = client.post("/account/pay", data={"invoice": [str(invoice.id)]})
        assert page.status_code == 200
        reference = re.search(r"/account/transfer/(\d+)/qr\.svg", page.get_data(as_text=True))
        qr = client.get(f"/account/transfer/{reference[1]}/qr.svg").data
        return page.get_data(as_text=True), qr

    old_pages = [transfer(c) for c in (first, second)]
    assert all("FR76 3000 6000 0112 3456 7890 189" in page for page, _ in old_pages)
    written_elsewhere(
        other, lambda: organisation.update({"iban": NEW_IBAN}, actor=Actor.system(), now=NOW)
    )
    for client, (_, old_qr) in zip((second, first), reversed(old_pages), strict=True):
        page, qr = transfer(client)
        assert "FR14 2004 1010 0505 0001 3M02 606" in page
        assert "FR76 3000" not in page
        assert qr != old_qr and b"<svg" in qr
