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


def current_revision() -> str | None:
    """The migration the database is at (None before the first one)."""
    from sqlalchemy import inspect, text

    from portal.extensions import db

    if not inspect(db.engine).has_table("alembic_version"):
        return None
    return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()


def portal_tables() -> list[str]:
    """Every table of the portal's models, parents first (what a backup counts)."""
    from portal.extensions import db

    return [table.name for table in db.metadata.sorted_tables]
