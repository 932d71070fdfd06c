"""The message thread between one customer (the debtor) and the creditor.

There is exactly one thread per customer, so every lookup is by customer id:
the debtor's side only ever names its own session's customer, and the creditor
writes inside one customer's thread, so a reply cannot reach anyone else.
Each message is emailed to the other side; it counts as read once the other
side opens the thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Select, bindparam, case, func, select, update
from werkzeug.utils import secure_filename

from portal.adapters import uploads
from portal.extensions import db
from portal.models import Customer, Message, MessageKind
from portal.services import audit, notifications
from portal.services.errors import N_, DomainError, NotFound
from portal.statements import built_once

DEBTOR = "debtor"
CREDITOR = "creditor"
MAX_BODY_LENGTH = 5000
MAX_ATTACHMENTS = 3
OBJECT_TYPE = "message"


class InvalidMessage(DomainError):
    """One message per form field ("body", "attachment"); nothing was written."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(next(iter(errors.values())))
        self.errors = errors


@dataclass(frozen=True)
class Upload:
    """A file the sender attached, before it is checked."""

    stream: BinaryIO
    name: str


@dataclass(frozen=True)
class ThreadSummary:
    """One line of the creditor's inbox."""

    customer: Customer
    last_at: datetime
    count: int
    unread: int


def other_side(author: str) -> str:
    return CREDITOR if author == DEBTOR else DEBTOR


def messages(customer_id: int) -> list[Message]:
    """The whole thread, oldest first."""
    return list(
        db.session.scalars(
            select(Message)
            .where(Message.customer_id == customer_id)
            .order_by(Message.created_at, Message.id)
        )
    )


def post(
    customer: Customer,
    *,
    author: str,
    body: str,
    files: list[Upload],
    uploads_folder: Path,
    max_bytes: int,
    now: datetime,
    actor: audit.Actor,
    notify_url: str,
    link_days: int = 90,
    user_id: int | None = None,
) -> Message:
    """Add a message and email the other side, all or nothing.

    `notify_url` is the creditor's thread page (debtor messages) or the base
    URL a fresh portal link is built on (creditor messages).
    """
    if author not in (DEBTOR, CREDITOR):
        raise ValueError(author)
    body = (body or "").strip()
    errors: dict[str, str] = {}
    if not body:
        errors["body"] = N_("Write your message.")
    elif len(body) > MAX_BODY_LENGTH:
        errors["body"] = N_("The message is too long.")
    files = [f for f in files if f.name]
    if len(files) > MAX_ATTACHMENTS:
        errors["attachment"] = N_("Attach at most three files.")
    if errors:
        raise InvalidMessage(errors)
    stored: list[uploads.StoredProof] = []
    try:
        attachments = []
        for upload in files:
            proof = uploads.store_proof(upload.stream, uploads_folder, max_bytes=max_bytes)
            stored.append(proof)
            attachments.append(
                {
                    "filename": proof.filename,
                    "content_type": proof.content_type,
                    "size": proof.size,
                    "name": _display_name(upload.name, proof),
                }
            )
        message = Message(
            customer_id=customer.id,
            author=author,
            user_id=user_id,
            body=body,
            attachments=attachments,
            created_at=now,
        )
        db.session.add(message)
        db.session.flush()
        audit.record(
            actor,
            f"message.from_{author}",
            OBJECT_TYPE,
            message.id,
            at=now,
            customer_id=customer.id,
            attachments=len(attachments),
        )
        _notify(customer, message, now=now, url=notify_url, link_days=link_days)
        db.session.flush()
    except uploads.ProofRefused as exc:
        for proof in stored:
            uploads.discard(uploads_folder, proof.filename)
        raise InvalidMessage({"attachment": str(exc)}) from exc
    except BaseException:
        for proof in stored:
            uploads.discard(uploads_folder, proof.filename)
        raise
    return message


def _display_name(name: str, proof: uploads.StoredProof) -> str:
    """A safe name to show and download under; the stored name stays random."""
    stem = secure_filename(Path(name or "").stem)[:60] or "attachment"
    return f"{stem}{Path(proof.filename).suffix}"


def _notify(
    customer: Customer, message: Message, *, now: datetime, url: str, link_days: int
) -> None:
    if message.author == DEBTOR:
        notifications.tell_creditor(
            MessageKind.MESSAGE_TO_CREDITOR, now=now, customer=customer, message=message, url=url
        )
        return
    notifications.tell_debtor(
        customer,
        MessageKind.MESSAGE_TO_DEBTOR,
        now=now,
        link=notifications.PortalLink(url, link_days, purpose="message"),
        message=message,
    )


def mark_read(customer_id: int, *, reader: str, now: datetime) -> int:
    """The reader opened the thread: the other side's messages are read now."""
    result = db.session.execute(
        update(Message)
        .where(
            Message.customer_id == customer_id,
            Message.author == other_side(reader),
            Message.read_at.is_(None),
        )
        .values(read_at=now)
    )
    return result.rowcount


def unread_count(customer_id: int, *, reader: str) -> int:
    """Messages from the other side this reader has not seen yet."""
    return db.session.scalar(_unread(), {"customer_id": customer_id, "author": other_side(reader)})


@built_once
def _unread() -> Select:
    return select(func.count(Message.id)).where(
        Message.customer_id == bindparam("customer_id"),
        Message.author == bindparam("author"),
        Message.read_at.is_(None),
    )


def unread_thread_count() -> int:
    """Customers with a debtor message the creditor has not opened (the nav badge)."""
    return db.session.scalar(
        select(func.count(func.distinct(Message.customer_id))).where(
            Message.author == DEBTOR, Message.read_at.is_(None)
        )
    )


def inbox(limit: int = 200) -> list[ThreadSummary]:
    """Every thread, newest message first, with its unread count for the creditor."""
    unread = func.sum(case(((Message.author == DEBTOR) & Message.read_at.is_(None), 1), else_=0))
    rows = db.session.execute(
        select(Message.customer_id, func.max(Message.created_at), func.count(Message.id), unread)
        .group_by(Message.customer_id)
        .order_by(func.max(Message.created_at).desc(), Message.customer_id.desc())
        .limit(limit)
    ).all()
    customers = {
        c.id: c
        for c in db.session.scalars(select(Customer).where(Customer.id.in_([r[0] for r in rows])))
    }
    return [
        ThreadSummary(customers[cid], last, count, int(unread or 0))
        for cid, last, count, unread in rows
    ]


def attachment(
    customer_id: int, message_id: int, index: int, uploads_folder: Path
) -> tuple[Path, str, str]:
    """(path, content type, download name) of a file in this customer's thread, or NotFound."""
    message = db.session.scalar(
        select(Message).where(Message.id == message_id, Message.customer_id == customer_id)
    )
    if message is None or not 0 <= index < len(message.attachments or []):
        raise NotFound(N_("No such file."))
    item = message.attachments[index]
    path = uploads.proof_path(uploads_folder, item.get("filename", ""))
    if path is None:
        raise NotFound(N_("No such file."))
    content_type = item.get("content_type", "")
    if content_type not in uploads.CONTENT_TYPES:
        content_type = "application/octet-stream"
    return path, content_type, item.get("name") or path.name
