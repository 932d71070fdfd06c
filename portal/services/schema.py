"""Creating and upgrading the database schema (Alembic migrations)."""

from __future__ import annotations

from flask_migrate import upgrade as alembic_upgrade
from sqlalchemy.engine import make_url


def upgrade() -> None:
    """Bring the schema to the latest migration; a no-op when it already is."""
    alembic_upgrade()


def describe_url(url: str) -> str:
    """The database URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)
