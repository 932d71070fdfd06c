"""Column types shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import DateTime, Enum, String, inspect
from sqlalchemy.types import TypeDecorator


class DecimalText(TypeDecorator):
    """An exact decimal stored as text.

    Quantities and unit prices keep the precision they were imported with, and
    SQLite (which has no exact decimal type) and PostgreSQL store the same thing.
    Money itself is never stored this way: it is integer cents.
    """

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else format(Decimal(value), "f")

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(value)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on both databases (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass a timezone-aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """Default for created_at columns; business code passes `now` explicitly.

    Read from the portal's clock, so rows made under a pinned clock (tests, demos)
    are stamped on that clock's day rather than the machine's.
    """
    from portal import clock

    return clock.now()


def enum_column(enum_cls: type) -> Enum:
    """Store a StrEnum by value in a plain VARCHAR: portable and migration-friendly."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=20,
        values_callable=lambda members: [m.value for m in members],
    )


def status_set(obj) -> bool:
    """Whether `obj` is new or its `status` was assigned since the last flush."""
    state = inspect(obj)
    return state.pending or state.attrs.status.history.has_changes()
