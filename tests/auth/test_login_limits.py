"""Login limits: per account (a growing lock, the owner told) and per address; equal time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher

from portal.models import Task
from portal.services import accounts
from portal.services.login_lock import LockPolicy

from ..conftest import NOW
from ..factories import PASSWORD


def _login(client, password: str, email: str = "owner@example.com"):
    return client.post("/login", data={"email": email, "password": password})


def _at(app, delta: timedelta) -> None:
    app.config["CLOCK_NOW"] = NOW + delta


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(app, client, owner):
    assert [_login(client, "wrong password").status_code for _ in range(5)] == [401] * 5
    assert owner.locked_until == NOW + timedelta(minutes=1)
    assert _login(client, PASSWORD).status_code == 401
    _at(app, timedelta(seconds=61))
    assert _login(client, PASSWORD).status_code == 303
    assert owner.failed_logins == 0 and owner.locked_until is None


def test_each_further_failure_doubles_the_wait(app, client, owner):
    for _ in range(5):
        _login(client, "wrong password")
    _at(app, timedelta(minutes=2))
    _login(client, "wrong password")  # the sixth
    assert owner.locked_until == NOW + timedelta(minutes=4)  # 2 minutes from then
    _at(app, timedelta(minutes=5))
    _login(client, "wrong password")  # the seventh
    assert owner.locked_until == NOW + timedelta(minutes=9)  # 4 minutes from then


def test_the_lock_is_capped(app):
    policy = LockPolicy(
        threshold=5, first_lock=timedelta(minutes=1), longest_lock=timedelta(hours=1)
    )
    assert policy.lock_for(4) == timedelta(0)
    assert policy.lock_for(5) == timedelta(minutes=1)
    assert policy.lock_for(11) == timedelta(hours=1)
    assert policy.lock_for(500) == timedelta(hours=1)


def test_the_owner_gets_one_task_when_an_account_is_locked(app, client, owner):
    for _ in range(5):
        _login(client, "wrong password")
    _at(app, timedelta(minutes=2))
    _login(client, "wrong password")
    [task] = Task.query.filter_by(kind="account_locked").all()
    assert "owner@example.com" in task.title and task.object_id == owner.id


def test_the_lock_holds_in_the_database_across_workers(app, client, owner):
    for _ in range(5):
        _login(client, "wrong password")
    from portal.extensions import db

    db.session.expire_all()  # what another worker would read
    assert accounts.get_by_email("owner@example.com").failed_logins == 5


def test_the_address_limit_counts_only_refused_logins(app, client, owner):
    for _ in range(12):
        assert _login(client, PASSWORD).status_code == 303
        client.post("/logout")
    statuses = [_login(client, "nope nope", "x@example.com").status_code for _ in range(11)]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429


@pytest.fixture
def verifications(monkeypatch):
    """Counts argon2 verifications: each refused login must cost exactly one."""
    calls = []
    real = PasswordHasher.verify

    def counting(self, hash_, password):
        calls.append(hash_)
        return real(self, hash_, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    return calls


@pytest.mark.parametrize("case", ["unknown", "inactive", "invited", "wrong", "locked"])
def test_every_refusal_costs_one_hash_verification(app, owner, verifications, case):
    email = "owner@example.com"
    if case == "unknown":
        email = "nobody@example.com"
    elif case == "inactive":
        owner.active = False
    elif case == "invited":
        owner.password_hash = ""
    elif case == "locked":
        owner.locked_until = NOW + timedelta(minutes=5)
    password = PASSWORD if case == "locked" else "not the password"
    verifications.clear()
    assert accounts.authenticate(email, password, now=NOW) is None
    assert len(verifications) == 1
