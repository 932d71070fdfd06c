"""Editing reminder scenarios in the dashboard."""

from portal.extensions import db
from portal.models import OutboxMessage, Scenario, ScenarioStep, StepTemplate
from portal.services.audit import Actor
from portal.services.dunning import scenarios

from ..conftest import NOW
from ..factories import days_ago, make_customer, make_invoice

HTMX = {"HX-Request": "true"}


def _business(app):
    scenarios.install_defaults(now=NOW, actor=Actor.system())
    return db.session.query(Scenario).filter_by(customer_kind="business").one()


def test_list_and_show(client, logged_in, app):
    scenario = _business(app)
    page = client.get("/scenarios").get_data(as_text=True)
    assert "Professionnels" in page and "Particuliers" in page
    page = client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
    assert "J+30" in page and "J-3" in page  # jour J: the French for day D


def test_edit_template_and_preview_for_a_real_customer(client, logged_in, app):
    scenario = _business(app)
    step = next(s for s in scenario.steps if s.name == "First reminder")
    customer = make_customer(name="Garage Durand")
    invoice = make_invoice(
        customer, amount="100.00", issue_date=days_ago(40), due_date=days_ago(10)
    )
    response = client.post(
        f"/scenarios/{scenario.id}/steps/{step.id}/preview",
        data={
            "language": "fr",
            "customer_id": customer.id,
            "subject": "Bonjour {{ customer.name }}",
            "text_body": "Vous devez {{ total_due }} pour {{ invoices[0].number }}.",
            "html_body": "",
        },
        headers=HTMX,
    )
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="preview"')
    assert (
        "Bonjour Garage Durand" in fragment
        and "120,00\u00a0€" in fragment
        and invoice.number in fragment
    )

    response = client.post(
        f"/scenarios/{scenario.id}/steps/{step.id}?language=en",
        data={
            "language": "en",
            "name": step.name,
            "day_offset": "2",
            "kind": "email",
            "subject": "Hello {{ customer.name }}",
            "text_body": "Pay here: {{ portal_link }}",
            "html_body": "",
        },
    )
    assert response.status_code == 303
    template = db.session.query(StepTemplate).filter_by(step_id=step.id, language="en").one()
    assert template.subject == "Hello {{ customer.name }}" and step.day_offset == 2


def test_broken_or_malicious_template_is_refused_at_save(client, logged_in, app):
    scenario = _business(app)
    step = next(s for s in scenario.steps if s.name == "First reminder")
    before = step.template_for("fr").text_body
    for body in (
        "{{ customer.name ",  # syntax error
        "{{ unknown_variable }}",  # typo
        "{{ customer.__class__.__mro__[1].__subclasses__() }}",  # Python internals
        "{{ ''.__class__.__base__ }}",
    ):
        response = client.post(
            f"/scenarios/{scenario.id}/steps/{step.id}?language=fr",
            data={
                "language": "fr",
                "name": step.name,
                "day_offset": "1",
                "kind": "email",
                "subject": "Relance",
                "text_body": body,
                "html_body": "",
            },
        )
        assert response.status_code == 422, body
        db.session.refresh(step.template_for("fr"))
        assert step.template_for("fr").text_body == before


def test_add_move_remove_steps(client, logged_in, app):
    scenario = _business(app)
    response = client.post(
        f"/scenarios/{scenario.id}/steps",
        data={"name": "Phone call", "day_offset": "20", "kind": "task"},
    )
    assert response.status_code == 303
    names = [
        s.name
        for s in sorted((s for s in scenario.steps if not s.archived), key=lambda s: s.day_offset)
    ]
    assert names.index("Phone call") == names.index("Third reminder") + 1
    call = next(s for s in scenario.steps if s.name == "Phone call")
    assert {t.language for t in call.templates} == {"fr", "en"}
    client.post(f"/scenarios/{scenario.id}/steps/{call.id}/move", data={"direction": "up"})
    third = next(s for s in scenario.steps if s.name == "Third reminder")
    assert (call.day_offset, third.day_offset) == (15, 20)
    client.post(f"/scenarios/{scenario.id}/steps/{call.id}/remove")
    assert call.archived
    assert "Phone call" not in client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
    bad = client.post(
        f"/scenarios/{scenario.id}/steps", data={"name": "", "day_offset": "x", "kind": "email"}
    )
    assert bad.status_code == 303
    assert len([s for s in scenario.steps if not s.archived]) == 6


def test_send_me_a_test(client, logged_in, app):
    scenario = _business(app)
    step = next(s for s in scenario.steps if s.name == "Second reminder")
    customer = make_customer()
    make_invoice(customer, issue_date=days_ago(40), due_date=days_ago(10))
    response = client.post(
        f"/scenarios/{scenario.id}/steps/{step.id}/test",
        data={"language": "fr", "customer_id": customer.id},
    )
    assert response.status_code == 303
    message = db.session.query(OutboxMessage).one()
    assert message.to_addresses == ["owner@example.com"] and message.subject.startswith("[TEST]")
    assert "40,00\u00a0€" in message.text_body  # the indemnity, formatted in French


