"""Formal notices by post: what the letter says, what the pass prepares, the date that counts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    ActionStatus,
    CustomerKind,
    DunningAction,
    MessageStatus,
    NoticeLetter,
    OutboxMessage,
    ScenarioStep,
    StepKind,
    Task,
    TaskStatus,
)
from portal.services import timeline
from portal.services.audit import Actor
from portal.services.claims.notices import formal_notice_sent_on
from portal.services.dunning import dunning_pass, notice_letters, scenarios
from portal.services.dunning.dunning_settings import DunningSettings
from portal.services.errors import NotFound

from ..factories import make_customer, make_invoice, make_organisation
from .test_letters import DEADLINE, LINK, pdf_text

PARIS = ZoneInfo("Europe/Paris")
MONDAY = date(2026, 3, 2)
OWNER = Actor.cli()


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=PARIS).astimezone(UTC)


@pytest.fixture
def org(app):
    return make_organisation(trade_name="Atelier Dupont")


@pytest.fixture
def settings(app, org, tmp_path) -> DunningSettings:
    """Scenarios reduced to their formal notice step, so one pass sends it."""
    scenarios.install_defaults(now=at(MONDAY), actor=Actor.system())
    for step in db.session.scalars(select(ScenarioStep)):
        step.archived = step.kind is not StepKind.FORMAL_NOTICE
    db.session.commit()
    return DunningSettings(
        timezone=PARIS,
        base_url="https://portal.example.test",
        link_days=90,
        instance_path=Path(tmp_path),
    )


def overdue_customer(**kw):
    customer = make_customer(name="Garage Durand", address="3 rue Neuve", city="Lyon", **kw)
    invoice = make_invoice(
        customer, issue_date=MONDAY - timedelta(days=80), due_date=MONDAY - timedelta(days=50)
    )
    return customer, invoice


@pytest.mark.parametrize(
    ("sent_by", "mention"),
    [
        ("email", "ENVOYÉE PAR COURRIEL"),
        ("post", "LETTRE RECOMMANDÉE AVEC ACCUSÉ DE RÉCEPTION"),
        ("both", "LETTRE RECOMMANDÉE AVEC ACCUSÉ DE RÉCEPTION, COPIE ENVOYÉE PAR COURRIEL"),
    ],
)
def test_the_letter_says_how_it_is_sent(org, sent_by, mention):
    from portal.services.documents import formal_notice_letter

    customer, invoice = overdue_customer()
    pdf = formal_notice_letter.formal_notice_pdf(
        org,
        customer,
        [invoice],
        today=MONDAY,
        now=at(MONDAY),
        deadline=DEADLINE,
        portal_link=LINK,
        sent_by=sent_by,
    )
    text = pdf_text(pdf)
    assert mention in text
    if sent_by == "email":
        assert "RECOMMANDÉE" not in text


def test_emailed_notices_say_so_in_their_attachment(settings, org):
    customer, invoice = overdue_customer()

    dunning_pass.run_pass(at(MONDAY), settings)

    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.kind == "formal_notice"
    [attachment] = message.attachments
    text = pdf_text((settings.instance_path / attachment["path"]).read_bytes())
    assert "ENVOYÉE PAR COURRIEL" in text and "RECOMMANDÉE" not in text
    assert db.session.scalars(select(NoticeLetter)).all() == []


def test_by_post_only_the_pass_prepares_the_letter_and_a_task_instead_of_an_email(settings, org):
    org.formal_notice_channel = "post"
    db.session.commit()
    customer, invoice = overdue_customer()

    result = dunning_pass.run_pass(at(MONDAY), settings)

    assert (result.emails, result.tasks) == (0, 1)
    assert result.lines[0].outcome == "letter to post"
    assert db.session.scalars(select(OutboxMessage)).all() == []
    letter = db.session.scalars(select(NoticeLetter)).one()
    assert (letter.customer_id, letter.posted_on) == (customer.id, None)
    text = pdf_text(
        notice_letters.stored_letter(customer, letter.id, settings.instance_path).read_bytes()
    )
    assert "LETTRE RECOMMANDÉE AVEC ACCUSÉ DE RÉCEPTION" in text and "COURRIEL" not in text
    assert "https://portal.example.test/link?reason=missing" in text
    task = db.session.scalars(select(Task)).one()
    assert (task.kind, task.object_type, task.object_id) == (
        "formal_notice_post",
        "notice_letter",
        letter.id,
    )
    assert task.title == "Poster la mise en demeure à Garage Durand"
    action = db.session.scalars(select(DunningAction)).one()
    assert (action.status, action.task_id, action.message_id) == (ActionStatus.SENT, task.id, None)
    assert formal_notice_sent_on(customer) is None  # prepared is not posted


def test_by_post_only_a_customer_without_an_email_address_still_gets_the_letter(settings, org):
    org.formal_notice_channel = "post"
    db.session.commit()
    customer, invoice = overdue_customer(emails=[])

    dunning_pass.run_pass(at(MONDAY), settings)

    assert db.session.scalars(select(NoticeLetter)).one().customer_id == customer.id


def test_both_ways_the_email_goes_and_the_letter_waits_to_be_posted(settings, org):
    org.formal_notice_channel = "both"
    db.session.commit()
    customer, invoice = overdue_customer()

    dunning_pass.run_pass(at(MONDAY), settings)

    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.kind == "formal_notice"
    letter = db.session.scalars(select(NoticeLetter)).one()
    task = db.session.scalars(select(Task)).one()
    action = db.session.scalars(select(DunningAction)).one()
    assert (action.message_id, action.task_id) == (message.id, task.id)
    [attachment] = message.attachments
    emailed = pdf_text((settings.instance_path / attachment["path"]).read_bytes())
    assert "COPIE ENVOYÉE PAR COURRIEL" in emailed
    assert letter.letter_path


def test_recording_the_posting_closes_the_task_and_shows_in_both_timelines(settings, org):
    org.formal_notice_channel = "post"
    db.session.commit()
    customer, invoice = overdue_customer(kind=CustomerKind.CONSUMER)
    dunning_pass.run_pass(at(MONDAY), settings)
    letter = db.session.scalars(select(NoticeLetter)).one()

    notice_letters.record_posted(
        customer,
        letter_id=letter.id,
        posted_on=MONDAY + timedelta(days=1),
        registered=True,
        tracking_number=" 1a 234 567 8901 2 ",
        actor=OWNER,
        now=at(MONDAY + timedelta(days=2)),
        today=MONDAY + timedelta(days=2),
    )
    db.session.commit()

    assert (letter.posted_on, letter.tracking_number) == (date(2026, 3, 3), "1A 234 567 8901 2")
    assert db.session.scalars(select(Task)).one().status is TaskStatus.DONE
    for events in (timeline.for_customer(customer.id), timeline.for_debtor(customer.id)):
        [event] = [e for e in events if e.action == "formal_notice.posted"]
        assert event.details["posted_on"] == "2026-03-03"
        assert event.details["tracking_number"] == "1A 234 567 8901 2"
    assert formal_notice_sent_on(customer) == date(2026, 3, 3)


def test_a_letter_cannot_be_posted_twice_nor_in_the_future_nor_for_another_customer(settings, org):
    customer, _ = overdue_customer()
    other, _ = overdue_customer()
    letter = notice_letters.record_posted(
        customer,
        posted_on=MONDAY,
        registered=False,
        tracking_number="",
        actor=OWNER,
        now=at(MONDAY),
        today=MONDAY,
    )
    with pytest.raises(notice_letters.PostingRefused):
        notice_letters.record_posted(
            customer,
            letter_id=letter.id,
            posted_on=MONDAY,
            registered=True,
            tracking_number="",
            actor=OWNER,
            now=at(MONDAY),
            today=MONDAY,
        )
    with pytest.raises(notice_letters.PostingRefused):
        notice_letters.record_posted(
            customer,
            posted_on=MONDAY + timedelta(days=1),
            registered=True,
            tracking_number="",
            actor=OWNER,
            now=at(MONDAY),
            today=MONDAY,
        )
    with pytest.raises(NotFound):
        notice_letters.record_posted(
            other,
            letter_id=letter.id,
            posted_on=MONDAY,
            registered=True,
            tracking_number="",
            actor=OWNER,
            now=at(MONDAY),
            today=MONDAY,
        )


def test_the_earliest_of_an_email_sent_and_a_letter_posted_counts(settings, org):
    customer, _ = overdue_customer()
    assert formal_notice_sent_on(customer) is None
    dunning_pass.run_pass(at(MONDAY), settings)
    message = db.session.scalars(select(OutboxMessage)).one()
    assert formal_notice_sent_on(customer) is None  # queued, not sent

    message.status, message.sent_at = MessageStatus.SENT, datetime(2026, 3, 4, 23, 30, tzinfo=UTC)
    db.session.commit()
    assert formal_notice_sent_on(customer) == date(2026, 3, 5)  # already the 5th in Paris

    notice_letters.record_posted(
        customer,
        posted_on=date(2026, 3, 3),
        registered=True,
        tracking_number="",
        actor=OWNER,
        now=at(MONDAY + timedelta(days=3)),
        today=MONDAY + timedelta(days=3),
    )
    assert formal_notice_sent_on(customer) == date(2026, 3, 3)
    other, _ = overdue_customer()
    assert formal_notice_sent_on(other) is None
