"""A creditor turns two-step login on, logs out, logs in with the app's code, then with a
recovery code; the owner's users page on a phone and a laptop."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest

from portal.extensions import db

from ..conftest import NOW
from ..factories import PASSWORD, make_user
from .conftest import LAPTOP, PHONE, screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def owner(owner):
    """The owner, committed: the live server reads the database from its own thread."""
    db.session.commit()
    return owner


def _password_step(page, base):
    page.goto(base + "/login")
    page.get_by_label("E-mail").fill("owner@example.com")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def _log_out(page):
    page.locator("details.more-menu summary").click()
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(re.compile(r"/login$"))


def test_turn_on_two_step_login_then_log_in_with_a_code_and_a_recovery_code(
    app, live_server, page_factory, owner
):
    page = page_factory(viewport=LAPTOP)
    _password_step(page, live_server)
    page.wait_for_url(live_server + "/")

    page.goto(live_server + "/my-account")
    screenshot(page, "account-laptop")
    page.get_by_role("button", name="Activer la connexion en deux étapes").click()
    page.get_by_role("button", name="Commencer").click()
    secret = page.locator(".totp-secret").inner_text().strip()
    assert page.locator("img.totp-qr").evaluate("img => img.naturalWidth") > 0
    screenshot(page, "two-factor-setup-laptop")
    page.get_by_label("Code").fill(pyotp.TOTP(secret).at(NOW))
    page.get_by_role("button", name="Activer", exact=True).click()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    screenshot(page, "recovery-codes-laptop")

    _log_out(page)
    _password_step(page, live_server)
    page.wait_for_url(re.compile(r"/login/code$"))
    app.config["CLOCK_NOW"] = NOW + timedelta(seconds=30)  # the next code of the app
    page.get_by_label("Code").fill(pyotp.TOTP(secret).at(NOW + timedelta(seconds=30)))
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(live_server + "/")

    _log_out(page)
    _password_step(page, live_server)
    page.wait_for_url(re.compile(r"/login/code$"))
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(live_server + "/")
    page.goto(live_server + "/my-account")
    assert "9 codes de secours restants" in page.locator("main").inner_text()


def test_the_code_step_and_the_users_page_on_a_phone(app, live_server, page_factory, owner):
    make_user("claire@example.com", role="collector", name="Claire Martin")
    db.session.commit()
    page = page_factory(viewport=PHONE)
    page.goto(live_server + "/login")
    screenshot(page, "login-phone")
    _password_step(page, live_server)
    page.wait_for_url(live_server + "/")
    for path, name in [
        ("/users", "users"),
        ("/my-account", "account"),
        ("/my-account/two-factor", "two-factor-setup"),
        ("/settings", "settings"),
    ]:
        page.goto(live_server + path)
        screenshot(page, f"{name}-phone")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1, f"{path} scrolls sideways on a phone"
    page.goto(live_server + "/password/forgot")
    screenshot(page, "password-forgot-phone")

    laptop = page_factory(viewport=LAPTOP)
    _password_step(laptop, live_server)
    laptop.wait_for_url(live_server + "/")
    laptop.goto(live_server + "/users")
    assert laptop.locator("table.access tbody tr").count() >= 10
    screenshot(laptop, "users-laptop")
    laptop.goto(live_server + "/settings")
    screenshot(laptop, "settings-laptop")
