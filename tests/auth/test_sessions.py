"""Sessions that end: a copied cookie opens nothing once its user's sessions were ended."""

from __future__ import annotations

from portal.services import accounts
from portal.services.audit import Actor

from ..conftest import NOW
from ..factories import PASSWORD, make_organisation, make_user


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _replay(app, cookie: str):
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other.get("/settings")


def test_the_old_cookie_after_logout_gets_the_login_page(app, client, logged_in, auth):
    assert client.get("/settings").status_code == 200
    stolen = _cookie(client)
    assert auth.logout().status_code == 303
    response = _replay(app, stolen)
    assert response.status_code == 302 and "/login" in response.location


def test_logout_ends_the_sessions_on_every_device(app, client, logged_in, auth):
    laptop = app.test_client()
    assert (
        laptop.post("/login", data={"email": logged_in.email, "password": PASSWORD}).status_code
        == 303
    )
    assert laptop.get("/").status_code == 200
    auth.logout()
    assert laptop.get("/").status_code == 302


def test_log_out_everywhere_keeps_nobody_logged_in(app, client, logged_in):
    stolen = _cookie(client)
    response = client.post("/my-account/sessions/end")
    assert response.status_code == 303 and "/login" in response.location
    assert client.get("/").status_code == 302
    assert _replay(app, stolen).status_code == 302


def test_a_new_password_ends_the_other_sessions_and_keeps_this_one(app, client, logged_in):
    stolen = _cookie(client)
    response = client.post(
        "/my-account/password",
        data={
            "current": PASSWORD,
            "password": "a brand new secret",
            "confirm": "a brand new secret",
        },
    )
    assert response.status_code == 303
    assert client.get("/").status_code == 200
    assert _replay(app, stolen).status_code == 302
    assert accounts.authenticate(logged_in.email, "a brand new secret", now=NOW) is not None


def test_the_current_password_is_asked_before_a_new_one(app, client, logged_in):
    response = client.post(
        "/my-account/password",
        data={
            "current": "not the password",
            "password": "a brand new secret",
            "confirm": "a brand new secret",
        },
    )
    assert response.status_code == 422
    assert accounts.authenticate(logged_in.email, PASSWORD, now=NOW) is not None


def test_a_session_made_before_the_version_changed_is_void(app):
    make_organisation()
    user = make_user()
    session_id = user.get_id()
    assert accounts.load_session_user(session_id) is user
    accounts.end_sessions(user, actor=Actor.system(), now=NOW, why="test")
    assert accounts.load_session_user(session_id) is None
    assert accounts.load_session_user(user.get_id()) is user
    assert accounts.load_session_user(str(user.id)) is None  # a cookie from before versions


def test_a_deactivated_user_loses_the_session_at_once(app, client, logged_in):
    logged_in.active = False
    assert client.get("/").status_code == 302


def test_no_two_pages_share_an_address(app):
    """The debtor's /account and the user's own page once did: one hid the other."""
    seen: dict[tuple[str, str], str] = {}
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            assert (rule.rule, method) not in seen, (rule.rule, seen[(rule.rule, method)])
            seen[(rule.rule, method)] = rule.endpoint
