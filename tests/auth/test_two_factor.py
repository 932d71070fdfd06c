"""Two-step login with an authenticator app (TOTP) and recovery codes."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest

from portal.models import RecoveryCode
from portal.services import two_factor
from portal.services.errors import DomainError

from ..conftest import NOW
from ..factories import PASSWORD, make_user

CODES = re.compile(r"<code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code>")


def _code(user, delta=timedelta(0)) -> str:
    return pyotp.TOTP(user.totp_secret).at(NOW + delta)


def _turn_on(client, user) -> list[str]:
    assert client.post("/my-account/two-factor/start").status_code == 303
    page = client.get("/my-account/two-factor").get_data(as_text=True)
    assert user.totp_secret in page and "data:image/svg+xml;base64," in page
    response = client.post("/my-account/two-factor/confirm", data={"code": _code(user)})
    assert response.status_code == 200
    return CODES.findall(response.get_data(as_text=True))


def test_turn_on_then_log_in_with_the_app_code(app, client, logged_in, auth):
    codes = _turn_on(client, logged_in)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert RecoveryCode.query.count() == 10
    assert all(code not in {r.code_hash for r in RecoveryCode.query} for code in codes)
    assert client.get("/").status_code == 200  # this session carried on
    auth.logout()

    response = auth.login()
    assert response.status_code == 303 and response.location.endswith("/login/code")
    assert client.get("/").status_code == 302  # not logged in before the code
    app.config["CLOCK_NOW"] = NOW + timedelta(seconds=30)
    response = client.post("/login/code", data={"code": _code(logged_in, timedelta(seconds=30))})
    assert response.status_code == 303
    assert client.get("/").status_code == 200


def test_an_app_code_works_once(app, client, logged_in, auth):
    _turn_on(client, logged_in)
    auth.logout()
    auth.login()
    assert client.post("/login/code", data={"code": _code(logged_in)}).status_code == 401


def test_a_recovery_code_works_once(app, client, logged_in, auth):
    codes = _turn_on(client, logged_in)
    auth.logout()
    auth.login()
    assert client.post("/login/code", data={"code": codes[3].upper()}).status_code == 303
    auth.logout()
    auth.login()
    assert client.post("/login/code", data={"code": codes[3]}).status_code == 401
    assert client.post("/login/code", data={"code": codes[4]}).status_code == 303


def test_wrong_codes_lock_the_account(app, client, logged_in, auth):
    _turn_on(client, logged_in)
    auth.logout()
    auth.login()
    for _ in range(5):
        assert client.post("/login/code", data={"code": "000000"}).status_code == 401
    assert logged_in.locked_until is not None
    app.config["CLOCK_NOW"] = NOW + timedelta(seconds=30)
    right = _code(logged_in, timedelta(seconds=30))
    assert client.post("/login/code", data={"code": right}).status_code == 401


def test_the_code_step_expires(app, client, logged_in, auth):
    _turn_on(client, logged_in)
    auth.logout()
    auth.login()
    app.config["CLOCK_NOW"] = NOW + timedelta(minutes=6)
    response = client.post("/login/code", data={"code": _code(logged_in, timedelta(minutes=6))})
    assert response.status_code == 303 and response.location.endswith("/login")
    assert client.get("/").status_code == 302


def test_a_wrong_first_code_leaves_it_off(app, owner):
    two_factor.start_setup(owner)
    with pytest.raises(DomainError):
        two_factor.confirm(owner, "123456" if _code(owner) != "123456" else "654321", now=NOW)
    assert not owner.totp_enabled


def test_turning_it_off_asks_for_the_password(app, client, logged_in):
    _turn_on(client, logged_in)
    client.post("/my-account/two-factor/disable", data={"password": "not my password"})
    assert logged_in.totp_enabled
    client.post("/my-account/two-factor/disable", data={"password": PASSWORD})
    assert not logged_in.totp_enabled and RecoveryCode.query.count() == 0


def test_the_owner_can_require_it_for_everyone(app, client, logged_in):
    make_user("collector@example.com", role="collector")
    assert client.post("/users/two-factor", data={"required": "y"}).status_code == 303
    colleague = app.test_client()
    colleague.post("/login", data={"email": "collector@example.com", "password": PASSWORD})
    response = colleague.get("/invoices")
    assert response.status_code == 302 and response.location.endswith("/my-account/two-factor")
    assert colleague.get("/my-account/two-factor").status_code == 200
    # the owner too, from their next page
    assert client.get("/").location.endswith("/my-account/two-factor")


def test_the_command_line_turns_it_off_for_a_lost_phone(
    app, runner, client, logged_in, monkeypatch
):
    _turn_on(client, logged_in)
    monkeypatch.setenv("PORTAL_USER_PASSWORD", "set from the shell")
    result = runner.invoke(
        args=["user", "reset-password", "owner@example.com", "--disable-two-factor"]
    )
    assert result.exit_code == 0, result.output
    assert not logged_in.totp_enabled
