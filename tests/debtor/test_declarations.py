"""The debtor's "I have already paid" pages: the form, its checks, and the customer scope."""

import io
import re
from pathlib import Path

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, OutboxMessage, PaidDeclaration, Task

from ..conftest import TODAY
from ..factories import days_ago, make_customer, make_invoice
from ..services.test_uploads import TINY_PDF, TINY_PNG


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def uploads(app) -> list[Path]:
    folder = Path(app.instance_path) / "uploads"
    return list(folder.iterdir()) if folder.exists() else []


def form(invoices, **overrides) -> dict:
    data = {
        "invoice": [str(i.id) for i in invoices],
        "paid_on": days_ago(3).isoformat(),
        "amount": "120,00",
        "method": "transfer",
        "comment": "Virement BNP",
    }
    data.update(overrides)
    return data


def setup_two(debtor_client):
    mine = make_customer(name="Menuiserie Gauthier")
    theirs = make_customer(name="Someone Else")
    my_invoice = make_invoice(mine, amount="100.00", issue_date=days_ago(40), due_date=days_ago(10))
    their_invoice = make_invoice(
        theirs, amount="100.00", issue_date=days_ago(40), due_date=days_ago(10)
    )
    return debtor_client(mine), mine, theirs, my_invoice, their_invoice


def test_pay_and_account_pages_offer_to_declare(app, owner, debtor_client):
    customer = make_customer()
    a = make_invoice(customer, issue_date=days_ago(40), due_date=days_ago(10))
    b = make_invoice(customer, issue_date=days_ago(30), due_date=days_ago(5))
    client = debtor_client(customer)
    with client.session_transaction() as session:
        session["lang"] = "en"
    page = client.post("/account/pay", data={"invoice": [str(a.id), str(b.id)]}).get_data(
        as_text=True
    )
    assert "Already paid? Tell us" in page
    hrefs = re.findall(r'href="(/account/declarations/new[^"]*)"', page)
    assert hrefs and f"invoice={a.id}" in hrefs[0] and f"invoice={b.id}" in hrefs[0]
    account = client.get("/account").get_data(as_text=True)
    assert 'href="/account/declarations/new"' in account

    response = client.get(hrefs[0].replace("&amp;", "&"))
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'value="{a.id}" checked' in text and f'value="{b.id}" checked' in text
    assert 'value="240.00"' in text  # what is still due on both, prefilled
    assert 'enctype="multipart/form-data"' in text


def test_form_in_french_prefills_a_decimal_comma_and_ticks_overdue_invoices(
    app, owner, debtor_client
):
    customer = make_customer(language="fr")
    overdue = make_invoice(
        customer, amount="100.00", issue_date=days_ago(40), due_date=days_ago(10)
    )
    not_due = make_invoice(customer, amount="50.00", issue_date=days_ago(1), due_date=days_ago(-29))
    text = debtor_client(customer).get("/account/declarations/new").get_data(as_text=True)
    assert f'value="{overdue.id}" checked' in text
    assert not_due.number in text and f'value="{not_due.id}" checked' not in text
    assert 'value="120,00"' in text


