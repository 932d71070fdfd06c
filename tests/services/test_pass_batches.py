"""The pass writes a batch of customers at once and falls back to one customer at a time."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert, select, text

from portal.extensions import db
from portal.models import AccessLink, ActionStatus, AuditEvent, DunningAction, OutboxMessage
from portal.services import planner_statistics
from portal.services.audit import Actor
from portal.services.dunning import dunning_pass, pass_data, scenarios
from portal.services.dunning.dunning_settings import DunningSettings

from ..factories import make_customer, make_invoice, make_organisation

PARIS = ZoneInfo("Europe/Paris")
MONDAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 10, tzinfo=PARIS).astimezone(UTC)


@pytest.fixture
def settings(app, tmp_path) -> DunningSettings:
    make_organisation()
    scenarios.install_defaults(now=NOW, actor=Actor.system())
    return DunningSettings(
        timezone=PARIS,
        base_url="https://portal.example.test",
        link_days=90,
        instance_path=Path(tmp_path),
    )


def late_customers(count: int):
    made = []
    for n in range(count):
        customer = make_customer(ref=f"B{n:03d}", emails=[f"b{n}@example.com"])
        invoices = [
            make_invoice(
                customer,
                number=f"B{n:03d}-{k}",
                issue_date=MONDAY - timedelta(days=31 + k),
                due_date=MONDAY - timedelta(days=1 + k),
            )
            for k in range(2)
        ]
        made.append((customer, invoices))
    return made


def test_a_batch_writes_each_customer_a_link_a_message_an_event_and_actions(settings):
    made = late_customers(5)

    result = dunning_pass.run_pass(NOW, settings)

    assert result.emails == 5
    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [m.customer_id for m in messages] == [c.id for c, _ in made]
    for message in messages:
        link = db.session.get(AccessLink, message.link_id)
        assert link.customer_id == message.customer_id and link.nonce and link.purpose == "reminder"
        assert "/p/[personal-link]" in message.text_body
        actions = db.session.scalars(
            select(DunningAction).where(DunningAction.message_id == message.id)
        ).all()
        assert len(actions) == 2 and {a.status for a in actions} == {ActionStatus.SENT}
        assert {a.customer_id for a in actions} == {message.customer_id}
        event = db.session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "reminder.queued", AuditEvent.object_id == message.id
            )
        )
        assert event.customer_id == message.customer_id
        numbers = {
            i.number for c, invoices in made if c.id == message.customer_id for i in invoices
        }
        assert sorted(event.details["invoices"]) == sorted(numbers)


def test_a_conflict_in_a_batch_leaves_out_only_the_customer_done_elsewhere(settings):
    made = late_customers(4)
    raced_customer, raced_invoices = made[2]
    step = scenarios.for_customer(raced_customer).steps[1]
    original = pass_data.PassData.__init__

    def racing_init(self, *args, **kwargs):
        """Another process records one step of the third customer after this pass has read."""
        original(self, *args, **kwargs)
        db.session.execute(
            insert(DunningAction).values(
                invoice_id=raced_invoices[0].id,
                step_id=step.id,
                customer_id=raced_customer.id,
                planned_date=MONDAY,
                status=ActionStatus.SENT,
                created_at=NOW,
                done_at=NOW,
            )
        )
        db.session.commit()

    pass_data.PassData.__init__ = racing_init
    try:
        result = dunning_pass.run_pass(NOW, settings)
    finally:
        pass_data.PassData.__init__ = original

    assert result.emails == 3
    assert [line.outcome for line in result.lines if line.customer_ref == "B002"] == [
        "already done by another pass"
    ]
    emailed = set(db.session.scalars(select(OutboxMessage.customer_id)))
    assert emailed == {c.id for c, _ in made} - {raced_customer.id}
    assert db.session.scalar(select(func.count(AccessLink.id))) == 3
    assert (
        db.session.scalar(
            select(func.count(DunningAction.id)).where(
                DunningAction.customer_id == raced_customer.id
            )
        )
        == 1
    )


@pytest.mark.postgres_only
def test_a_pass_analyses_the_tables_it_fills_far_beyond_their_statistics(settings, monkeypatch):
    """Batches of 2 customers, a floor of 3 rows: analysed after 4 links, then after 8."""
    monkeypatch.setattr(dunning_pass, "WRITE_BATCH", 2)
    monkeypatch.setattr(planner_statistics, "DEFAULT_FLOOR", 3)
    late_customers(8)
    tables = ("access_links", "outbox_messages", "dunning_actions", "audit_events")
    for table in tables:
        db.session.execute(text(f"ANALYZE {table}"))
    db.session.commit()
    believed = (
        select(text("reltuples")).select_from(text("pg_class")).where(text("relname = :name"))
    )
    assert db.session.scalar(believed, {"name": "access_links"}) == 0

    result = dunning_pass.run_pass(NOW, settings)

    assert result.emails == 8
    assert db.session.scalar(believed, {"name": "access_links"}) == 8
    assert db.session.scalar(believed, {"name": "outbox_messages"}) == 8
    assert db.session.scalar(believed, {"name": "dunning_actions"}) >= 16
