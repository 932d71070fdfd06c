"""The demo's bank statement shows every outcome of a reconciliation."""

from sqlalchemy import select

from portal.extensions import db
from portal.models import BankEntry, EntryStatus, MatchRule
from portal.services.audit import Actor
from portal.services.demo import demo_data, demo_statement
from portal.services.reconciliation import statement_import

from ...conftest import NOW, TODAY
from ..test_money_paths import assert_balances_hold


def test_the_demo_statement_has_every_case(app, tmp_path):
    demo_data.load(today=TODAY, now=NOW)
    path = demo_statement.write_statement(tmp_path / "demo.xml", today=TODAY, now=NOW)
    db.session.commit()
    summary = statement_import.import_statement(
        path.read_bytes(), filename=path.name, actor=Actor.cli(), now=NOW
    )
    db.session.commit()
    assert summary.line() == (
        "read 10 entries: matched 6, to review 1, unmatched 1, ignored 2, already imported 0"
    )
    rules = set(db.session.scalars(select(BankEntry.rule).where(BankEntry.rule.is_not(None))))
    assert {MatchRule.RF_REFERENCE, MatchRule.INVOICE_NUMBER, MatchRule.PAYER} <= rules
    statuses = set(db.session.scalars(select(BankEntry.status)))
    assert statuses == {
        EntryStatus.MATCHED,
        EntryStatus.TO_REVIEW,
        EntryStatus.UNMATCHED,
        EntryStatus.IGNORED,
        EntryStatus.REVERSAL,
    }
    assert_balances_hold()
