"""Helpers for the authentication tests: reading the emailed links from the outbox."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.extensions import db
from portal.models import OutboxMessage

LINK = re.compile(r"https?://\S+/password/([A-Za-z0-9_-]+)")


def emailed_token(kind: str, to: str) -> str:
    """The token of the newest `kind` email queued to `to`."""
    messages = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id.desc())
    ).all()
    message = next(m for m in messages if m.to_addresses == [to])
    return LINK.search(message.text_body).group(1)


def emails(kind: str) -> list[OutboxMessage]:
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)).all()
