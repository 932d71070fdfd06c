"""Every page of the portal, checked by axe-core in Chromium on a phone and a laptop.

The pages are the GET routes of the creditor, debtor and login blueprints, read
from the app's url_map: a new page is checked the day it is added, or the
coverage test below fails and asks for it. Each page is shown with the demo data
plus one of everything the demo lacks (a dispute, a plan to review, an "I have
already paid" declaration, a promise, a message, a bank statement, reminders in
the outbox), so it has content to check. axe runs with its default rule set,
best practices included; any violation of any impact fails, and each page is
saved as a screenshot at both sizes in tests/artifacts/ to look at.

axe-core is the npm package pinned in tests/e2e/package-lock.json (`npm ci`
there; `make install` does it): nothing is downloaded while the tests run.
"""

from __future__ import annotations

import io
import shutil
import threading
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from portal import create_app
from portal.extensions import db
from portal.models import (
    AttemptStatus,
    BankEntry,
    CheckoutAttempt,
    Invoice,
    InvoiceStatus,
    OutboxMessage,
    Scenario,
)
from portal.services import customers, links, promises, threads
from portal.services.audit import Actor
from portal.services.declarations import declaring
from portal.services.demo import catalogue, demo_data, demo_statement
from portal.services.disputes import raising
from portal.services.dunning import dunning_pass, scenarios
from portal.services.dunning.dunning_settings import DunningSettings
from portal.services.plans import proposals
from portal.services.plans.schedule import Request
from portal.services.reconciliation import statement_import

from ..conftest import NOW, TODAY, _base_config
from .conftest import ARTIFACTS, LAPTOP, PHONE

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"

#: GET routes that answer with something other than a page, and why they are left out.
NOT_PAGES = {
    "creditor.declaration_proof_download": "a file download",
    "creditor.dispute_file_download": "a file download",
    "creditor.formal_notice_pdf": "a PDF",
    "creditor.invoice_pdf": "a PDF",
    "creditor.statement_pdf": "a PDF",
    "creditor.outbox_attachment_download": "a file download",
    "creditor.outbox_html_show": "an email's HTML, shown inside the outbox page",
    "creditor.task_badge_show": "a fragment of the navigation",
    "creditor.thread_attachment": "a file download",
    "debtor.invoice_pdf": "a PDF",
    "debtor.statement_pdf": "a PDF",
    "debtor.thread_attachment": "a file download",
    "debtor.transfer_qr": "an SVG image",
    "debtor.link_open": "redirects to the account page",
    "auth.setup": "only before the first user exists (tests/test_app.py)",
    "auth.login_code": "only between the password and the code (tests/e2e/test_two_factor_journey.py)",
    "auth.password_choose": "needs an emailed one-time link (tests/auth/test_password_reset.py)",
    "creditor.export_download": "a CSV or XLSX download",
    "creditor.customer_formal_notice_pdf": "a PDF",
    "creditor.notice_letter_pdf": "a PDF",
    "debtor.receipt_pdf": "a PDF",
}

BLUEPRINTS = ("creditor", "debtor", "auth")

#: What must fit the screen without scrolling sideways, even on a phone.
FIT_THE_SCREEN = {"creditor.settings_rates_show": "#rates"}

