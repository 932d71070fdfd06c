"""Defaults that are safe on a VPS: the secret key, caching, HSTS, rate limits, logs."""

from __future__ import annotations

import logging
import secrets

import pytest

from portal import create_app
from portal.extensions import limiter
from portal.log_redaction import REDACTED

from .debtor.conftest import open_link
from .factories import make_customer


@pytest.mark.parametrize(
    "key",
    ["a", "12345", "changeme", " Secret ", "x" * 31, "ab" * 20, secrets.token_hex(15)],
)
def test_production_refuses_a_short_or_well_known_secret_key(
    tmp_path, monkeypatch, database_url, key
):
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path / "inst"))
    monkeypatch.setenv("PORTAL_SECRET_KEY", key)
    with pytest.raises(RuntimeError, match="PORTAL_SECRET_KEY .*set a long random value"):
        create_app({"DATABASE_URL": database_url, "ENV": "production"})


def test_production_accepts_a_long_random_secret_key(tmp_path, monkeypatch, database_url):
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path / "inst"))
    key = secrets.token_urlsafe(32)
    monkeypatch.setenv("PORTAL_SECRET_KEY", key)
    assert (
        create_app({"DATABASE_URL": database_url, "ENV": "production"}).config["SECRET_KEY"] == key
    )


def test_dashboard_and_debtor_pages_are_never_stored(app, logged_in, client):
    for path in ("/", "/customers", "/invoices", "/settings"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
    debtor = app.test_client()
    open_link(debtor, make_customer())
    response = debtor.get("/account")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"


def test_hsts_only_on_requests_that_came_over_https(app, client, owner):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://portal.example.test")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_hsts_behind_a_tls_proxy(app_config, tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path / "behind"))
    behind = create_app({**app_config, "PROXY_COUNT": 1}).test_client()
    over_tls = behind.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert over_tls.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    plain = behind.get("/login", headers={"X-Forwarded-Proto": "http"})
    assert "Strict-Transport-Security" not in plain.headers


def test_redis_storage_is_used_when_configured_and_its_outage_is_survived(
    app_config, tmp_path, monkeypatch
):
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path / "redis"))
    app = create_app({**app_config, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:9"})
    with app.app_context():
        assert type(limiter.storage).__name__ == "RedisStorage"
    # Nothing listens on port 9: the login form still answers, counted in memory meanwhile.
    response = app.test_client().post("/login", data={"email": "a@example.com", "password": "x"})
    assert response.status_code < 500


@pytest.mark.parametrize(
    ("workers", "storage", "warned"),
    [(2, "memory://", True), (1, "memory://", False), (2, "redis://127.0.0.1:9", False)],
)
def test_dashboard_warns_when_workers_count_rate_limits_each_on_their_own(
    app, logged_in, client, workers, storage, warned
):
    app.config.update(WEB_WORKERS=workers, RATELIMIT_STORAGE_URI=storage)
    page = client.get("/").get_data(as_text=True)
    assert ('id="rate-limit-warning"' in page) is warned


def test_several_workers_with_memory_limits_are_logged_at_start(
    app_config, tmp_path, monkeypatch, caplog
):
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path / "workers"))
    monkeypatch.setenv("PORTAL_WEB_WORKERS", "2")
    create_app(app_config)
    assert "2 web workers count rate limits each in its own memory" in caplog.text


@pytest.mark.parametrize(
    "path",
    [
        "/p/{t}",
        "/%70/{t}",
        "%2Fp%2F{t}",
        "/p%2F{t}",
        "/P/{t}",
        "/p/{e}",
        "/p/%2541%2542{t}",
        "%252Fp%252F{t}",
    ],
)
def test_percent_encoded_tokens_never_reach_the_logs(app, caplog, path):
    caplog.set_level(logging.INFO)
    token = secrets.token_urlsafe(32)
    encoded = "".join(f"%{ord(c):02X}" for c in token)
    line = path.format(t=token, e=encoded)
    logging.getLogger("gunicorn.access").info("%(r)s", {"r": f"GET {line}?x=1 HTTP/1.0"})
    assert token not in caplog.text and encoded not in caplog.text
    assert REDACTED in caplog.text and "?x=1" in caplog.text


def test_other_paths_are_logged_as_they_are(app, caplog):
    caplog.set_level(logging.INFO)
    logging.getLogger("werkzeug").info("GET /account/plans/preview?page=2 HTTP/1.1")
    assert "GET /account/plans/preview?page=2 HTTP/1.1" in caplog.text


def test_a_debtor_link_opened_through_the_app_is_redacted(app, owner, client, caplog):
    caplog.set_level(logging.INFO)
    token = open_link(client, make_customer())
    logging.getLogger("werkzeug").info('"GET /p/%s HTTP/1.1" 302 -', token)
    assert token not in caplog.text
