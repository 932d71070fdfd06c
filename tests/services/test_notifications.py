"""Telling the debtor, telling the creditor, asking the creditor: the rules every use case shares."""

import ast
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask_babel import gettext
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AccessLink, AuditEvent, OutboxMessage, Task, TaskStatus
from portal.services import links, notifications
from portal.services.audit import Actor

from ..conftest import NOW, TODAY
from ..factories import make_customer, make_organisation

BASE_URL = "https://portal.example.test"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def bounced(customer, address: str) -> None:
    next(e for e in customer.emails if e.email == address).undeliverable = True


def fresh_link(customer, link, **kw):
    return notifications.tell_debtor(
        customer,
        "fresh_link",
        now=NOW,
        link=link,
        expires_at=NOW + timedelta(days=30),
        **kw,
    )


def receipt(customer):
    payment = SimpleNamespace(
        amount_cents=12_345, currency="EUR", date=TODAY, method="card", reference="pi_42"
    )
    return notifications.tell_debtor(
        customer, "receipt", now=NOW, link=None, payment=payment, lines=[], excess_cents=0
    )


def test_the_debtor_is_written_to_in_their_language_with_a_fresh_link(app):
    make_organisation(contact_email="recouvrement@atelier-dupont.fr")
    customer = make_customer(language="en", emails=["ap@client.example", "old@client.example"])
    bounced(customer, "old@client.example")

    message = fresh_link(customer, notifications.PortalLink(BASE_URL, 30))

    assert message.to_addresses == ["ap@client.example"]
    assert message.reply_to == "recouvrement@atelier-dupont.fr"
    assert message.customer_id == customer.id and message.kind == "fresh_link"
    assert message.subject == "Your access link to your account with Atelier Dupont SARL"
    assert "Atelier Dupont SARL" in message.html_body
    assert f"{BASE_URL}/p/[personal-link]" in message.text_body
    link = message.link
    assert link.token_hash is None and link.nonce, "made when the email is delivered"
    token = links.activate(link, "test-secret-key")
    assert links.resolve(token, now=NOW) is link
    assert link.customer_id == customer.id and link.purpose == "fresh_link"
    assert link.expires_at == NOW + timedelta(days=30)
    created = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "link.created"))
    assert created.actor == "system" and created.details["purpose"] == "fresh_link"


def test_a_french_customer_reads_french_and_the_link_keeps_its_purpose(app):
    make_organisation()
    customer = make_customer(language="fr")

    message = fresh_link(customer, notifications.PortalLink(BASE_URL, 7, purpose="manual"))

    assert message.subject == "Votre lien d’accès à votre compte chez Atelier Dupont SARL"
    assert db.session.scalar(select(AccessLink.purpose)) == "manual"


def test_an_email_without_a_link_makes_none(app):
    make_organisation()
    customer = make_customer(language="en")

    message = receipt(customer)

    assert message.subject.startswith("Receipt for your payment of €123.45")
    assert "/p/" not in message.text_body and "/p/" not in message.html_body
    assert count(AccessLink) == 0


def test_recipients_can_be_narrowed_to_one_address(app):
    make_organisation()
    customer = make_customer(emails=["a@client.example", "b@client.example"])

    message = fresh_link(customer, notifications.PortalLink(BASE_URL, 30), to=["b@client.example"])

    assert message.to_addresses == ["b@client.example"]


def test_no_deliverable_address_means_no_email_and_no_link(app):
    make_organisation()
    customer = make_customer(emails=["gone@client.example"])
    bounced(customer, "gone@client.example")

    assert fresh_link(customer, notifications.PortalLink(BASE_URL, 30)) is None
    assert count(OutboxMessage) == count(AccessLink) == 0


def test_without_an_organisation_there_is_no_reply_to(app):
    customer = make_customer(language="en")

    assert receipt(customer).reply_to == ""


def test_an_unknown_kind_is_refused_before_anything_is_written(app):
    make_organisation()
    customer = make_customer()

    with pytest.raises(ValueError):
        notifications.tell_debtor(
            customer, "newsletter", now=NOW, link=notifications.PortalLink(BASE_URL, 30)
        )
    assert count(OutboxMessage) == count(AccessLink) == 0


def test_the_email_belongs_to_the_callers_transaction(app):
    make_organisation()
    customer = make_customer()

    fresh_link(customer, notifications.PortalLink(BASE_URL, 30))
    db.session.rollback()

    assert count(OutboxMessage) == count(AccessLink) == 0


def test_the_creditor_is_written_to_at_the_contact_address_in_their_language(app):
    make_organisation(contact_email="compta@atelier-dupont.fr", language="fr")
    customer = make_customer(language="en", name="Garage Martin")
    message = SimpleNamespace(body="Can I pay next week?", attachments=[])

    sent = notifications.tell_creditor(
        "message_to_creditor",
        now=NOW,
        customer=customer,
        reply_to="ap@garage.example",
        message=message,
        url=f"{BASE_URL}/customers/{customer.id}/messages",
    )

    assert sent.to_addresses == ["compta@atelier-dupont.fr"]
    assert sent.subject == "Nouveau message de Garage Martin"
    assert sent.reply_to == "ap@garage.example" and sent.customer_id == customer.id
    assert "Can I pay next week?" in sent.text_body
    assert count(AccessLink) == 0


