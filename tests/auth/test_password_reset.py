"""Forgot password: a one-time, expiring link; the same answer for any address."""

from __future__ import annotations

from datetime import timedelta

from portal.models import UserToken
from portal.services import accounts, user_tokens
from portal.services.mail.delivery import deliver_due
from portal.services.mail.delivery_settings import DeliverySettings

from ..conftest import NOW
from ..factories import PASSWORD
from .conftest import emailed_token, emails


def _ask(client, email: str):
    return client.post("/password/forgot", data={"email": email}, follow_redirects=True)


def test_the_link_sets_a_new_password_once(app, client, owner):
    page = _ask(client, "Owner@Example.com").get_data(as_text=True)
    token = emailed_token("password_reset", "owner@example.com")
    assert UserToken.query.one().token_hash == user_tokens.hash_token(token) != token
    response = client.post(
        f"/password/{token}", data={"password": "a fresh password", "confirm": "a fresh password"}
    )
    assert response.status_code == 303
    assert accounts.authenticate("owner@example.com", "a fresh password", now=NOW) is not None
    again = client.post(
        f"/password/{token}", data={"password": "yet another one", "confirm": "yet another one"}
    )
    assert again.status_code == 404
    assert accounts.authenticate("owner@example.com", "yet another one", now=NOW) is None
    assert "Owner@Example.com" in page  # the flash repeats the address as typed


def test_the_answer_is_the_same_for_an_unknown_address(app, client, owner):
    known = _ask(client, "owner@example.com")
    unknown = _ask(client, "nobody@example.com")
    strip = lambda r, e: r.get_data(as_text=True).replace(e, "EMAIL")  # noqa: E731
    assert known.status_code == unknown.status_code == 200
    assert strip(known, "owner@example.com") == strip(unknown, "nobody@example.com")
    assert len(emails("password_reset")) == 1


def test_the_link_dies_after_an_hour(app, client, owner):
    _ask(client, "owner@example.com")
    token = emailed_token("password_reset", "owner@example.com")
    app.config["CLOCK_NOW"] = NOW + timedelta(minutes=61)
    assert client.get(f"/password/{token}").status_code == 404
    app.config["CLOCK_NOW"] = NOW + timedelta(minutes=59)
    assert client.get(f"/password/{token}").status_code == 200


def test_a_newer_link_voids_the_older_one(app, client, owner):
    _ask(client, "owner@example.com")
    first = emailed_token("password_reset", "owner@example.com")
    _ask(client, "owner@example.com")
    second = emailed_token("password_reset", "owner@example.com")
    assert client.get(f"/password/{first}").status_code == 404
    assert client.get(f"/password/{second}").status_code == 200


def test_a_reset_ends_every_session(app, client, logged_in):
    other = app.test_client()
    _ask(other, "owner@example.com")
    token = emailed_token("password_reset", "owner@example.com")
    other.post(
        f"/password/{token}", data={"password": "a fresh password", "confirm": "a fresh password"}
    )
    assert client.get("/").status_code == 302


def test_the_reset_email_reaches_the_mail_server(app, client, owner, smtp_server):
    smtp_server.configure(app)
    _ask(client, "owner@example.com")
    token = emailed_token("password_reset", "owner@example.com")
    deliver_due(NOW, settings=DeliverySettings.from_config(app.config))
    [received] = smtp_server.received
    assert received.recipients == ["owner@example.com"]
    assert f"/password/{token}" in received.message.get_body(("plain",)).get_content()


def test_asking_is_rate_limited_per_address(app, client, owner):
    statuses = [
        client.post("/password/forgot", data={"email": "x@example.com"}).status_code
        for _ in range(6)
    ]
    assert statuses[:5] == [303] * 5 and statuses[5] == 429


def test_the_command_line_sets_an_owner_password_and_lifts_the_lock(
    app, runner, owner, monkeypatch
):
    owner.failed_logins, owner.locked_until = 9, NOW + timedelta(hours=1)
    monkeypatch.setenv("PORTAL_USER_PASSWORD", "set from the shell")
    result = runner.invoke(args=["user", "reset-password", "owner@example.com"])
    assert result.exit_code == 0, result.output
    assert accounts.authenticate("owner@example.com", "set from the shell", now=NOW) is not None
    assert accounts.authenticate("owner@example.com", PASSWORD, now=NOW) is None


def test_the_command_line_refuses_an_unknown_address(app, runner, owner, monkeypatch):
    monkeypatch.setenv("PORTAL_USER_PASSWORD", "set from the shell")
    result = runner.invoke(args=["user", "reset-password", "nobody@example.com"])
    assert result.exit_code == 1 and "No user" in result.output


def test_password_links_never_reach_the_logs(app, client, owner, caplog):
    import logging

    from portal.log_redaction import PASSWORD_REDACTED

    caplog.set_level(logging.INFO)
    _ask(client, "owner@example.com")
    token = emailed_token("password_reset", "owner@example.com")
    logging.getLogger("werkzeug").info('127.0.0.1 - - "GET /password/%s HTTP/1.1" 200 -', token)
    logging.getLogger("gunicorn.access").info("%(r)s", {"r": f"POST /password/{token} HTTP/1.0"})
    logging.getLogger("werkzeug").info('"GET /password/forgot HTTP/1.1" 200 -')
    assert token not in caplog.text
    assert caplog.text.count(PASSWORD_REDACTED) == 2 and "/password/forgot" in caplog.text
