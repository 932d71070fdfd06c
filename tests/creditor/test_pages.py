"""The dashboard's pages through the test client."""

from datetime import timedelta

from ..conftest import TODAY
from ..factories import days_ago, make_customer, make_invoice

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/invoices"}


def test_first_visit_goes_to_setup_then_creates_owner(client):
    response = client.get("/")
    assert response.status_code == 302 and response.location.endswith("/setup")
    response = client.post(
        "/setup",
        data={
            "legal_name": "Boulangerie Martin",
            "language": "fr",
            "owner_email": "Anne@Example.com",
            "owner_password": "a long enough pass",
            "confirm": "a long enough pass",
        },
    )
    assert response.status_code == 303
    assert client.get("/").status_code == 200
    # setup cannot be done twice
    assert client.get("/setup").status_code == 302


def test_setup_rejects_short_password_and_creates_nothing(client):
    from portal.services import accounts

    response = client.post(
        "/setup",
        data={
            "legal_name": "X",
            "language": "fr",
            "owner_email": "a@b.fr",
            "owner_password": "short",
            "confirm": "short",
        },
    )
    assert response.status_code == 200
    assert "10" in response.get_data(as_text=True)
    assert not accounts.has_users()


def test_login_wrong_password_then_right(client, owner, auth):
    response = auth.login(password="wrong password")
    assert response.status_code == 401
    assert client.get("/").status_code == 302
    assert auth.login().status_code == 303
    assert client.get("/").status_code == 200


