"""The collections portal: create_app() builds the web application.

Order is fixed (defaults, instance config, environment, test config, extensions,
blueprints, CLI), as in the Flask tutorial. Nothing here starts a scheduler:
gunicorn workers never send anything.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

from portal import config as default_config

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: Keys copied from examples and tutorials: an attacker tries them first.
KNOWN_KEYS = {
    "",
    "dev",
    "development",
    "change-me",
    "changeme",
    "change-this",
    "secret",
    "secret-key",
    "secretkey",
    "super-secret",
    "supersecret",
    "test",
    "test-secret-key",
    "password",
    "12345",
    "123456",
    "your-secret-key",
    "replace-me",
}
#: A session cookie signed with a shorter key can be forged by guessing it.
MIN_SECRET_KEY_LENGTH = 32


def create_app(test_config: dict | None = None, *, web: bool = True) -> Flask:
    """The portal; `web=False` builds only what a command working on the database needs.

    Commands that neither render a page, send mail nor build a URL (`portal
    import`) start without blueprints, templates, sessions and their
    libraries: that start would otherwise cost more than importing a
    thousand-line file.
    """
    instance_path = os.environ.get("PORTAL_INSTANCE_PATH") or str(PROJECT_ROOT / "instance")
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_object(default_config)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("PORTAL")
    if test_config:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _finish_config(app)

    import portal.database  # noqa: F401  (SQLite connection pragmas)
    from portal import log_redaction
    from portal.extensions import db

    db.init_app(app)
    log_redaction.install((app.logger.name,))
    if web:
        _init_web(app)
    return app


def _init_web(app: Flask) -> None:
    """Extensions, blueprints and commands of the whole portal."""
    from portal import bounds, i18n, labels, security, templating, unit_of_work
    from portal.extensions import csrf, htmx, limiter, login_manager

    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    bounds.init_app(app)
    templating.init_app(app)
    labels.init_app(app)
    unit_of_work.init_app(app)

    from portal.services import accounts

    accounts.configure_hashing(
        time_cost=app.config["PASSWORD_HASH_TIME_COST"],
        memory_cost=app.config["PASSWORD_HASH_MEMORY_COST"],
    )

    from portal.auth.views import bp as auth_bp
    from portal.branding import bp as branding_bp
    from portal.creditor.views import bp as creditor_bp
    from portal.debtor.views import bp as debtor_bp
    from portal.errors import init_app as init_errors
    from portal.health import bp as health_bp
    from portal.webhooks.views import bp as webhooks_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(branding_bp)
    app.register_blueprint(creditor_bp)
    app.register_blueprint(debtor_bp)
    app.register_blueprint(webhooks_bp)
    app.register_blueprint(health_bp)
    init_errors(app)

    proxies = int(app.config.get("PROXY_COUNT") or 0)
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    from portal.cli import init_app as init_cli

    init_cli(app)


def _finish_config(app: Flask) -> None:
    """Derive what depends on other settings, and refuse unsafe production setups."""
    cfg = app.config
    cfg["INSTANCE_PATH"] = app.instance_path
    development = cfg["ENV"] in ("development", "test") or cfg.get("TESTING")
    if not cfg.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))
    if not development and (problem := _weak_key(str(cfg["SECRET_KEY"]))):
        raise RuntimeError(
            f"PORTAL_SECRET_KEY {problem}: set a long random value, for example the output of "
            "`python3 -c 'import secrets; print(secrets.token_urlsafe(48))'` "
            "(or remove it to have one generated in the instance folder)."
        )

    url = cfg.get("DATABASE_URL") or f"sqlite:///{Path(app.instance_path) / 'portal.db'}"
    if url.startswith(("postgres://", "postgresql://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    cfg["SQLALCHEMY_DATABASE_URI"] = url
    cfg.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})

    cfg["BASE_URL"] = str(cfg["BASE_URL"]).rstrip("/")
    cfg["SESSION_COOKIE_HTTPONLY"] = True
    cfg["SESSION_COOKIE_SAMESITE"] = "Lax"
    cfg["REMEMBER_COOKIE_HTTPONLY"] = True
    secure = not development if cfg.get("COOKIE_SECURE") is None else bool(cfg["COOKIE_SECURE"])
    cfg["SESSION_COOKIE_SECURE"] = cfg["REMEMBER_COOKIE_SECURE"] = secure
    cfg["RATELIMIT_STORAGE_URI"] = cfg.get("RATELIMIT_STORAGE_URI") or "memory://"
    if cfg["RATELIMIT_STORAGE_URI"].startswith("memory://") and int(cfg["WEB_WORKERS"]) > 1:
        app.logger.warning(
            "%s web workers count rate limits each in its own memory: set "
            "PORTAL_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379 to share them.",
            cfg["WEB_WORKERS"],
        )
    # Redis down: each worker counts in memory meanwhile, rather than every request failing.
    cfg.setdefault(
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED",
        not cfg["RATELIMIT_STORAGE_URI"].startswith("memory://"),
    )
    cfg["WTF_CSRF_TIME_LIMIT"] = None  # tied to the session instead of an hour


def _weak_key(key: str) -> str:
    """Why the key is unsafe in production, or "" when it is fine."""
    if key.strip().lower() in KNOWN_KEYS:
        return "is a well-known value"
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return f"is shorter than {MIN_SECRET_KEY_LENGTH} characters"
    if len(set(key)) < 8:
        return "repeats too few characters"
    return ""


def _instance_secret_key(instance: Path) -> str:
    """Read, or create once, a random key kept beside the database."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    path.write_text(key + "\n")
    path.chmod(0o600)
    return key
