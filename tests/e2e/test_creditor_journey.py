"""A creditor logs in, filters the invoices down to the overdue ones, opens one."""

import re

import pytest

from ..factories import PASSWORD, days_ago, make_customer, make_invoice
from .conftest import LAPTOP, PHONE, screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def portfolio(owner):
    garage = make_customer(name="Garage Durand", segment="PME")
    cafe = make_customer(name="Café des Arts", segment="Particuliers", kind="consumer")
    late = make_invoice(garage, amount="1250.00", issue_date=days_ago(75), due_date=days_ago(45))
    make_invoice(garage, amount="300.00", issue_date=days_ago(10), due_date=days_ago(-20))
    make_invoice(cafe, amount="80.00", issue_date=days_ago(40), due_date=days_ago(10))
    return late


def _login(page, base):
    page.goto(base + "/")
    page.get_by_label("E-mail").fill("owner@example.com")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(base + "/")


def test_log_in_filter_invoices_open_one(live_server, page_factory, portfolio):
    page = page_factory(viewport=LAPTOP)
    _login(page, live_server)
    assert (
        page.locator(".figure .amount").first.inner_text().replace("\u202f", " ").startswith("1 ")
    )
    screenshot(page, "creditor-home-laptop")

    page.get_by_role("link", name="Factures").first.click()
    page.wait_for_url(re.compile(r"/invoices"))
    rows = page.locator("#results tbody tr")
    assert rows.count() == 3

    page.get_by_label("Statut").select_option("overdue")
    page.wait_for_url(re.compile(r"status=overdue"))  # htmx pushed the filter into the URL
    page.wait_for_function("document.querySelectorAll('#results tbody tr').length === 2")

    page.get_by_label("Âge").select_option("31_60")
    page.wait_for_url(re.compile(r"bucket=31_60"))
    page.wait_for_function("document.querySelectorAll('#results tbody tr').length === 1")
    screenshot(page, "creditor-invoices-filtered-laptop")

    page.get_by_role("link", name=portfolio.number).click()
    page.wait_for_url(re.compile(rf"/invoices/{portfolio.id}$"))
    assert "1 500,00" in page.locator("main").inner_text().replace("\u202f", " ").replace(
        "\u00a0", " "
    )
    screenshot(page, "creditor-invoice-laptop")


def test_home_and_lists_on_a_phone(live_server, page_factory, portfolio):
    page = page_factory(viewport=PHONE)
    _login(page, live_server)
    screenshot(page, "creditor-home-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, "the home page scrolls sideways on a phone"
    page.goto(live_server + "/invoices")
    screenshot(page, "creditor-invoices-phone")