def test_other_scenarios_steps_are_404(client, logged_in, app):
    scenario = _business(app)
    other = db.session.query(Scenario).filter_by(customer_kind="consumer").one()
    step = other.steps[0]
    assert client.get(f"/scenarios/{scenario.id}/steps/{step.id}").status_code == 404
    assert client.get("/scenarios/999").status_code == 404


def test_choose_a_customers_scenario(client, logged_in, app):
    business = _business(app)
    consumer = db.session.query(Scenario).filter_by(customer_kind="consumer").one()
    customer = make_customer()
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "Professionnels" in page  # the automatic choice is named
    assert (
        client.post(
            f"/customers/{customer.id}/scenario", data={"scenario_id": consumer.id}
        ).status_code
        == 303
    )
    assert customer.scenario_id == consumer.id
    assert scenarios.for_customer(customer).id == consumer.id
    client.post(f"/customers/{customer.id}/scenario", data={"scenario_id": ""})
    assert customer.scenario_id is None and scenarios.for_customer(customer).id == business.id
    assert (
        client.post(f"/customers/{customer.id}/scenario", data={"scenario_id": "999"}).status_code
        == 404
    )


def test_a_refused_template_leaves_the_whole_step_as_it_was(client, logged_in, app):
    """The step's day and name and its template are saved together or not at all."""
    scenario = _business(app)
    step = next(s for s in scenario.steps if s.name == "First reminder")
    step_id, day_before, name_before = step.id, step.day_offset, step.name
    response = client.post(
        f"/scenarios/{scenario.id}/steps/{step_id}?language=fr",
        data={
            "language": "fr",
            "name": "Renamed",
            "day_offset": str(day_before + 5),
            "kind": "email",
            "subject": "Relance",
            "text_body": "{{ unknown_variable }}",
            "html_body": "",
        },
    )
    assert response.status_code == 422
    db.session.expire_all()
    saved = db.session.get(ScenarioStep, step_id)
    assert (saved.day_offset, saved.name) == (day_before, name_before)


def test_template_errors_say_where_and_what_in_french(client, logged_in, app):
    scenario = _business(app)
    step = scenario.steps[1]
    url = f"/scenarios/{scenario.id}/steps/{step.id}?language=fr"
    form = {
        "language": "fr",
        "name": step.name,
        "day_offset": str(step.day_offset),
        "kind": "email",
        "subject": "Relance",
        "html_body": "",
    }
    typo = client.post(url, data={**form, "text_body": "Bonjour,\n\n{{ custmer.name }}"})
    page = typo.get_data(as_text=True)
    assert "Message, ligne 3 : « custmer » n’est pas une variable que vous pouvez utiliser." in page
    assert "undefined" not in page
    unclosed = client.post(url, data={**form, "text_body": "Bonjour {{ customer.name "})
    page = unclosed.get_data(as_text=True)
    assert "Vérifiez les marques {{ }}" in page and "expected token" not in page


def _save(client, scenario, step, body: str, language: str = "fr"):
    return client.post(
        f"/scenarios/{scenario.id}/steps/{step.id}?language={language}",
        data={
            "language": language,
            "name": step.name,
            "day_offset": str(step.day_offset),
            "kind": "email",
            "subject": "Relance",
            "text_body": body,
            "html_body": "",
        },
    )


def test_a_template_failing_only_for_some_real_customers_is_refused_naming_one(
    client, logged_in, app
):
    scenario = _business(app)
    step = next(s for s in scenario.steps if s.name == "First reminder")
    two = make_customer(name="Garage Durand", language="fr")
    make_invoice(two, issue_date=days_ago(50), due_date=days_ago(20))
    make_invoice(two, issue_date=days_ago(45), due_date=days_ago(15))
    one = make_customer(name="Fleuriste Rose", language="fr")
    make_invoice(one, issue_date=days_ago(50), due_date=days_ago(20))
    english = make_customer(name="Corner Shop", language="en")
    make_invoice(english, issue_date=days_ago(50), due_date=days_ago(20))
    # Passes the sample data (one invoice) and fails for a customer with exactly two.
    poisoned = "{% if invoices|length > 1 %}{{ invoices[2].number }}{% endif %}"

    response = _save(client, scenario, step, poisoned)

    assert response.status_code == 422
    alert = response.get_data(as_text=True).split('role="alert">')[-1].split("</p>")[0]
    assert "Garage Durand" in alert and "Fleuriste Rose" not in alert
    # An English template is tried on English-speaking customers: none has two invoices.
    assert _save(client, scenario, step, poisoned, language="en").status_code == 303
    assert step.template_for("en").text_body == poisoned


def test_a_looping_template_is_refused_at_save_within_the_budget(client, logged_in, app):
    scenario = _business(app)
    step = next(s for s in scenario.steps if s.name == "First reminder")
    loop = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    response = _save(client, scenario, step, loop)
    assert response.status_code == 422
    alert = response.get_data(as_text=True).split('role="alert">')[-1].split("</p>")[0]
    assert "trop long à composer" in alert
