"""Links, the account page and the rule that a debtor only ever sees their own data."""

from datetime import timedelta

from portal import clock
from portal.extensions import db
from portal.models import AccessLink, OutboxMessage
from portal.services import links
from portal.services.audit import Actor

from ..conftest import NOW, TODAY
from ..factories import days_ago, make_customer, make_invoice
from .conftest import open_link


def test_link_opens_account_and_hides_token(app, client, owner):
    customer = make_customer(name="Menuiserie Gauthier")
    invoice = make_invoice(
        customer, amount="100.00", issue_date=days_ago(40), due_date=days_ago(10)
    )
    token = open_link(client, customer)
    link = db.session.query(AccessLink).one()
    assert link.token_hash != token and len(token) >= 43
    assert link.use_count == 1
    page = client.get("/account")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert invoice.number in text and "Menuiserie Gauthier" in text
    assert token not in text
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_opening_a_link_twice_only_counts(app, client, owner):
    customer = make_customer()
    token = links.create(customer, now=NOW, days=30, actor=Actor.system())
    db.session.commit()
    for _ in range(3):  # a mail scanner, then the person, then again
        assert client.get(f"/p/{token}").status_code == 302
    link = db.session.query(AccessLink).one()
    assert link.use_count == 3 and link.revoked_at is None


def test_unknown_expired_and_revoked_links(app, client, owner):
    customer = make_customer()
    assert client.get("/p/not-a-real-token").location.endswith("/link?reason=unknown")
    expired = links.create(customer, now=NOW - timedelta(days=40), days=30, actor=Actor.system())
    db.session.commit()
    response = client.get(f"/p/{expired}")
    assert response.location.endswith("reason=expired")
    page = client.get(response.location)
    assert page.status_code == 410
    assert "email" in page.get_data(as_text=True).lower()

    live = open_link(client, customer)
    assert client.get("/account").status_code == 200
    links.revoke_all(customer, actor=Actor.system(), now=NOW)
    # revocation is immediate, even for an open session
    assert client.get("/account").location.endswith("reason=revoked")
    assert client.get(f"/p/{live}").location.endswith("reason=revoked")


def test_no_session_means_no_account(client, owner):
    response = client.get("/account")
    assert response.status_code == 302 and "/link" in response.location


def test_debtor_never_reaches_another_customers_data(app, owner, debtor_client):
    mine = make_customer(name="Mine")
    theirs = make_customer(name="Theirs SARL")
    my_invoice = make_invoice(mine, issue_date=days_ago(40), due_date=days_ago(10))
    their_invoice = make_invoice(theirs, issue_date=days_ago(40), due_date=days_ago(10))
    client = debtor_client(mine)
    page = client.get("/account").get_data(as_text=True)
    assert (
        my_invoice.number in page and their_invoice.number not in page and "Theirs SARL" not in page
    )
    assert client.get(f"/account/invoices/{my_invoice.id}").status_code == 200
    assert client.get(f"/account/invoices/{their_invoice.id}").status_code == 404
    assert client.get("/account/invoices/999999").status_code == 404
    response = client.post(
        "/account/pay", data={"invoice": [str(my_invoice.id), str(their_invoice.id)]}
    )
    assert response.status_code == 404
    response = client.post("/account/pay", data={"invoice": ["abc"]})
    assert response.status_code == 404
    # a transfer reference of another customer is not reachable either
    other = debtor_client(theirs)
    other.post("/account/pay", data={"invoice": [str(their_invoice.id)]})
    from portal.models import TransferReference

    their_ref = db.session.query(TransferReference).filter_by(customer_id=theirs.id).one()
    assert client.get(f"/account/transfer/{their_ref.id}/qr.svg").status_code == 404
    assert other.get(f"/account/transfer/{their_ref.id}/qr.svg").status_code == 200


def test_creditor_session_does_not_open_debtor_pages(client, logged_in):
    assert client.get("/account").status_code == 302


def test_account_totals_and_preselection(app, owner, debtor_client):
    customer = make_customer()
    late = make_invoice(customer, amount="100.00", issue_date=days_ago(40), due_date=days_ago(10))
    later = make_invoice(
        customer, amount="50.00", issue_date=days_ago(5), due_date=TODAY + timedelta(days=25)
    )
    page = (
        debtor_client(customer)
        .get("/account", headers={"Accept-Language": "en"})
        .get_data(as_text=True)
    )
    assert "120,00\u00a0€" in page  # the customer's language (fr) wins over the browser's
    assert "60,00\u00a0€" in page
    assert (
        f'value="{late.id}"\n                 checked' in page
        or f'value="{late.id}" checked' in page.replace("\n                 ", " ")
    )
    assert f'value="{later.id}" checked' not in page.replace("\n                 ", " ")