def test_login_is_rate_limited(client, owner, auth):
    statuses = [auth.login(password="nope nope nope").status_code for _ in range(11)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429


def test_login_refuses_foreign_next(client, owner):
    from ..factories import PASSWORD

    response = client.post(
        "/login?next=https://evil.example/",
        data={"email": "owner@example.com", "password": PASSWORD},
    )
    assert response.location == "/"


def test_home_shows_totals_and_aged_balance(client, logged_in):
    customer = make_customer(name="Garage Durand")
    make_invoice(customer, amount="100.00", issue_date=days_ago(60), due_date=days_ago(45))  # 31-60
    make_invoice(
        customer, amount="50.00", issue_date=days_ago(5), due_date=TODAY + timedelta(days=25)
    )
    page = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "180,00\u00a0€" in page  # outstanding 120 + 60
    assert "120,00\u00a0€" in page  # overdue
    assert "Garage Durand" in page


def test_home_in_english(client, logged_in):
    customer = make_customer()
    make_invoice(customer, amount="1000.00", issue_date=days_ago(60), due_date=days_ago(45))
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "€1,200.00" in page
    assert "Aged balance" in page


def test_invoice_list_filters_and_fragment(client, logged_in):
    late = make_customer(name="Late Ltd")
    early = make_customer(name="Early SA")
    overdue = make_invoice(late, issue_date=days_ago(50), due_date=days_ago(20))
    not_due = make_invoice(early, issue_date=days_ago(1), due_date=TODAY + timedelta(days=29))
    page = client.get("/invoices?status=overdue").get_data(as_text=True)
    assert overdue.number in page and not_due.number not in page
    assert "<!doctype" in page.lower()

    response = client.get("/invoices?status=overdue&bucket=1_30", headers=HTMX)
    fragment = response.get_data(as_text=True)
    assert "HX-Request" in response.headers["Vary"]
    assert "<!doctype" not in fragment.lower()
    assert fragment.lstrip().startswith('<div id="results"')
    assert overdue.number in fragment

    # a boosted request gets the full page
    boosted = client.get("/invoices", headers={**HTMX, "HX-Boosted": "true"}).get_data(as_text=True)
    assert "<!doctype" in boosted.lower()

    search = client.get("/invoices?q=early&status=all").get_data(as_text=True)
    assert not_due.number in search and overdue.number not in search


def test_invoice_list_ignores_garbage_filters(client, logged_in):
    response = client.get("/invoices?status=zzz&bucket=%27;drop&sort=evil&page=-3&kind=alien")
    assert response.status_code == 200


def test_customer_page_and_contacts_edit(client, logged_in):
    customer = make_customer(name="Café Lumière", emails=["a@example.fr"])
    make_invoice(customer)
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "Café Lumière" in page and "a@example.fr" in page

    response = client.post(
        f"/customers/{customer.id}/contacts",
        data={
            "emails": "new@example.fr\nsecond@example.fr",
            "phone": "01 02",
            "address": "",
            "postcode": "",
            "city": "",
            "language": "en",
        },
        headers=HTMX,
    )
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="contacts"' in fragment and "new@example.fr" in fragment
    assert customer.email_addresses == ["new@example.fr", "second@example.fr"]
    assert customer.language == "en"

    bad = client.post(
        f"/customers/{customer.id}/contacts",
        data={
            "emails": "not-an-email",
            "phone": "",
            "address": "",
            "postcode": "",
            "city": "",
            "language": "fr",
        },
    )
    assert "not-an-email" in bad.get_data(as_text=True)
    assert customer.email_addresses == ["new@example.fr", "second@example.fr"]


def test_pause_and_resume_reminders(client, logged_in, app):
    customer = make_customer()
    until = TODAY + timedelta(days=10)
    response = client.post(
        f"/customers/{customer.id}/pause", data={"action": "pause", "until": until.isoformat()}
    )
    assert response.status_code == 303
    assert customer.reminders_paused_until == until
    client.post(f"/customers/{customer.id}/pause", data={"action": "resume"})
    assert customer.reminders_paused_until is None
    past = client.post(
        f"/customers/{customer.id}/pause", data={"action": "pause", "until": "2000-01-01"}
    )
    assert past.status_code == 303
    assert customer.reminders_paused_until is None


def test_record_manual_payment(client, logged_in):
    invoice = make_invoice(make_customer(), amount="100.00")
    response = client.post(
        f"/invoices/{invoice.id}/payments",
        data={
            "amount": "20,50".replace(",", "."),
            "paid_on": TODAY.isoformat(),
            "method": "cheque",
            "reference": "CHQ 1",
        },
    )
    assert response.status_code == 303
    assert invoice.outstanding_cents == 12000 - 2050
    too_much = client.post(
        f"/invoices/{invoice.id}/payments",
        data={"amount": "1000", "paid_on": TODAY.isoformat(), "method": "cheque", "reference": ""},
    )
    assert too_much.status_code == 422
    assert invoice.outstanding_cents == 12000 - 2050
    page = client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "CHQ 1" in page


def test_unknown_objects_are_404(client, logged_in):
    assert client.get("/customers/999").status_code == 404
    assert client.get("/invoices/999").status_code == 404


def test_settings_validate_iban(client, logged_in):
    from portal.services import organisation

    data = {
        "legal_name": "Atelier",
        "language": "fr",
        "payment_terms_days": "30",
        "penalty_margin_points": "10",
        "recovery_indemnity": "40",
        "iban": "FR76 3000 6000 0112 3456 7890 188",
    }
    response = client.post("/settings", data=data)
    assert response.status_code == 422
    assert "IBAN" in response.get_data(as_text=True)
    assert organisation.get().iban == "FR7630006000011234567890189"  # unchanged
    data["iban"] = "fr76 3000 6000 0112 3456 7890 189"
    data["charge_penalties"] = "y"
    response = client.post("/settings", data=data)
    assert response.status_code == 303
    org = organisation.get()
    assert (
        org.iban == "FR7630006000011234567890189"
        and org.penalty_margin_bp == 1000
        and org.recovery_indemnity_cents == 4000
    )


def test_security_headers_and_cookie(client, owner, auth):
    response = auth.login()
    assert "HttpOnly" in response.headers["Set-Cookie"]
    assert "SameSite=Lax" in response.headers["Set-Cookie"]
    page = client.get("/")
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]


