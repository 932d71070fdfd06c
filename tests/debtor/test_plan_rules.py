"""The creditor's plan rules up front, a preview that follows the input, advice per rule."""

from portal.extensions import db
from portal.services import organisation

from .test_plans import form, setup_two

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/account/plans/new"}


def set_rules(**values):
    org = organisation.get()
    for name, value in values.items():
        setattr(org, name, value)
    db.session.commit()


def preview(client, invoice, **overrides) -> str:
    response = client.post(
        "/account/plans/preview", data=form([invoice], **overrides), headers=HTMX
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_rules_that_are_set_are_shown_above_the_form(app, owner, debtor_client):
    set_rules(
        plan_max_instalments=4,
        plan_max_days=90,
        plan_min_instalment_cents=7500,
        plan_min_down_payment_pct=20,
    )
    client, *_ = setup_two(debtor_client)
    page = client.get("/account/plans/new").get_data(as_text=True)
    rules = page[page.index('id="plan-rules"') : page.index("</ul>", page.index('id="plan-rules"'))]
    assert "4 échéances" in rules or "4 instalments" in rules
    assert "90" in rules
    assert "75,00" in rules or "75.00" in rules
    assert "20" in rules
    assert page.index('id="plan-rules"') < page.index('class="plan-form"')


def test_only_the_rules_that_are_set_are_shown(app, owner, debtor_client):
    set_rules(plan_min_instalment_cents=0, plan_min_down_payment_pct=0)
    client, *_ = setup_two(debtor_client)
    page = client.get("/account/plans/new").get_data(as_text=True)
    rules = page[page.index('id="plan-rules"') : page.index("</ul>", page.index('id="plan-rules"'))]
    assert rules.count("<li>") == 2


def test_more_than_the_maximum_shows_the_maximum_and_no_schedule(app, owner, debtor_client):
    set_rules(plan_max_instalments=6)
    client, _, _, invoice, _ = setup_two(debtor_client)
    assert "<tbody>" in preview(client, invoice, count="3")
    body = preview(client, invoice, count="7")
    assert "6 échéances" in body or "6 instalments" in body
    assert "<tr>" not in body and "plan-schedule" not in body
    assert "333,3" not in body and "142,8" not in body


def test_any_broken_rule_leaves_no_schedule_on_screen(app, owner, debtor_client):
    set_rules(plan_max_days=30)
    client, _, _, invoice, _ = setup_two(debtor_client)
    body = preview(client, invoice, count="3")
    assert "30" in body and "plan-schedule" not in body


def test_a_too_small_first_payment_is_told_the_minimum_first_payment(app, owner, debtor_client):
    set_rules(plan_min_instalment_cents=5000, plan_min_down_payment_pct=0)
    client, _, _, invoice, _ = setup_two(debtor_client)
    body = preview(client, invoice, count="3", down_payment="10")
    assert "fewer instalments" not in body and "moins d’échéances" not in body
    assert "moins d'échéances" not in body
    assert "first payment" in body or "premier paiement" in body
    assert "50,00" in body or "50.00" in body
    assert "plan-schedule" not in body


def test_a_first_payment_below_the_percentage_names_that_minimum(app, owner, debtor_client):
    set_rules(plan_min_instalment_cents=5000, plan_min_down_payment_pct=30)
    client, _, _, invoice, _ = setup_two(debtor_client)
    body = preview(client, invoice, count="3", down_payment="100")
    assert "fewer instalments" not in body and "moins d" not in body
    assert "300,01" in body or "300.01" in body


def test_too_small_instalments_are_told_to_choose_fewer(app, owner, debtor_client):
    set_rules(plan_max_instalments=60, plan_max_days=1095, plan_min_instalment_cents=5000)
    client, _, _, invoice, _ = setup_two(debtor_client)
    body = preview(client, invoice, count="30")
    assert "fewer instalments" in body or "moins d" in body
