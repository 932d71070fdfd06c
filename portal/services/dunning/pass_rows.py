"""A batch of reminders written with one executemany per table, in dependency order.

The ORM's unit of work builds, tracks and flushes an object per row, and asks
the database for each new id one row at a time on SQLite: for 20 000
reminders (a link, a message, an audit event and four or five actions each)
that was half of the pass. Here each table gets one executemany per batch
(the driver's own loop on SQLite, psycopg's pipeline on PostgreSQL), in the
order the foreign keys need: links, then messages pointing at them, then
actions and audit events pointing at the messages. Links and messages,
whose ids the next table needs, go through `bulk_rows.insert_with_ids`
(ids from the sequence and COPY on PostgreSQL; RETURNING beside the link's
nonce or the message's link on SQLite).

The rows are plain dicts from the services that own each table
(`links.email_link_row`, `outbox.message_row`, `audit.event_row`), the same
columns their one-at-a-time functions write.
"""

from __future__ import annotations

from sqlalchemy import insert

from portal.extensions import db
from portal.models import AccessLink, AuditEvent, DunningAction, OutboxMessage
from portal.services import bulk_rows

_links = AccessLink.__table__
_messages = OutboxMessage.__table__
#: The tables a pass fills, in the order it writes them.
TABLES = (_links, _messages, DunningAction.__table__, AuditEvent.__table__)


def insert_links(rows: list[dict]) -> dict[str, int]:
    """Insert email links; their ids by nonce."""
    return bulk_rows.insert_with_ids(_links, rows, "nonce")


def insert_messages(rows: list[dict]) -> dict[int, int]:
    """Insert outbox messages, each with its own link; their ids by link id."""
    return bulk_rows.insert_with_ids(_messages, rows, "link_id")


def insert_actions(rows: list[dict]) -> None:
    if rows:
        db.session.execute(insert(DunningAction.__table__), rows)


def insert_events(rows: list[dict]) -> None:
    if rows:
        db.session.execute(insert(AuditEvent.__table__), rows)