def test_customer_list_filters_sorts_and_counts(client, logged_in):
    big = make_customer(name="Zeta Big", segment="PME")
    small = make_customer(name="Alpha Small", segment="PME")
    clean = make_customer(name="Mid Clean", segment="Particuliers", kind="consumer")
    make_invoice(big, amount="1000.00", issue_date=days_ago(50), due_date=days_ago(20))
    make_invoice(small, amount="10.00", issue_date=days_ago(50), due_date=days_ago(20))
    make_invoice(
        clean, amount="500.00", issue_date=days_ago(2), due_date=TODAY + timedelta(days=28)
    )

    def names(url):
        text = client.get(url, headers=HTMX).get_data(as_text=True)
        return [n for n in ("Zeta Big", "Alpha Small", "Mid Clean") if n in text], text

    found, text = names("/customers")
    assert found == ["Zeta Big", "Alpha Small", "Mid Clean"] and text.index(
        "Alpha Small"
    ) < text.index("Zeta Big")
    found, text = names("/customers?status=overdue&sort=-overdue")
    assert found == ["Zeta Big", "Alpha Small"] and text.index("Zeta Big") < text.index(
        "Alpha Small"
    )
    assert "1–2 of 2" in text or "1–2 sur 2" in text
    found, _ = names("/customers?status=owing")
    assert set(found) == {"Zeta Big", "Alpha Small", "Mid Clean"}
    found, _ = names("/customers?kind=consumer")
    assert found == ["Mid Clean"]
    found, _ = names("/customers?status=overdue&segment=PME&q=alpha")
    assert found == ["Alpha Small"]
    found, text = names("/customers?q=" + big.email_addresses[0][:8])
    assert "Zeta Big" in found


