"""The claim on the pages: beside the principal, the same figures as `portal claim`.

The suite's today is 23 November 2026; the second half of 2026 is not shipped,
so the owner enters it (ECB 2.15 %, legal rate "all other cases" 2.62 %) unless
a test is about its absence.
"""

from __future__ import annotations

import json
from datetime import date

from portal.extensions import db
from portal.models import AuditEvent, Organisation, PenaltyRateBasis
from portal.services.claims import claim

from ..conftest import TODAY
from ..debtor.conftest import open_link
from ..factories import enter_rates, make_customer, make_invoice, make_user

EN = {"Accept-Language": "en"}


def late_invoice(customer):
    # 1 200 € due 24 October: 30 days late on 23 November.
    return make_invoice(customer, amount="1000.00", due_date=date(2026, 10, 24))


def test_home_warns_while_a_half_year_has_no_rates(client, logged_in):
    page = client.get("/", headers=EN).get_data(as_text=True)
    assert 'id="rates-missing-home"' in page and "1 July 2026" in page
    enter_rates()
    page = client.get("/", headers=EN).get_data(as_text=True)
    assert 'id="rates-missing-home"' not in page


def test_the_customer_page_shows_what_portal_claim_prints(client, logged_in, runner):
    enter_rates()
    customer = make_customer(ref="PAGE", language="en")
    late_invoice(customer)
    data = json.loads(runner.invoke(args=["claim", "PAGE", "--json"]).output)
    # 1 200 € × 12.15 % (2.15 + 10) × 30 / 365 = 11.98356 € → 11,98 €
    assert (data["total_penalty_cents"], data["total_indemnity_cents"]) == (1198, 4000)
    page = client.get(f"/customers/{customer.id}", headers=EN).get_data(as_text=True)
    section = page[page.index('id="claim"') :]
    assert "€1,200.00" in section and "€11.98" in section and "€40.00" in section


def test_the_owner_gives_a_customer_its_own_contract_rate(client, logged_in):
    enter_rates()
    customer = make_customer()
    late_invoice(customer)
    response = client.post(
        f"/customers/{customer.id}/penalty-terms", data={"basis": "fixed", "fixed_rate": "12"}
    )
    assert response.status_code == 303
    assert customer.penalty_rate_basis is PenaltyRateBasis.FIXED
    assert customer.penalty_fixed_rate_bp == 1200
    # 12 % beats the floor 3 × 2.62 % = 7.86 %: 1 200 € × 12 % × 30 / 365 = 11.83562 € → 11,84 €
    organisation = db.session.query(Organisation).one()
    (line,) = claim.for_customer(organisation, customer, TODAY).invoices
    assert line.penalty_cents == 1184
    event = db.session.query(AuditEvent).filter_by(action="customer.updated").one()
    assert event.details["changes"]["penalty_terms"][1] == ["fixed", None, 1200]
    client.post(f"/customers/{customer.id}/penalty-terms", data={"basis": ""})
    assert customer.penalty_rate_basis is None


def test_a_collector_cannot_change_a_customers_terms(app, client, auth, owner):
    make_user("collector@example.com", role="collector")
    auth.login("collector@example.com")
    customer = make_customer()
    response = client.post(f"/customers/{customer.id}/penalty-terms", data={"basis": "fixed"})
    assert response.status_code == 403 and customer.penalty_rate_basis is None


def test_the_settings_need_the_fixed_rate_they_name(client, logged_in):
    page = client.get("/settings", headers=EN).get_data(as_text=True)
    assert "My terms: a fixed annual rate" in page
    base = {
        "legal_name": "Atelier Dupont SARL",
        "language": "fr",
        "payment_terms_days": "30",
        "penalty_margin_points": "10",
        "recovery_indemnity": "40",
        "penalty_rate_basis": "fixed",
    }
    response = client.post("/settings", data=base, headers=EN)
    assert response.status_code == 422
    assert "Enter the fixed rate of your terms." in response.get_data(as_text=True)
    response = client.post("/settings", data={**base, "recovery_indemnity": "1000"}, headers=EN)
    assert response.status_code == 422
    assert client.post("/settings", data={**base, "penalty_fixed_rate": "12"}).status_code == 303
    organisation = db.session.query(Organisation).one()
    assert organisation.penalty_rate_basis is PenaltyRateBasis.FIXED
    assert organisation.penalty_fixed_rate_bp == 1200


def test_the_debtor_sees_penalties_beside_what_the_pay_button_asks(app, owner):
    enter_rates()
    customer = make_customer(language="en")
    late_invoice(customer)
    debtor = app.test_client()
    open_link(debtor, customer)
    page = debtor.get("/account", headers=EN).get_data(as_text=True)
    assert '<p class="due-amount">€1,200.00</p>' in page
    assert "late-payment penalties of €11.98 to date" in page
    assert "fixed recovery indemnities of €40.00" in page


def test_a_consumer_sees_no_business_wording(app, owner):
    enter_rates()
    customer = make_customer(kind="consumer", language="en")
    late_invoice(customer)
    debtor = app.test_client()
    open_link(debtor, customer)
    page = debtor.get("/account", headers=EN).get_data(as_text=True)
    assert 'id="claim-note"' not in page and "indemnit" not in page and "L441-10" not in page