#: Runs axe in the page and returns its violations, a few nodes each.
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 4).map((n) => n.target.join(" ")),
  }));
}"""


#: The pages and their paths; `{name}` stands for the id of an object the site made.
CREDITOR_PAGES = {
    "creditor.home": "/",
    "creditor.customer_list": "/customers",
    "creditor.customer_show": "/customers/{customer}",
    "creditor.customer_contacts_update": "/customers/{customer}/contacts",
    "creditor.invoice_list": "/invoices",
    "creditor.invoice_show": "/invoices/{invoice}",
    "creditor.task_list": "/tasks",
    "creditor.bank_entry_list": "/bank",
    "creditor.bank_entry_assign": "/bank/entries/{entry}/assign",
    "creditor.bank_statement_start": "/bank/import",
    "creditor.dispute_list": "/disputes",
    "creditor.dispute_show": "/disputes/{dispute}",
    "creditor.thread_list": "/messages",
    "creditor.thread_show": "/customers/{customer}/messages",
    "creditor.plan_list": "/plans",
    "creditor.outbox_list": "/outbox",
    "creditor.outbox_show": "/outbox/{message}",
    "creditor.scenario_list": "/scenarios",
    "creditor.scenario_show": "/scenarios/{scenario}",
    "creditor.scenario_step_show": "/scenarios/{scenario}/steps/{step}",
    "creditor.import_start": "/import",
    "creditor.settings_update": "/settings",
    "creditor.settings_rates_show": "/settings/rates",
    "creditor.trends_show": "/trends",
    "creditor.forecast_show": "/forecast",
    "creditor.risk_list": "/risk",
    "creditor.user_list": "/users",
    "auth.account_show": "/my-account",
    "auth.two_factor_setup": "/my-account/two-factor",
}
DEBTOR_PAGES = {
    "debtor.account_show": "/account",
    "debtor.history_show": "/account/history",
    "debtor.invoice_show": "/account/invoices/{invoice}",
    "debtor.dispute_new": "/account/invoices/{disputable}/dispute",
    "debtor.dispute_show": "/account/disputes/{dispute}",
    "debtor.declaration_new": "/account/declarations/new",
    "debtor.declaration_show": "/account/declarations/{declaration}",
    "debtor.plan_new": "/account/plans/new",
    "debtor.plan_preview": "/account/plans/preview",
    "debtor.plan_show": "/account/plans/{plan}",
    "debtor.promise_new": "/account/promises/new",
    "debtor.thread_show": "/account/messages",
    "debtor.checkout_return": "/account/pay/return/{attempt}",
}
PUBLIC_PAGES = {
    "auth.login": "/login",
    "auth.password_forgot": "/password/forgot",
    "debtor.link_invalid": "/link",
}


@dataclass
class Site:
    url: str
    token: str
    ids: dict[str, int]

    def path(self, template: str) -> str:
        return self.url + template.format(**self.ids)


@pytest.fixture
def _no_frozen_clock():
    """The site below has its own app, pinned at the suite's NOW."""


def _open_invoices(customer) -> list[Invoice]:
    return list(
        db.session.scalars(
            select(Invoice)
            .where(Invoice.customer_id == customer.id, Invoice.status == InvoiceStatus.OPEN)
            .order_by(Invoice.due_date, Invoice.id)
        )
    )


