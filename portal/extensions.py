"""Unbound extension objects, bound to the app in create_app().

Keeping them here (not in __init__) lets models, services and blueprints import
them without importing the application factory. Only `db` is built when this
module is imported: the others are built the first time something imports
them, so a command that needs the database alone (`portal import`) does not
pay for Alembic, rate limits, CSRF or logins at every start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

if TYPE_CHECKING:
    from flask_babel import Babel
    from flask_htmx import HTMX
    from flask_limiter import Limiter
    from flask_login import LoginManager
    from flask_migrate import Migrate
    from flask_wtf.csrf import CSRFProtect

# Explicit constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate: Migrate
login_manager: LoginManager
csrf: CSRFProtect
htmx: HTMX
babel: Babel
limiter: Limiter


def _build(name: str) -> Any:
    if name == "migrate":
        from flask_migrate import Migrate

        return Migrate()
    if name == "login_manager":
        from flask_login import LoginManager

        return LoginManager()
    if name == "csrf":
        from flask_wtf.csrf import CSRFProtect

        return CSRFProtect()
    if name == "htmx":
        from flask_htmx import HTMX

        return HTMX()
    if name == "babel":
        from flask_babel import Babel

        return Babel()
    if name == "limiter":
        from flask_limiter import Limiter
        from flask_limiter.util import get_remote_address

        return Limiter(key_func=get_remote_address, default_limits=[])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __getattr__(name: str) -> Any:
    """Build an extension object on first use, once (PEP 562)."""
    value = globals()[name] = _build(name)
    return value
