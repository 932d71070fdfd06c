"""Every outgoing email, written in the same transaction as the action that causes it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, enum_column


class MessageStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    """Permanently refused; `last_error` says why."""


class MessageKind(enum.StrEnum):
    """Why an email was sent; `portal.labels` names each for the outbox page.

    `services.mail.outbox.queue` refuses any other value.
    """

    REMINDER = "reminder"
    FORMAL_NOTICE = "formal_notice"
    RECEIPT = "receipt"
    PAYMENT_NOTIFICATION = "payment_notification"
    FRESH_LINK = "fresh_link"
    PAID_DECLARATION = "paid_declaration"
    PAID_DECLARATION_REJECTED = "paid_declaration_rejected"
    DISPUTE_ACCEPTED = "dispute_accepted"
    DISPUTE_REJECTED = "dispute_rejected"
    PLAN_ACCEPTED = "plan_accepted"
    PLAN_REJECTED = "plan_rejected"
    PLAN_REMINDER = "plan_reminder"
    PLAN_MISSED = "plan_missed"
    PLAN_BROKEN = "plan_broken"
    PROMISE_BROKEN = "promise_broken"
    MESSAGE_TO_DEBTOR = "message_to_debtor"
    MESSAGE_TO_CREDITOR = "message_to_creditor"
    TEST = "test"
    USER_INVITATION = "user_invitation"
    PASSWORD_RESET = "password_reset"


#: Emails whose body holds a link that sets a user's password: no page shows it.
SIGN_IN_KINDS = frozenset({MessageKind.USER_INVITATION, MessageKind.PASSWORD_RESET})


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    """A MessageKind value."""
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    to_addresses: Mapped[list] = mapped_column(JSON)
    reply_to: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text, default="")
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    """[{"filename": ..., "content_type": ..., "path": ...}] relative to the instance folder."""
    status: Mapped[MessageStatus] = mapped_column(
        enum_column(MessageStatus), default=MessageStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    message_id: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    link_id: Mapped[int | None] = mapped_column(ForeignKey("access_links.id", ondelete="SET NULL"))
    """The access link filled in at delivery where the bodies say `/p/[personal-link]`."""

    link = relationship("AccessLink")

    @property
    def shows_body(self) -> bool:
        """False for a sign-in link: whoever reads the outbox must not be able to use it."""
        return self.kind not in SIGN_IN_KINDS
