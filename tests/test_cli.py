"""The `portal` command group (imports and demo have their own test modules)."""

from portal.services import accounts

from .conftest import NOW


def test_init_is_idempotent(runner):
    for _ in range(2):
        result = runner.invoke(args=["init"])
        assert result.exit_code == 0, result.output
        assert "Database ready" in result.output


def test_user_create_from_environment(runner, monkeypatch):
    monkeypatch.setenv("PORTAL_USER_PASSWORD", "a very long password")
    result = runner.invoke(args=["user", "create", "Paul@Example.com", "--role", "owner"])
    assert result.exit_code == 0, result.output
    assert "Created owner paul@example.com" in result.output
    assert accounts.authenticate("paul@example.com", "a very long password", now=NOW) is not None


def test_user_create_refuses_duplicates_and_short_passwords(runner, monkeypatch):
    monkeypatch.setenv("PORTAL_USER_PASSWORD", "short")
    result = runner.invoke(args=["user", "create", "a@example.com"])
    assert result.exit_code != 0 and "at least 10" in result.output
    monkeypatch.setenv("PORTAL_USER_PASSWORD", "a very long password")
    assert runner.invoke(args=["user", "create", "a@example.com"]).exit_code == 0
    again = runner.invoke(args=["user", "create", "a@example.com"])
    assert again.exit_code != 0 and "already exists" in again.output