def test_pay_page_shows_transfer_with_rf_reference(app, owner, debtor_client):
    from portal.values.creditor_references import rf_is_valid

    customer = make_customer()
    a = make_invoice(customer, amount="100.00", issue_date=days_ago(40), due_date=days_ago(10))
    b = make_invoice(customer, amount="10.00", issue_date=days_ago(40), due_date=days_ago(5))
    client = debtor_client(customer)
    response = client.post("/account/pay", data={"invoice": [str(a.id), str(b.id)], "amount": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "132,00\u00a0€" in page  # computed on the server: 120 + 12
    assert "FR76 3000 6000 0112 3456 7890 189" in page
    from portal.models import TransferReference

    reference = db.session.query(TransferReference).one()
    assert rf_is_valid(reference.reference) and reference.amount_cents == 13200
    assert reference.allocations == {str(a.id): 12000, str(b.id): 1200}
    # the same selection gets the same reference
    client.post("/account/pay", data={"invoice": [str(b.id), str(a.id)]})
    assert db.session.query(TransferReference).count() == 1
    qr = client.get(f"/account/transfer/{reference.id}/qr.svg")
    assert qr.mimetype == "image/svg+xml" and b"<svg" in qr.data


def test_paying_nothing_is_a_clear_message(app, owner, debtor_client):
    customer = make_customer()
    make_invoice(customer)
    client = debtor_client(customer)
    response = client.post("/account/pay", data={})
    assert response.status_code == 303
    page = client.get("/account", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Choose at least one invoice" in page or "Choisissez au moins une facture" in page


def test_fresh_link_request_same_answer_and_only_to_known_address(app, client, owner):
    customer = make_customer(emails=["known@example.fr"])
    known = client.post("/link", data={"email": "Known@Example.fr"})
    unknown = client.post("/link", data={"email": "stranger@example.fr"})
    assert known.status_code == unknown.status_code == 200

    def strip(r):
        return (
            r.get_data(as_text=True)
            .replace("Known@Example.fr", "X")
            .replace("stranger@example.fr", "X")
        )  # noqa: E731

    assert strip(known) == strip(unknown)
    messages = db.session.query(OutboxMessage).all()
    assert [m.to_addresses for m in messages] == [["known@example.fr"]]
    assert messages[0].customer_id == customer.id
    assert "https://portal.example.test/p/" in messages[0].text_body


def test_fresh_link_requests_are_limited_per_customer(app, client, owner):
    make_customer(emails=["known@example.fr"])
    for _ in range(4):
        client.post("/link", data={"email": "known@example.fr"})
    assert db.session.query(OutboxMessage).count() == 3


def test_leave_forgets_the_session(app, owner, debtor_client):
    customer = make_customer()
    client = debtor_client(customer)
    assert client.post("/account/leave").status_code == 200
    assert client.get("/account").status_code == 302


def test_link_validity_uses_the_clock(app, owner, client):
    customer = make_customer()
    token = links.create(customer, now=NOW, days=1, actor=Actor.system())
    db.session.commit()
    app.config["TODAY"] = (TODAY + timedelta(days=3)).isoformat()
    assert clock.today() == TODAY + timedelta(days=3)
    assert client.get(f"/p/{token}").location.endswith("reason=expired")


def test_tokens_never_reach_the_logs(app, owner, caplog):
    import logging

    from portal.log_redaction import REDACTED

    caplog.set_level(logging.INFO)
    customer = make_customer()
    token = links.create(customer, now=NOW, days=30, actor=Actor.system())
    db.session.commit()
    logging.getLogger("werkzeug").info('127.0.0.1 - - "GET /p/%s HTTP/1.1" 302 -', token)
    logging.getLogger("gunicorn.access").info("%(r)s", {"r": f"GET /p/{token}?x=1 HTTP/1.0"})
    assert token not in caplog.text
    assert caplog.text.count(REDACTED) == 2


def test_debtor_history_shows_own_events_only(app, owner, debtor_client):
    from portal.models import PaymentMethod
    from portal.services import tasks
    from portal.services.payments import ledger

    mine = make_customer(name="Mine")
    theirs = make_customer(name="Theirs")
    invoice = make_invoice(mine, amount="100.00", issue_date=days_ago(40), due_date=days_ago(10))
    other = make_invoice(theirs, amount="55.00", issue_date=days_ago(40), due_date=days_ago(10))
    for inv in (invoice, other):
        ledger.record_payment(
            inv,
            amount_cents=1000,
            paid_on=TODAY,
            method=PaymentMethod.TRANSFER,
            reference="",
            actor=Actor.system(),
            now=NOW,
        )
    tasks.create(
        kind="other",
        title="Internal note about Mine",
        due_date=TODAY,
        now=NOW,
        actor=Actor.system(),
        customer_id=mine.id,
    )
    db.session.commit()
    page = debtor_client(mine).get("/account/history").get_data(as_text=True)
    assert "10,00" in page  # the payment recorded on their invoice
    assert "Internal note" not in page  # the creditor's own work stays private
    assert other.number not in page and "Theirs" not in page
