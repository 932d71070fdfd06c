"""Writing the audit trail. Every state-changing service calls `record`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from portal.extensions import db
from portal.models import AuditAction, AuditEvent


@dataclass(frozen=True)
class Actor:
    """Who did something, as it will read in timelines."""

    label: str

    @classmethod
    def user(cls, user) -> Actor:
        return cls(f"user:{user.id} {user.email}")

    @classmethod
    def debtor(cls, customer) -> Actor:
        return cls(f"debtor:{customer.id} {customer.ref}")

    @classmethod
    def cli(cls) -> Actor:
        return cls("cli")

    @classmethod
    def system(cls) -> Actor:
        return cls("system")

    @property
    def kind(self) -> str:
        return self.label.split(":", 1)[0].split(" ", 1)[0]

    @property
    def display(self) -> str:
        """The human part: an email for users, the label otherwise."""
        return self.label.split(" ", 1)[1] if " " in self.label else self.label


def record(
    actor: Actor,
    action: str,
    object_type: str,
    object_id: int | None,
    *,
    at: datetime,
    customer_id: int | None = None,
    invoice_id: int | None = None,
    **details: Any,
) -> AuditEvent:
    """Add one event to the session; `action` must be an AuditAction (ValueError otherwise)."""
    event = AuditEvent(
        **event_row(
            actor,
            action,
            object_type,
            object_id,
            at=at,
            customer_id=customer_id,
            invoice_id=invoice_id,
            **details,
        )
    )
    db.session.add(event)
    return event


def event_row(
    actor: Actor,
    action: str,
    object_type: str,
    object_id: int | None,
    *,
    at: datetime,
    customer_id: int | None = None,
    invoice_id: int | None = None,
    **details: Any,
) -> dict:
    """The columns of `record`'s event, for writing many at once (the dunning pass)."""
    return {
        "at": at,
        "actor": actor.label,
        "action": AuditAction(action).value,
        "object_type": object_type,
        "object_id": object_id,
        "customer_id": customer_id,
        "invoice_id": invoice_id,
        "details": details,
    }
