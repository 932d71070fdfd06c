"""Creating and upgrading the database schema (Alembic migrations).

Alembic and Flask-Migrate (with Mako and Pygments, which they bring) cost a
web worker about 10 MB of memory it would keep for nothing: pages never
migrate. So the app registers them only when
something asks for a migration: `upgrade()` here, and the `portal` command
line (whose `db` commands create new migrations).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def register_migrations(app: Flask) -> None:
    """Give the app its Alembic environment (the portal's migrations), once."""
    if "migrate" in app.extensions:
        return
    from portal.extensions import db, migrate

    migrate.init_app(app, db, directory=str(MIGRATIONS))


def upgrade() -> None:
    """Bring the schema to the latest migration; a no-op when it already is."""
    from flask_migrate import upgrade as alembic_upgrade

    register_migrations(current_app._get_current_object())
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