def test_declaring_with_a_proof(app, owner, debtor_client):
    client, mine, _, invoice, _ = setup_two(debtor_client)
    data = form([invoice], proof=(io.BytesIO(TINY_PNG), "photo-du-releve.png"))
    response = client.post("/account/declarations", data=data, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    row = db.session.scalars(select(PaidDeclaration)).one()
    assert response.location.endswith(f"/account/declarations/{row.id}")
    assert (row.customer_id, row.amount_cents, row.invoice_ids) == (mine.id, 12000, [invoice.id])
    assert row.proof_content_type == "image/png" and "photo" not in row.proof_filename
    assert [p.name for p in uploads(app)] == [row.proof_filename]
    assert count(Task) == 1 and count(OutboxMessage) == 1

    done = client.get(response.location)
    assert done.status_code == 200
    assert "120,00" in done.get_data(as_text=True) and invoice.number in done.get_data(as_text=True)
    assert done.headers["Cache-Control"] == "no-store"


def test_declaring_without_a_proof(app, owner, debtor_client):
    client, _, _, invoice, _ = setup_two(debtor_client)
    response = client.post("/account/declarations", data=form([invoice], amount="50.5"))
    assert response.status_code == 303
    assert db.session.scalars(select(PaidDeclaration)).one().amount_cents == 5050
    assert uploads(app) == []


def test_disguised_proof_is_refused_with_a_clear_message(app, owner, debtor_client):
    client, _, _, invoice, _ = setup_two(debtor_client)
    with client.session_transaction() as session:
        session["lang"] = "en"
    data = form([invoice], proof=(io.BytesIO(b"<html><script>alert(1)</script>"), "receipt.png"))
    response = client.post("/account/declarations", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Only PDF, PNG or JPEG files are accepted" in response.get_data(as_text=True)
    assert count(PaidDeclaration) == count(Task) == count(OutboxMessage) == 0
    assert uploads(app) == []


def test_oversized_proof_is_refused(app, owner, debtor_client):
    client, _, _, invoice, _ = setup_two(debtor_client)
    with client.session_transaction() as session:
        session["lang"] = "en"
    too_big = TINY_PDF + b"\0" * (app.config["MAX_PROOF_BYTES"] + 1 - len(TINY_PDF))
    data = form([invoice], proof=(io.BytesIO(too_big), "statement.pdf"))
    response = client.post("/account/declarations", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "too large" in response.get_data(as_text=True)
    assert count(PaidDeclaration) == 0 and uploads(app) == []


def test_bad_values_show_errors_and_keep_the_input(app, owner, debtor_client):
    client, _, _, invoice, _ = setup_two(debtor_client)
    with client.session_transaction() as session:
        session["lang"] = "en"
    future = TODAY.replace(year=TODAY.year + 1).isoformat()
    response = client.post(
        "/account/declarations",
        data=form([invoice], amount="-5", paid_on=future, comment="keep me"),
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "cannot be in the future" in text and "greater than zero" in text
    assert "keep me" in text and 'aria-invalid="true"' in text
    response = client.post("/account/declarations", data=form([]))
    assert response.status_code == 422 and "Choose the invoices you paid" in response.get_data(
        as_text=True
    )
    assert count(PaidDeclaration) == 0


def test_another_customers_invoice_is_404_and_nothing_is_written(app, owner, debtor_client):
    client, _, _, my_invoice, their_invoice = setup_two(debtor_client)
    assert client.get(f"/account/declarations/new?invoice={their_invoice.id}").status_code == 404
    assert client.get("/account/declarations/new?invoice=abc").status_code == 404
    for chosen in ([their_invoice], [my_invoice, their_invoice]):
        data = form(chosen, proof=(io.BytesIO(TINY_PDF), "proof.pdf"))
        response = client.post(
            "/account/declarations", data=data, content_type="multipart/form-data"
        )
        assert response.status_code == 404
    assert count(PaidDeclaration) == count(Task) == count(OutboxMessage) == 0
    assert uploads(app) == []
    assert not db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "paid_declaration.created")
    )


def test_another_customers_declaration_and_proof_are_unreachable(app, owner, debtor_client):
    _, mine, theirs, _, their_invoice = setup_two(debtor_client)
    other = debtor_client(theirs)
    data = form([their_invoice], proof=(io.BytesIO(TINY_PDF), "proof.pdf"))
    assert (
        other.post(
            "/account/declarations", data=data, content_type="multipart/form-data"
        ).status_code
        == 303
    )
    row = db.session.scalars(select(PaidDeclaration)).one()
    assert other.get(f"/account/declarations/{row.id}").status_code == 200

    me = debtor_client(mine)
    assert me.get(f"/account/declarations/{row.id}").status_code == 404
    # proofs are served to the logged-in creditor only, never on the debtor side
    for path in (f"/declarations/{row.id}/proof", f"/account/declarations/{row.id}/proof"):
        for client in (me, other):
            response = client.get(path)
            assert response.status_code in (302, 404), path
            assert TINY_PDF not in response.data
            if response.status_code == 302:
                assert "/login" in response.location


def test_declaration_pages_need_a_debtor_session(app, client, owner):
    invoice = make_invoice(make_customer())
    assert "/link" in client.get("/account/declarations/new").location
    response = client.post("/account/declarations", data=form([invoice]))
    assert response.status_code == 302 and "/link" in response.location
    assert count(PaidDeclaration) == 0


def test_declarations_are_rate_limited_per_customer(app, owner, debtor_client):
    client, _, theirs, invoice, their_invoice = setup_two(debtor_client)
    statuses = [
        client.post("/account/declarations", data=form([invoice], amount="x")).status_code
        for _ in range(21)
    ]
    assert statuses[:20] == [422] * 20 and statuses[20] == 429
    # another customer has their own allowance
    other = debtor_client(theirs)
    assert other.post("/account/declarations", data=form([their_invoice])).status_code == 303