def test_invoice_page_shows_reminders_sent_and_planned(client, logged_in, app):
    from datetime import UTC, datetime
    from pathlib import Path
    from zoneinfo import ZoneInfo

    from portal.services.audit import Actor
    from portal.services.dunning import dunning_pass, scenarios
    from portal.services.dunning.dunning_settings import DunningSettings

    from ..conftest import NOW

    scenarios.install_defaults(now=NOW, actor=Actor.system())
    invoice = make_invoice(make_customer(), issue_date=days_ago(31), due_date=days_ago(1))
    settings = DunningSettings(
        timezone=ZoneInfo("Europe/Paris"),
        base_url="https://portal.example.test",
        link_days=30,
        instance_path=Path(app.instance_path),
    )
    dunning_pass.run_pass(
        datetime(2026, 11, 23, 9, tzinfo=UTC), settings
    )  # a Monday, 10:00 in Paris
    page = client.get(f"/invoices/{invoice.id}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "/outbox/" in page  # the reminder sent, with its message
    assert "planned" in page or "prévu" in page


def test_import_preview_says_how_many_new_customers_will_be_businesses(client, logged_in):
    import io

    content = b"ref,name,email,kind\nA,Alpha,a@example.com,\nB,Beta,b@example.com,\nC,Gamma,c@example.com,consumer\n"
    response = client.post(
        "/import/preview",
        data={"kind": "customers", "file": (io.BytesIO(content), "clients.csv")},
        content_type="multipart/form-data",
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="kind-missing"' in page
    assert "2 nouveaux clients n’ont pas de type" in page


def test_settings_speak_french_numbers_with_their_units(client, logged_in):
    from portal.services import organisation

    page = client.get("/settings").get_data(as_text=True)
    margin = page[page.index('id="penalty_margin_points"') :]
    assert 'value="10,00"' in margin[: margin.index(">")] and 'type="text"' in page
    indemnity = page[page.index('name="recovery_indemnity"') :]
    assert '<span class="unit">€</span>' in indemnity[:400]
    assert '<span class="unit">points</span>' in margin[:400]
    data = {
        "legal_name": "Atelier",
        "language": "fr",
        "payment_terms_days": "30",
        "penalty_margin_points": "12,50",
        "recovery_indemnity": "40,00",
        "plan_min_instalment": "1 500,00",
    }
    assert client.post("/settings", data=data).status_code == 303
    org = organisation.get()
    assert org.penalty_margin_bp == 1250 and org.recovery_indemnity_cents == 4000
    assert org.plan_min_instalment_cents == 150000
    data["recovery_indemnity"] = "quarante"
    response = client.post("/settings", data=data)
    assert response.status_code == 422
    assert "Saisissez un nombre" in response.get_data(as_text=True)


def test_invoice_page_names_why_a_reminder_was_skipped_in_the_readers_language(
    client, logged_in, app
):
    from datetime import UTC, datetime
    from pathlib import Path
    from zoneinfo import ZoneInfo

    from portal.models import DunningAction
    from portal.services.audit import Actor
    from portal.services.dunning import dunning_pass, scenarios
    from portal.services.dunning.dunning_settings import DunningSettings

    from ..conftest import NOW

    scenarios.install_defaults(now=NOW, actor=Actor.system())
    invoice = make_invoice(make_customer(emails=[]), issue_date=days_ago(31), due_date=days_ago(1))
    settings = DunningSettings(
        timezone=ZoneInfo("Europe/Paris"),
        base_url="https://portal.example.test",
        link_days=30,
        instance_path=Path(app.instance_path),
    )
    dunning_pass.run_pass(datetime(2026, 11, 23, 9, tzinfo=UTC), settings)
    reasons = {a.reason for a in DunningAction.query.filter_by(invoice_id=invoice.id)}
    assert reasons == {"due_date_passed", "no_email"}

    page = client.get(f"/invoices/{invoice.id}", headers={"Accept-Language": "fr"})

    text = page.get_data(as_text=True)
    assert "aucune adresse email valide" in text and "l’échéance est passée avant l’envoi" in text
    assert "no_email" not in text and "due_date_passed" not in text


def _settings_with_risk(threshold: str, scenario_id) -> dict:
    return {
        "legal_name": "Atelier",
        "language": "fr",
        "payment_terms_days": "30",
        "penalty_margin_points": "10",
        "recovery_indemnity": "40",
        "risk_threshold": threshold,
        "risk_scenario_id": str(scenario_id),
    }


def test_settings_save_and_check_the_risk_threshold_and_its_scenario(client, logged_in):
    from portal.services import organisation
    from portal.services.audit import Actor
    from portal.services.dunning import scenarios

    from ..conftest import NOW

    scenarios.install_defaults(now=NOW, actor=Actor.system())
    strict = scenarios.all_scenarios()[-1]
    page = client.get("/settings").get_data(as_text=True)
    assert 'name="risk_threshold"' in page and f'value="{strict.id}"' in page
    for threshold, scenario_id in (("0", strict.id), ("101", strict.id), ("50", 999), ("50", "")):
        response = client.post("/settings", data=_settings_with_risk(threshold, scenario_id))
        assert response.status_code == 422, (threshold, scenario_id)
        assert organisation.get().risk_threshold is None
    response = client.post("/settings", data=_settings_with_risk("70", strict.id))
    assert response.status_code == 303
    org = organisation.get()
    assert (org.risk_threshold, org.risk_scenario_id) == (70, strict.id)
    assert client.post("/settings", data=_settings_with_risk("", "")).status_code == 303
    assert (org.risk_threshold, org.risk_scenario_id) == (None, None)


def test_customer_page_says_when_the_risk_score_chose_the_scenario(client, logged_in):
    from portal.extensions import db
    from portal.models import CustomerRisk
    from portal.services import organisation
    from portal.services.audit import Actor
    from portal.services.dunning import scenarios

    from ..conftest import NOW

    scenarios.install_defaults(now=NOW, actor=Actor.system())
    strict = scenarios.all_scenarios()[-1]
    organisation.update(
        {"risk_threshold": 50, "risk_scenario_id": strict.id}, actor=Actor.system(), now=NOW
    )
    customer = make_customer()
    db.session.add(
        CustomerRisk(customer_id=customer.id, currency="EUR", computed_on=TODAY, score=72)
    )
    db.session.commit()
    page = client.get(f"/customers/{customer.id}", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert f"({strict.name})" in text and "payer-risk score (72)" in text and "(50)" in text