def _add_what_the_demo_lacks(app, instance: Path) -> dict:
    """A bank statement, a dispute, a declaration, a plan, a promise, messages, reminders."""
    statement = demo_statement.write_statement(instance / "statement.xml", today=TODAY, now=NOW)
    statement_import.import_statement(
        statement.read_bytes(), filename="statement.xml", actor=Actor.cli(), now=NOW
    )
    customer = max(
        (customers.get_by_ref(f"CL{n:04d}") for n in range(1, 31)),
        key=lambda c: (len(_open_invoices(c)), c.language == "fr"),
    )
    first, second, third, fourth, fifth = _open_invoices(customer)[:5]
    debtor = Actor.debtor(customer)
    uploads = instance / "uploads"
    dispute = raising.open_dispute(
        customer,
        first.id,
        {first.lines[0].id: min(5000, first.lines[0].total_cents)},
        reason="wrong_price",
        comment="Le tarif convenu était plus bas.",
        files=[],
        uploads_folder=uploads,
        max_file_bytes=1024 * 1024,
        review_url=app.config["BASE_URL"] + "/disputes",
        today=TODAY,
        now=NOW,
        actor=debtor,
    )
    declaration = declaring.declare(
        customer,
        [second.id],
        declaring.Declared(TODAY - timedelta(days=2), second.outstanding_cents, "transfer", "VIR"),
        None,
        uploads_folder=uploads,
        max_proof_bytes=1024 * 1024,
        pause_days=7,
        review_url=app.config["BASE_URL"] + "/tasks",
        today=TODAY,
        now=NOW,
        actor=debtor,
    )
    plan = proposals.propose(
        customer,
        Request(invoice_ids=(third.id, fourth.id), count=6, first_date=TODAY + timedelta(days=5)),
        today=TODAY,
        now=NOW,
        actor=debtor,
        base_url=app.config["BASE_URL"],
        link_days=30,
    )
    promises.create(
        customer,
        [fifth.id],
        promised_date=TODAY + timedelta(days=10),
        amount_cents=None,
        today=TODAY,
        now=NOW,
        actor=debtor,
    )
    threads.post(
        customer,
        author=threads.DEBTOR,
        body="Bonjour, pouvez-vous m'envoyer le bon de livraison ?",
        files=[threads.Upload(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "bon.pdf")],
        uploads_folder=uploads,
        max_bytes=1024 * 1024,
        now=NOW,
        actor=debtor,
        notify_url=app.config["BASE_URL"] + f"/customers/{customer.id}/messages",
    )
    attempt = CheckoutAttempt(
        customer_id=customer.id,
        idempotency_key="a11y",
        amount_cents=fifth.outstanding_cents,
        currency=fifth.currency,
        allocations={str(fifth.id): fifth.outstanding_cents},
        status=AttemptStatus.PROCESSING,
        created_at=NOW,
        updated_at=NOW,
    )
    db.session.add(attempt)
    db.session.commit()
    dunning_pass.run_pass(NOW, DunningSettings.from_config(app.config))
    token = links.create(customer, now=NOW, days=30, actor=Actor.system())
    db.session.commit()
    scenario = db.session.scalars(select(Scenario).order_by(Scenario.id)).first()
    entry = db.session.scalars(select(BankEntry).order_by(BankEntry.id)).first()
    message = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).first()
    ids = {
        "customer": customer.id,
        "invoice": first.id,
        "disputable": fifth.id,
        "dispute": dispute.id,
        "declaration": declaration.id,
        "plan": plan.id,
        "attempt": attempt.id,
        "scenario": scenario.id,
        "step": scenario.steps[1].id,
        "entry": entry.id,
        "message": message.id,
    }
    return token, ids


@pytest.fixture(scope="module")
def site(migrated_database, tmp_path_factory):
    """The demo portal with one of everything, served on 127.0.0.1 for the whole module."""
    tmp = tmp_path_factory.mktemp("a11y")
    instance = tmp / "instance"
    instance.mkdir()
    if migrated_database.startswith("postgres"):
        database_url = migrated_database
    else:
        shutil.copyfile(migrated_database, tmp / "portal.db")
        database_url = f"sqlite:///{tmp / 'portal.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PORTAL_INSTANCE_PATH", str(instance))
        app = create_app(_base_config(tmp, database_url))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = url
    with app.app_context():
        demo_data.load(today=TODAY, now=NOW)
        scenarios.install_defaults(now=NOW, actor=Actor.cli())
        db.session.commit()
        token, ids = _add_what_the_demo_lacks(app, instance)
        site = Site(url=url, token=token, ids=ids)
        db.session.remove()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        if database_url.startswith("postgres"):
            tables = ", ".join(t.name for t in db.metadata.sorted_tables)
            db.session.execute(db.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.session.commit()
        db.engine.dispose()


def _page_endpoints(app) -> set[str]:
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint.split(".")[0] in BLUEPRINTS
    }


def test_every_page_is_checked(app):
    """A page added to the portal must be listed here (or said not to be a page)."""
    listed = set(NOT_PAGES) | set(CREDITOR_PAGES) | set(DEBTOR_PAGES) | set(PUBLIC_PAGES)
    assert _page_endpoints(app) - listed == set(), "pages left unchecked"
    assert listed - _page_endpoints(app) == set(), "listed pages the portal no longer has"


def _violations(page, name: str, viewport: dict, label: str) -> list[str]:
    page.wait_for_load_state("networkidle")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"a11y-{name}-{label}.png"), full_page=True)
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    found = [
        f"{name} ({label}): {v['id']} [{v['impact']}] {v['help']} at {', '.join(v['nodes'])}"
        for v in page.evaluate(RUN_AXE)
    ]
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > viewport["width"] + 1:
        found.append(f"{name} ({label}): {width} px wide, scrolls sideways")
    return found


def _require_axe() -> None:
    if not AXE.exists():
        pytest.fail(f"axe-core is not installed: run `npm ci` in {AXE.parents[2]}")


