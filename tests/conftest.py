"""Fixtures shared by the whole suite.

The database is SQLite by default and PostgreSQL when PORTAL_TEST_DATABASE_URL
says so (CI runs the suite on both). On PostgreSQL the URL only names the server:
the suite works in a database of its own, `portal_test_suite`, which it creates
and marks, and it refuses to touch a database of that name it did not make. The
schema is built once per session by the real Alembic migrations; each test then
gets a clean copy (SQLite) or clean tables (PostgreSQL).

The app's clock is pinned at NOW (`CLOCK_NOW`), so the suite passes on any day;
`pytest --clock-ahead 365` proves it (tests/clock_ahead.py).
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.extensions import db

TEST_DATABASE_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
USING_POSTGRES = TEST_DATABASE_URL.startswith("postgres")

#: A fixed "now" for tests that do not care about the date.
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TODAY = date(2026, 11, 23)

#: The PostgreSQL database the suite owns, and the comment that proves it made it.
#: PORTAL_TEST_SUITE_DATABASE names another one, so that two checkouts can run the
#: suite on one server at the same time.
SUITE_DATABASE = os.environ.get("PORTAL_TEST_SUITE_DATABASE", "portal_test_suite")
SUITE_MARKER = "collections-portal test suite: dropped and rebuilt by every run"


def pytest_collection_modifyitems(config, items):
    """Each engine's run leaves out what only the other can do.

    SQLite cannot hold several machines on one database (`postgres_only`);
    PostgreSQL has no SQLite connection pragmas to check (`sqlite_only`).
    """
    other_engine = "sqlite_only" if USING_POSTGRES else "postgres_only"
    left_out = [item for item in items if item.get_closest_marker(other_engine)]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker(other_engine)]


def _suite_database_url(server_url: str) -> str:
    """Create (once) and return the suite's own database on the server of `server_url`."""
    url = make_url(server_url)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            comment = connection.execute(
                text(
                    "SELECT shobj_description(oid, 'pg_database') FROM pg_database"
                    " WHERE datname = :name"
                ),
                {"name": SUITE_DATABASE},
            ).one_or_none()
            if comment is None:
                connection.execute(text(f'CREATE DATABASE "{SUITE_DATABASE}"'))
                connection.execute(
                    text(f"COMMENT ON DATABASE \"{SUITE_DATABASE}\" IS '{SUITE_MARKER}'")
                )
            elif comment[0] != SUITE_MARKER:
                pytest.exit(
                    f"A database named {SUITE_DATABASE} exists on this server and was not made"
                    " by the test suite: rename it, or run the suite on another server.",
                    returncode=3,
                )
    finally:
        admin.dispose()
    return url.set(database=SUITE_DATABASE).render_as_string(hide_password=False)


def empty_side_database(suffix: str) -> str:
    """A second PostgreSQL database beside the suite's (`<suite>_<suffix>`), emptied.

    For tests that need a database of their own: a restore into a fresh portal,
    several app instances started as separate processes.
    """
    name = f"{SUITE_DATABASE}_{suffix}"
    server = make_url(TEST_DATABASE_URL)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).first()
            if exists is None:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    url = server.set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
    return url


def _base_config(instance: Path, database_url: str) -> dict:
    return {
        "TESTING": True,
        "ENV": "test",
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": True,
        "PASSWORD_HASH_TIME_COST": 1,
        "PASSWORD_HASH_MEMORY_COST": 256,
        "BASE_URL": "https://portal.example.test",
        "TODAY": None,
        "CLOCK_NOW": NOW,
        # Tests that are about backups turn the scheduler's daily one on.
        "BACKUP_SCHEDULED": False,
    }


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory) -> str:
    """Run the migrations once; returns the URL (PostgreSQL) or template file (SQLite)."""
    instance = tmp_path_factory.mktemp("migrate")
    if USING_POSTGRES:
        url = _suite_database_url(TEST_DATABASE_URL)
        app = create_app(_base_config(instance, url))
        with app.app_context():
            db.session.execute(text("DROP SCHEMA public CASCADE"))
            db.session.execute(text("CREATE SCHEMA public"))
            db.session.commit()
            from portal.services import schema

            schema.upgrade()
            db.engine.dispose()
        return url
    template = instance / "template.db"
    app = create_app(_base_config(instance, f"sqlite:///{template}"))
    with app.app_context():
        from portal.services import schema

        schema.upgrade()
        db.engine.dispose()
    return str(template)


@pytest.fixture
def database_url(migrated_database, tmp_path) -> str:
    if USING_POSTGRES:
        return migrated_database
    target = tmp_path / "portal.db"
    shutil.copyfile(migrated_database, target)
    return f"sqlite:///{target}"


@pytest.fixture
def app_config(tmp_path, database_url) -> dict:
    """Override entries in a test module to change the app's configuration."""
    return _base_config(tmp_path, database_url)


class ArrangedClient(FlaskClient):
    """A test client that commits what the test arranged before each request.

    A request commits or rolls back its own unit of work; what a test set up
    through factories and services stands for data that existed before the
    request, so it is committed first and a refused request cannot undo it.

    The requests share the test's application context, hence its `g`: the user
    Flask-Login cached there is dropped, so that each request reads its own
    cookie, as in production.
    """

    def open(self, *args, **kwargs):
        if has_app_context():  # a client driven from another thread has nothing arranged
            db.session.commit()
            g.pop("_login_user", None)
        return super().open(*args, **kwargs)


@pytest.fixture
def app(app_config, tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path / "instance"))
    application = create_app(app_config)
    application.test_client_class = ArrangedClient
    from portal.extensions import limiter

    with application.app_context():
        limiter.reset()
        yield application
        db.session.remove()
        if USING_POSTGRES:
            tables = ", ".join(t.name for t in db.metadata.sorted_tables)
            db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.session.commit()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    """Log in and out through the real forms, as a person would."""

    def __init__(self, client):
        self._client = client

    def login(self, email: str = "owner@example.com", password: str | None = None):
        from .factories import PASSWORD

        return self._client.post("/login", data={"email": email, "password": password or PASSWORD})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def owner(app):
    """An organisation and its owner, logged out."""
    from .factories import make_organisation, make_user

    make_organisation()
    return make_user()


@pytest.fixture
def logged_in(owner, auth):
    response = auth.login()
    assert response.status_code == 303, response.data[:500]
    return owner


@pytest.fixture
def fake_stripe(app):
    """A local fake of the Stripe API, with online payment switched on against it."""
    from .fakes.stripe_api import SECRET_KEY, FakeStripe

    with FakeStripe() as fake:
        app.config.update(
            STRIPE_SECRET_KEY=SECRET_KEY,
            STRIPE_WEBHOOK_SECRET=fake.webhook_secret,
            STRIPE_API_BASE=fake.url,
        )
        yield fake


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 that records envelopes (tests/fakes/smtp_sink.py).

    `smtp_server.configure(app)` points the portal at it; `refuse(address, 550)`,
    `fail_next(n, 451)` and `drop_after_next(n)` make it misbehave.
    """
    from .fakes.smtp_sink import SmtpSink

    with SmtpSink() as sink:
        yield sink
