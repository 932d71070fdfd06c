"""A batch of reminders written with one executemany per table, in dependency order.

The ORM's unit of work builds, tracks and flushes an object per row, and asks
the database for each new id one row at a time on SQLite: for 20 000
reminders (a link, a message, an audit event and four or five actions each)
that was half of the pass. Here each table gets one executemany per batch
(the driver's own loop on SQLite, psycopg's pipeline on PostgreSQL), in the
order the foreign keys need: links, then messages pointing at them, then
actions and audit events pointing at the messages. The ids of links and
messages are taken from the table's sequence first on PostgreSQL; on SQLite
they come back with RETURNING (SQLAlchemy's multi-row "insertmanyvalues")
beside a value unique to each row (the link's nonce, the message's link), so
they are matched without asking the database to keep the rows in order
(which SQLAlchemy can only do there one row at a time).

The rows are plain dicts from the services that own each table
(`links.email_link_row`, `outbox.message_row`, `audit.event_row`), the same
columns their one-at-a-time functions write.
"""

from __future__ import annotations

from sqlalchemy import Table, insert, text

from portal.extensions import db
from portal.models import AccessLink, AuditEvent, DunningAction, OutboxMessage

_links = AccessLink.__table__
_messages = OutboxMessage.__table__


def insert_links(rows: list[dict]) -> dict[str, int]:
    """Insert email links; their ids by nonce."""
    return _insert_with_ids(_links, rows, "nonce")


def insert_messages(rows: list[dict]) -> dict[int, int]:
    """Insert outbox messages, each with its own link; their ids by link id."""
    return _insert_with_ids(_messages, rows, "link_id")


def _insert_with_ids(table: Table, rows: list[dict], key: str) -> dict:
    """Insert rows and return their new ids by `key` (a column unique to each row).

    PostgreSQL hands out the ids first, from the table's own sequence (so two
    passes at once never take the same), and the rows go in as plain
    executemany (psycopg's pipeline): several times cheaper than a RETURNING
    per batch of rows. SQLite has no sequence; it returns the ids.
    """
    if not rows:
        return {}
    if db.session.get_bind().dialect.name == "postgresql":
        ids = db.session.scalars(
            text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
            ),
            {"table": table.name, "n": len(rows)},
        ).all()
        for row, new_id in zip(rows, ids, strict=True):
            row["id"] = new_id
        db.session.execute(insert(table), rows)
        return {row[key]: row["id"] for row in rows}
    result = db.session.execute(insert(table).returning(table.c.id, table.c[key]), rows)
    return {value: new_id for new_id, value in result}


def insert_actions(rows: list[dict]) -> None:
    if rows:
        db.session.execute(insert(DunningAction.__table__), rows)


def insert_events(rows: list[dict]) -> None:
    if rows:
        db.session.execute(insert(AuditEvent.__table__), rows)