VIEWPORTS = [pytest.param(PHONE, "phone", id="phone"), pytest.param(LAPTOP, "laptop", id="laptop")]


@pytest.mark.parametrize(("viewport", "label"), VIEWPORTS)
def test_creditor_pages_have_no_axe_violations(site, page_factory, viewport, label):
    _require_axe()
    page = page_factory(viewport=viewport)
    found = []
    for endpoint, path in PUBLIC_PAGES.items():
        page.goto(site.path(path))
        found += _violations(page, endpoint.replace(".", "-"), viewport, label)
    page.goto(site.url + "/login")
    page.locator("#email").fill(catalogue.DEMO_EMAIL)
    page.locator("#password").fill(catalogue.DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(site.url + "/")
    for endpoint, path in CREDITOR_PAGES.items():
        response = page.goto(site.path(path))
        assert response.status == 200, f"{path}: {response.status}"
        found += _violations(page, endpoint.replace(".", "-"), viewport, label)
        if endpoint in FIT_THE_SCREEN:
            box = page.locator(FIT_THE_SCREEN[endpoint]).bounding_box()
            assert box["width"] <= viewport["width"], f"{endpoint}: {box['width']} px wide"
    page.goto(site.url + "/no-such-page")
    found += _violations(page, "error-404", viewport, label)
    assert found == [], "\n".join(found)


@pytest.mark.parametrize(("viewport", "label"), VIEWPORTS)
def test_debtor_pages_have_no_axe_violations(site, page_factory, viewport, label):
    _require_axe()
    page = page_factory(viewport=viewport)
    page.goto(f"{site.url}/p/{site.token}")
    page.wait_for_url(site.url + "/account")
    found = []
    for endpoint, path in DEBTOR_PAGES.items():
        response = page.goto(site.path(path))
        assert response.status == 200, f"{path}: {response.status}"
        found += _violations(page, endpoint.replace(".", "-"), viewport, label)
    page.goto(site.url + "/account")
    page.locator("button.pay-button").first.click()
    page.wait_for_url(site.url + "/account/pay")
    found += _violations(page, "debtor-pay_choose", viewport, label)
    heights = page.locator("button[data-copy]").evaluate_all(
        "(buttons) => buttons.map((b) => b.getBoundingClientRect().height)"
    )
    assert heights, "the pay page offers no copy button"
    if viewport is PHONE:
        assert min(heights) >= 44, f"copy buttons {heights} px tall on a phone"
    assert found == [], "\n".join(found)


def _luminance(rgb: tuple[float, ...]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


#: The outline of the focused element: its colour as [r, g, b, alpha], width and style.
FOCUS_OUTLINE = """() => {
  const el = document.activeElement, style = getComputedStyle(el);
  const probe = document.createElement("canvas").getContext("2d");
  probe.fillStyle = style.outlineColor;
  const hex = probe.fillStyle;
  const rgb = hex.startsWith("#")
    ? [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).concat([1])
    : hex.match(/[0-9.]+/g).map(Number);
  return {tag: el.tagName + (el.id ? "#" + el.id : ""), color: rgb,
          width: parseFloat(style.outlineWidth), style: style.outlineStyle};
}"""


def test_the_keyboard_focus_ring_contrasts_with_the_page(site, page_factory):
    """WCAG 2.4.11/1.4.11: the focus indicator needs 3:1 against the white page."""
    page = page_factory(viewport=LAPTOP)
    page.goto(site.url + "/login")
    seen = []
    ring = page.evaluate(FOCUS_OUTLINE)  # the e-mail field has the focus on arrival
    for _ in range(8):  # the fields, the button, the language switch: inputs and buttons
        if ring["tag"] == "BODY":
            break
        seen.append(ring["tag"])
        assert ring["style"] != "none" and ring["width"] >= 2, ring
        assert ring["color"][3] == 1, f"a translucent ring on {ring['tag']}"
        assert _contrast(ring["color"], (255, 255, 255)) >= 3, ring
        page.keyboard.press("Tab")
        ring = page.evaluate(FOCUS_OUTLINE)
    assert {"INPUT#email", "INPUT#password", "BUTTON"} <= set(seen), seen
