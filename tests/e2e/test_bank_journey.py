"""A creditor imports a bank statement, accepts a suggestion and assigns a credit by hand."""

import re

import pytest

from ..factories import PASSWORD, make_customer, make_invoice
from ..services.reconciliation.camt_builder import Line, statement
from .conftest import LAPTOP, PHONE, screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def receivables(owner):
    durand = make_customer(name="Menuiserie Durand")
    martin = make_customer(name="Atelier Martin")
    garage = make_customer(name="Garage Müller")
    return {
        "d1": make_invoice(durand, amount="80.00", number="FA-2026-0301"),
        "m1": make_invoice(martin, amount="300.00", number="FA-2026-0401"),
        "g1": make_invoice(garage, amount="200.00", number="FA-2026-0201"),
    }


def the_statement() -> bytes:
    return statement(
        [
            Line(24000, "E1", ustrd=["Reglement FA-2026-0201"], name="GARAGE MULLER"),
            Line(9600, "E2", ustrd=["VIREMENT"], name="SARL MENUISERIE DURAND"),
            Line(
                4321,
                "E3",
                ustrd=["ACOMPTE CHANTIER RUE DES LILAS", "REF CLIENT 4471"],
                name="SCI DES TILLEULS",
            ),
            Line(900, "E4", credit=False, kind="fee", ustrd=["FRAIS TENUE DE COMPTE"]),
        ]
    )


def _login(page, base):
    page.goto(base + "/")
    page.get_by_label("E-mail").fill("owner@example.com")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(base + "/")


def _fits_the_screen(page, viewport) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"] + 1, f"{page.url} scrolls sideways"


@pytest.mark.parametrize("size", ["laptop", "phone"])
def test_import_a_statement_then_place_its_credits(live_server, page_factory, receivables, size):
    viewport = LAPTOP if size == "laptop" else PHONE
    page = page_factory(viewport=viewport)
    _login(page, live_server)

    page.get_by_role("link", name="Banque").first.click()
    page.wait_for_url(re.compile(r"/bank$"))
    screenshot(page, f"bank-inbox-empty-{size}")
    page.get_by_role("button", name="Importer un relevé bancaire").first.click()
    page.get_by_label("Fichier du relevé").set_input_files(
        {"name": "releve.xml", "mimeType": "application/xml", "buffer": the_statement()}
    )
    screenshot(page, f"bank-statement-upload-{size}")
    page.get_by_role("button", name="Vérifier le fichier").click()
    page.wait_for_url(re.compile(r"/bank/import/preview"))
    assert "4 opérations lues." in page.locator("main").inner_text()
    screenshot(page, f"bank-statement-preview-{size}")
    _fits_the_screen(page, viewport)

    page.get_by_role("button", name="Importer", exact=True).click()
    page.wait_for_url(re.compile(r"/bank$"))
    assert (
        "Relevé importé — rapprochées : 1, à vérifier : 1"
        in page.locator(".flash-success").first.inner_text()
    )
    screenshot(page, f"bank-inbox-{size}")
    _fits_the_screen(page, viewport)

    suggestion = page.locator("article.bank-entry", has_text="SARL MENUISERIE DURAND")
    suggestion.get_by_role("button", name="Accepter").click()
    page.wait_for_url(re.compile(r"/bank$"))
    assert "enregistré pour Menuiserie Durand" in page.locator(".flash-success").first.inner_text()

    unmatched = page.locator("article.bank-entry", has_text="SCI DES TILLEULS")
    unmatched.get_by_role("searchbox").fill("Martin")
    unmatched.get_by_role("button", name="Rechercher").click()
    assign = unmatched.get_by_role("button", name="Attribuer à Atelier Martin")
    assign.wait_for()  # htmx drew the customer's open invoices inside the entry
    assert unmatched.get_by_role("checkbox", name=re.compile("FA-2026-0401")).is_checked()
    screenshot(page, f"bank-assign-{size}")
    _fits_the_screen(page, viewport)
    assign.click()
    page.wait_for_url(re.compile(r"/bank$"))
    assert "enregistré pour Atelier Martin" in page.locator(".flash-success").first.inner_text()
    assert "Rien à rapprocher" in page.locator("main").inner_text()
    screenshot(page, f"bank-inbox-placed-{size}")
    _fits_the_screen(page, viewport)