def test_a_creditor_without_a_contact_address_gets_no_email(app):
    make_organisation(contact_email="")
    customer = make_customer()

    sent = notifications.tell_creditor(
        "message_to_creditor",
        now=NOW,
        customer=customer,
        message=SimpleNamespace(body="Hello", attachments=[]),
        url=BASE_URL,
    )

    assert sent is None and count(OutboxMessage) == 0


def test_the_creditor_language_is_the_organisations_and_french_by_default(app):
    organisation = make_organisation(language="en")
    with notifications.creditor_language() as language:
        assert (language, gettext("Hello,")) == ("en", "Hello,")
    db.session.delete(organisation)
    with notifications.creditor_language() as language:
        assert (language, gettext("Hello,")) == ("fr", "Bonjour,")


def test_asking_the_creditor_makes_an_open_task_about_an_object(app):
    customer = make_customer()

    task = notifications.ask_creditor(
        "dispute",
        "x" * 400,
        now=NOW,
        due_date=TODAY,
        about=("dispute", 7),
        customer_id=customer.id,
        body="Why?",
        actor=Actor.debtor(customer),
    )

    stored = db.session.get(Task, task.id)
    assert (stored.kind, stored.status, stored.due_date) == ("dispute", TaskStatus.OPEN, TODAY)
    assert stored.title == "x" * 300 and stored.body == "Why?"
    assert (stored.object_type, stored.object_id, stored.customer_id) == ("dispute", 7, customer.id)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "task.created"))
    assert event.actor == f"debtor:{customer.id} {customer.ref}" and event.object_id == task.id


def test_the_portal_asks_when_no_one_else_does(app):
    task = notifications.ask_creditor("undeliverable", "Check the address", now=NOW, due_date=TODAY)

    assert (task.object_type, task.object_id, task.customer_id) == ("", None, None)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "task.created"))
    assert event.actor == "system"


def test_a_test_message_goes_to_the_chosen_address_and_no_customer(app):
    sent = notifications.send_test(
        "me@atelier-dupont.fr",
        "First reminder",
        "Text",
        "<p>Html</p>",
        now=NOW,
        reply_to="compta@atelier-dupont.fr",
    )
    db.session.flush()

    row = db.session.get(OutboxMessage, sent.id)
    assert (row.kind, row.to_addresses, row.subject) == (
        "test",
        ["me@atelier-dupont.fr"],
        "[TEST] First reminder",
    )
    assert row.customer_id is None and row.reply_to == "compta@atelier-dupont.fr"


# ---------------------------------------------------------------- the architecture rule

PORTAL = Path(__file__).resolve().parents[2] / "portal"
OUTBOX_MODULE = "portal.services.mail.outbox"
#: Who may queue email directly: this service, the mail package itself, and the
#: dunning pass, which builds its reminders in bulk from precompiled templates.
MAY_QUEUE = ("services/notifications", "services/mail/", "services/dunning/pass_writer.py")


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def uses_of(tree: ast.Module, module: str, functions: set[str]) -> list[int]:
    """Lines that reach `module`'s `functions`, however the module or functions were imported."""
    package, _, name = module.rpartition(".")
    modules, direct = {module}, set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == package:
            modules |= {a.asname or a.name for a in node.names if a.name == name}
        elif isinstance(node, ast.ImportFrom) and node.module == module:
            direct |= {a.asname or a.name for a in node.names if a.name in functions}
        elif isinstance(node, ast.Import):
            modules |= {a.asname for a in node.names if a.name == module and a.asname}
    return [
        node.lineno
        for node in ast.walk(tree)
        if (
            isinstance(node, ast.Attribute)
            and node.attr in functions
            and _dotted(node.value) in modules
        )
        or (isinstance(node, ast.Name) and node.id in direct)
    ]


def offenders(module: str, functions: set[str], allowed: tuple[str, ...]) -> dict[str, list]:
    found = {}
    for path in sorted(PORTAL.rglob("*.py")):
        lines = uses_of(ast.parse(path.read_text(), str(path)), module, functions)
        name = path.relative_to(PORTAL).as_posix()
        if lines and not name.startswith(allowed):
            found[name] = lines
    return found


def test_the_rule_sees_every_way_of_reaching_the_outbox():
    def queues(source: str) -> bool:
        return bool(uses_of(ast.parse(source), OUTBOX_MODULE, {"queue", "queue_template"}))

    assert queues("from portal.services.mail import outbox\noutbox.queue(kind='x')")
    assert queues("from portal.services.mail import outbox as box\nbox.queue_template('x')")
    assert queues("from portal.services.mail.outbox import queue_template as q\nq('x')")
    assert queues("import portal.services.mail.outbox\nportal.services.mail.outbox.queue()")
    assert not queues("from portal.services.mail import outbox\noutbox.recent()")
    assert not queues("from portal.services import tasks\ntasks.queue()")


def test_only_the_notifications_service_queues_email():
    """Every other use case tells people through it, so the rules cannot drift apart."""
    queueing = {"queue", "queue_template", "message_row"}
    assert offenders(OUTBOX_MODULE, queueing, MAY_QUEUE) == {}
    allowed_users = offenders(OUTBOX_MODULE, queueing, ())
    assert {"services/notifications.py", "services/dunning/pass_writer.py"} <= set(allowed_users)


def test_only_the_notifications_service_creates_tasks():
    """Every use case asks the creditor the same way: title length, actor, the object decided."""
    assert offenders("portal.services.tasks", {"create"}, ("services/notifications",)) == {}
    assert set(offenders("portal.services.tasks", {"create"}, ())) == {"services/notifications.py"}
