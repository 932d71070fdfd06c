"""The owner manages the users: invite, change a role, deactivate; and who can do what."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.creditor import permissions
from portal.models import Role, User
from portal.services import accounts, user_admin
from portal.services.user_admin import UserChangeRefused

from ..conftest import NOW
from ..factories import PASSWORD, make_user
from .conftest import emailed_token, emails


def test_an_invited_user_chooses_a_password_through_the_emailed_link(app, client, logged_in):
    response = client.post(
        "/users/invite", data={"email": "Claire@Example.com", "name": "Claire", "role": "collector"}
    )
    assert response.status_code == 303
    claire = accounts.get_by_email("claire@example.com")
    assert claire.role is Role.COLLECTOR and not claire.has_password
    assert "Claire" in client.get("/users").get_data(as_text=True)

    token = emailed_token("user_invitation", "claire@example.com")
    other = app.test_client()
    assert other.get(f"/password/{token}").status_code == 200
    response = other.post(
        f"/password/{token}", data={"password": "claire's own pass", "confirm": "claire's own pass"}
    )
    assert response.status_code == 303
    assert (
        other.post(
            "/login", data={"email": "claire@example.com", "password": "claire's own pass"}
        ).status_code
        == 303
    )
    assert other.get(f"/password/{token}").status_code == 404  # used once


def test_an_expired_invitation_is_sent_again(app, client, logged_in):
    client.post("/users/invite", data={"email": "claire@example.com", "role": "collector"})
    first = emailed_token("user_invitation", "claire@example.com")
    claire = accounts.get_by_email("claire@example.com")
    app.config["CLOCK_NOW"] = NOW + timedelta(days=8)
    assert client.get(f"/password/{first}").status_code == 404
    assert client.post(f"/users/{claire.id}/invite").status_code == 303
    second = emailed_token("user_invitation", "claire@example.com")
    assert second != first and client.get(f"/password/{second}").status_code == 200
    with pytest.raises(UserChangeRefused):
        user_admin.invite_again(
            logged_in, actor_user=logged_in, now=NOW, base_url="", valid_for=timedelta(days=1)
        )


def test_an_invitation_email_is_not_readable_in_the_outbox(app, client, logged_in):
    client.post("/users/invite", data={"email": "claire@example.com", "role": "collector"})
    message = emails("user_invitation")[0]
    token = emailed_token("user_invitation", "claire@example.com")
    page = client.get(f"/outbox/{message.id}").get_data(as_text=True)
    assert token not in page and "/password/" not in page
    assert client.get(f"/outbox/{message.id}/html").status_code == 404


def test_inviting_an_existing_address_is_refused(app, client, logged_in):
    response = client.post("/users/invite", data={"email": "owner@example.com", "role": "owner"})
    assert response.status_code == 422
    assert emails("user_invitation") == []


def test_a_role_change_takes_effect_at_once_and_ends_their_sessions(app, client, logged_in):
    make_user("collector@example.com", role="collector")
    colleague = app.test_client()
    colleague.post("/login", data={"email": "collector@example.com", "password": PASSWORD})
    assert colleague.get("/").status_code == 200
    target = accounts.get_by_email("collector@example.com")
    response = client.post(f"/users/{target.id}/role", data={"role": "owner"})
    assert response.status_code == 303
    assert target.role is Role.OWNER
    assert colleague.get("/").status_code == 302  # logged out: log in again with the new role


def test_a_deactivated_user_is_out_at_once_and_cannot_log_in(app, client, logged_in):
    make_user("collector@example.com", role="collector")
    colleague = app.test_client()
    colleague.post("/login", data={"email": "collector@example.com", "password": PASSWORD})
    target = accounts.get_by_email("collector@example.com")
    assert client.post(f"/users/{target.id}/deactivate").status_code == 303
    assert colleague.get("/").status_code == 302
    response = colleague.post(
        "/login", data={"email": "collector@example.com", "password": PASSWORD}
    )
    assert response.status_code == 401
    client.post(f"/users/{target.id}/reactivate")
    assert (
        colleague.post(
            "/login", data={"email": "collector@example.com", "password": PASSWORD}
        ).status_code
        == 303
    )


def test_the_owner_cannot_deactivate_themselves(app, client, logged_in):
    response = client.post(
        f"/users/{logged_in.id}/deactivate",
        follow_redirects=True,
        headers={"Accept-Language": "en"},
    )
    assert "cannot deactivate your own account" in response.get_data(as_text=True)
    assert logged_in.active


def test_the_last_active_owner_stays_an_owner(app, owner):
    second = make_user("second@example.com", role="owner")
    user_admin.change_role(second, "collector", actor_user=owner, now=NOW)
    with pytest.raises(UserChangeRefused):
        user_admin.change_role(owner, "collector", actor_user=second, now=NOW)
    assert owner.role is Role.OWNER


def test_a_deactivated_owner_does_not_count_as_the_owner_who_remains(app, owner):
    second = make_user("second@example.com", role="owner")
    user_admin.deactivate(second, actor_user=owner, now=NOW)
    with pytest.raises(UserChangeRefused):
        user_admin.change_role(owner, "collector", actor_user=owner, now=NOW)
    with pytest.raises(UserChangeRefused):
        user_admin.deactivate(owner, actor_user=second, now=NOW)


def test_the_owner_logs_someone_out_everywhere(app, client, logged_in):
    make_user("collector@example.com", role="collector")
    colleague = app.test_client()
    colleague.post("/login", data={"email": "collector@example.com", "password": PASSWORD})
    target = accounts.get_by_email("collector@example.com")
    client.post(f"/users/{target.id}/sessions/end")
    assert colleague.get("/").status_code == 302
    assert client.get("/").status_code == 200


def test_who_can_do_what_is_read_from_the_permissions(app, client, logged_in):
    endpoints = [r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("creditor.")]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert [e for e in endpoints if permissions.area_of(e) is None] == []
        table = {row.label: row.collector for row in permissions.access_table(endpoints)}
    assert table["Users, roles and two-step login"] == "no"
    assert table["Bank statements and reconciliation"] == "yes"
    assert table["CSV imports (a collector: payments only)"] == "partly"
    with app.test_request_context():
        rows = permissions.access_table(endpoints)
    for row in rows:
        open_to_collector = [e for e in row.endpoints if permissions.may(e, is_owner=False)]
        assert (row.collector == "no") == (open_to_collector == [])
    page = client.get("/users", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Who can do what" in page and "Reminder scenarios and messages" in page


def test_the_users_page_is_listed_for_the_owner_only(app, client, logged_in):
    assert 'href="/users"' in client.get("/").get_data(as_text=True)
    assert User.query.count() == 1
