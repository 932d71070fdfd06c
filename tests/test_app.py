"""The application factory, configuration, clock and database settings."""

from datetime import date

import pytest
from sqlalchemy import text

from portal import clock, create_app
from portal.extensions import db


def test_secret_key_generated_once_into_instance(tmp_path, monkeypatch, database_url):
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path / "inst"))
    config = {"DATABASE_URL": database_url, "ENV": "production"}
    first = create_app(config).config["SECRET_KEY"]
    second = create_app(config).config["SECRET_KEY"]
    assert first == second and len(first) > 40
    assert (tmp_path / "inst" / "secret_key").stat().st_mode & 0o777 == 0o600


def test_production_refuses_a_default_secret_key(tmp_path, monkeypatch, database_url):
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path / "inst"))
    monkeypatch.setenv("PORTAL_SECRET_KEY", "dev")
    with pytest.raises(RuntimeError, match="PORTAL_SECRET_KEY"):
        create_app({"DATABASE_URL": database_url, "ENV": "production"})


def test_environment_overrides_instance_config(tmp_path, monkeypatch, database_url):
    instance = tmp_path / "inst"
    instance.mkdir()
    (instance / "config.py").write_text(
        "TIMEZONE = 'America/Cayenne'\nBASE_URL = 'https://from-file.example'\n"
    )
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(instance))
    monkeypatch.setenv("PORTAL_BASE_URL", "https://from-env.example/")
    app = create_app({"DATABASE_URL": database_url, "ENV": "test"})
    assert app.config["TIMEZONE"] == "America/Cayenne"
    assert app.config["BASE_URL"] == "https://from-env.example"


def test_production_cookies_are_secure(tmp_path, monkeypatch, database_url):
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path / "inst"))
    app = create_app({"DATABASE_URL": database_url, "ENV": "production"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_frozen_today_drives_clock_and_banner(app, client, owner, auth):
    app.config["TODAY"] = "2026-02-27"
    assert clock.today() == date(2026, 2, 27)
    assert clock.now().isoformat() == "2026-02-27T09:00:00+00:00"  # 10:00 in Paris in winter
    page = client.get("/login").get_data(as_text=True)
    assert "frozen-banner" in page


def test_clock_not_frozen(app):
    app.config["TODAY"] = None
    app.config["CLOCK_NOW"] = None
    assert clock.frozen_today() is None
    assert clock.now().tzinfo is not None


@pytest.mark.sqlite_only
def test_sqlite_pragmas_on_every_connection(app):
    for _ in range(2):
        with db.engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.engine.dispose()


def test_migrations_match_models(app):
    """The models and the migrations describe the same schema (no forgotten migration)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_csrf_is_enforced_when_enabled(app, client, owner):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/login", data={"email": "owner@example.com", "password": "x"})
    assert response.status_code == 400


def test_unknown_page_is_a_friendly_404(client, owner):
    response = client.get("/no/such/page", headers={"Accept-Language": "fr"})
    assert response.status_code == 404
    assert "Cette page n" in response.get_data(
        as_text=True
    ) or "does not exist" in response.get_data(as_text=True)


def test_health_probe(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.data == b"ok\n"


def test_readiness_probe_answers_when_the_database_does(client):
    response = client.get("/readyz")
    assert response.status_code == 200 and response.data == b"ready\n"
    assert response.headers["Cache-Control"] == "no-store"


def test_without_a_database_the_process_is_live_but_not_ready(app_config, tmp_path):
    from portal import create_app

    broken = create_app(
        {**app_config, "DATABASE_URL": f"sqlite:///{tmp_path / 'missing' / 'folder' / 'x.db'}"}
    )
    client = broken.test_client()
    assert client.get("/healthz").status_code == 200
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"


def test_the_liveness_probe_never_touches_the_database(app, client):
    from sqlalchemy import event

    from portal.extensions import db

    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        client.get("/healthz")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert statements == []


def test_behind_one_proxy_rate_limits_see_each_visitor(app, client, owner):
    from werkzeug.middleware.proxy_fix import ProxyFix

    from portal import create_app

    app.config["PROXY_COUNT"] = 1
    db.session.commit()  # the owner exists for the second app's connections too
    behind = create_app(
        {
            **{
                k: app.config[k]
                for k in (
                    "DATABASE_URL",
                    "SECRET_KEY",
                    "ENV",
                    "TESTING",
                    "WTF_CSRF_ENABLED",
                    "PASSWORD_HASH_TIME_COST",
                    "PASSWORD_HASH_MEMORY_COST",
                )
            },
            "PROXY_COUNT": 1,
        }
    )
    assert isinstance(behind.wsgi_app, ProxyFix)
    proxied = behind.test_client()
    first = [
        proxied.post(
            "/login",
            data={"email": "x@example.com", "password": "bad password"},
            headers={"X-Forwarded-For": "203.0.113.7"},
        ).status_code
        for _ in range(11)
    ]
    other = proxied.post(
        "/login",
        data={"email": "x@example.com", "password": "bad password"},
        headers={"X-Forwarded-For": "198.51.100.9"},
    ).status_code
    assert first[-1] == 429 and other == 401


WEB_WORKER_START = """
import sys
from wsgi import app
print("loaded:", *sorted({"alembic", "flask_migrate", "mako", "openpyxl"} & set(sys.modules)))
"""


def test_a_web_worker_does_not_load_what_only_commands_need(database_url, tmp_path):
    """Alembic and openpyxl cost each gunicorn worker 13 MB it would keep for nothing."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_INSTANCE_PATH": str(tmp_path / "instance"),
        "PORTAL_ENV": "test",
        "PORTAL_SECRET_KEY": "x" * 40,
    }
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", WEB_WORKER_START],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "loaded:"


def test_the_command_line_can_still_migrate(database_url, tmp_path, monkeypatch):
    """`portal db ...` and `portal init` find the portal's migrations."""
    from portal import cli
    from portal.services import schema

    monkeypatch.setenv("PORTAL_DATABASE_URL", database_url)
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("PORTAL_ENV", "test")
    monkeypatch.setenv("PORTAL_SECRET_KEY", "x" * 40)
    app = cli._create_app()
    assert app.extensions["migrate"].directory == str(schema.MIGRATIONS)
