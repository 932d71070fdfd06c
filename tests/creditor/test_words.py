"""Pages speak words, not keys: labels for timelines, statuses and reasons, in French too."""

from pathlib import Path

from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    ActionStatus,
    AuditEvent,
    Customer,
    DunningAction,
    MessageStatus,
    OutboxMessage,
    SkipReason,
)
from portal.services import audit
from portal.services.disputes import raising
from portal.services.dunning import dunning_pass, scenarios
from portal.services.dunning.dunning_settings import DunningSettings
from portal.services.payments import selection, transfers
from portal.services.workspace import listings

from ..conftest import NOW, TODAY
from ..factories import days_ago, make_customer, make_invoice


def _text(response) -> str:
    return response.get_data(as_text=True).replace("\u202f", " ").replace("\xa0", " ")


def test_a_reminder_is_waiting_until_it_leaves_the_outbox_and_a_skip_says_why(
    app, client, logged_in
):
    scenarios.install_defaults(now=NOW, actor=audit.Actor.system())
    customer = make_customer(name="Garage Durand")
    invoice = make_invoice(customer, issue_date=days_ago(32), due_date=days_ago(2))
    dunning_pass.run_pass(NOW, DunningSettings.from_config(app.config))
    reasons = db.session.scalars(
        select(DunningAction.reason).where(DunningAction.status == ActionStatus.SKIPPED)
    ).all()
    assert reasons == [SkipReason.DUE_DATE_PASSED]  # a kind, not an English sentence

    page = _text(client.get(f"/invoices/{invoice.id}"))
    assert "en attente dans la boîte d’envoi" in page
    assert "l’échéance est passée avant l’envoi" in page
    assert ">envoyée<" not in page
    assert "Relance prête à partir" in _text(client.get(f"/customers/{customer.id}"))

    db.session.scalars(select(OutboxMessage)).one().status = MessageStatus.SENT
    page = _text(client.get(f"/invoices/{invoice.id}"))
    assert ">envoyée<" in page and "en attente dans la boîte d’envoi" not in page


def test_the_pay_page_does_not_fill_the_timeline(app, client, logged_in):
    customer = make_customer(name="Garage Durand")
    invoice = make_invoice(customer, issue_date=days_ago(40), due_date=days_ago(10))
    chosen = selection.select_invoices(customer, [invoice.id])
    transfers.reference_for(customer, chosen, now=NOW, actor=audit.Actor.debtor(customer))
    assert db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "transfer_reference.created")
    ).one()  # still in the audit trail
    for url in (f"/customers/{customer.id}", f"/invoices/{invoice.id}"):
        page = _text(client.get(url))
        assert "Coordonnées de virement affichées" not in page, url
        assert "transfer_reference" not in page, url


def test_open_disputes_and_open_invoices_have_their_own_words(app, client, logged_in):
    customer = make_customer(name="Garage Lemoine")
    invoice = make_invoice(customer, issue_date=days_ago(40), due_date=days_ago(10))
    raising.open_dispute(
        customer,
        invoice.id,
        {invoice.lines[0].id: 1000},
        reason="damaged",
        comment="",
        files=[],
        uploads_folder=Path(app.instance_path) / "uploads",
        max_file_bytes=1024,
        review_url="https://portal.example.test/tasks",
        today=TODAY,
        now=NOW,
        actor=audit.Actor.debtor(customer),
    )
    disputes = _text(client.get("/disputes"))
    assert "En cours" in disputes and "Non réglées" not in disputes
    assert '<option value="open"' in _text(client.get("/invoices"))
    assert "Non réglées" in _text(client.get("/invoices"))


def test_customers_sort_by_name_as_a_reader_expects(app, client, logged_in):
    for name in ("Brightwell", "Béranger", "atelier Zen", "Zénith"):
        make_customer(name=name)
    page = listings.search_customers(listings.CustomerFilters(), TODAY)
    assert [row.customer.name for row in page.items] == [
        "atelier Zen",
        "Béranger",
        "Brightwell",
        "Zénith",
    ]
    text = _text(client.get("/customers"))
    assert text.index("Béranger") < text.index("Brightwell")


def test_renaming_a_customer_moves_them_in_the_list(app, owner):
    customer = make_customer(name="Zénith")
    customer.name = "Éclair"
    db.session.flush()
    assert db.session.get(Customer, customer.id).sort_name == "eclair"


def test_the_step_editor_shows_a_default_name_in_french_and_keeps_it(app, client, logged_in):
    from portal.models import Scenario

    scenarios.install_defaults(now=NOW, actor=audit.Actor.system())
    scenario = db.session.scalars(select(Scenario).order_by(Scenario.id)).first()
    step = next(s for s in scenario.steps if s.name == "First reminder")
    url = f"/scenarios/{scenario.id}/steps/{step.id}"
    page = _text(client.get(url))
    assert 'value="Première relance"' in page and "First reminder" not in page
    template = step.templates[0] if step.templates else None
    form = {
        "language": "fr",
        "name": "Première relance",
        "day_offset": str(step.day_offset),
        "kind": str(step.kind),
        "subject": template.subject if template else "Relance",
        "text_body": template.text_body if template else "Bonjour",
        "html_body": "",
    }
    client.post(url, data=form)
    db.session.refresh(step)
    assert step.name == "First reminder"  # still the default, shown in each reader's language
    client.post(url, data={**form, "name": "Relance amicale"})
    db.session.refresh(step)
    assert step.name == "Relance amicale"
