"""The house rules that keep the code easy to live in, checked on every run.

Read from the source with `ast`, so a rule fails the moment someone breaks it,
with the file and line to look at:

- services, models, values and adapters never reach into the web layer (the
  request, the session, the logged-in user, htmx, the UI's locale, blueprints):
  the scheduler, the command line and the tests call them without a request;
- services take their settings as arguments, never from `current_app.config`;
- views never touch the database session: they call services, and the request
  is committed once, outside them (portal/unit_of_work.py); services flush and
  never commit, except the jobs that must commit per batch or before calling
  out (listed below, each with its reason);
- value modules are leaves: no Flask, no database, nothing else of the portal;
- no module of the portal over 400 lines (migrations aside), no `# fmt: skip`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PORTAL = Path(__file__).resolve().parents[1] / "portal"
MAX_LINES = 400

WEB_MODULES = ("flask_login", "flask_htmx", "flask_wtf", "portal.i18n", "portal.templating")
WEB_PACKAGES = ("portal.creditor", "portal.debtor", "portal.auth", "portal.webhooks")
WEB_NAMES_FROM_FLASK = {"request", "session", "g", "flash", "url_for", "render_template"}


def _modules(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (PORTAL / folder).rglob("*.py"))


def _imports(path: Path) -> list[tuple[int, str, set[str]]]:
    """(line, module, names) for every import in the file, at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, set()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.lineno, node.module, {alias.name for alias in node.names}))
    return found


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(PORTAL.parent)}:{line}"


def _web_imports(path: Path) -> list[str]:
    bad = []
    for line, module, names in _imports(path):
        if module in WEB_MODULES or module.startswith(WEB_PACKAGES):
            bad.append(f"{_where(path, line)} imports {module}")
        elif module == "flask" and names & WEB_NAMES_FROM_FLASK:
            bad.append(f"{_where(path, line)} imports {sorted(names & WEB_NAMES_FROM_FLASK)}")
    return bad


@pytest.mark.parametrize("layer", ["services", "models", "values", "adapters"])
def test_the_domain_never_reaches_into_the_web_layer(layer):
    bad = [problem for path in _modules(layer) for problem in _web_imports(path)]
    assert bad == []


def test_services_take_their_settings_as_arguments():
    bad = []
    for path in _modules("services"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "config"
                and isinstance(node.value, ast.Name)
                and node.value.id == "current_app"
            ):
                bad.append(f"{_where(path, node.lineno)} reads current_app.config")
    assert bad == []


#: The only services that commit, and why.
COMMITTING_SERVICES = {
    "services/dunning/dunning_pass.py": "a long job: commits per batch of customers",
    "services/mail/delivery.py": "commits each email's outcome as soon as it is known",
    "services/mail/claims.py": "claims each email before sending it, so no email goes twice",
    "services/imports/importer.py": "an import commits per file, all or nothing",
    "services/reconciliation/statement_import.py": "a statement commits per batch of entries",
    "services/demo/demo_data.py": "a command that loads a whole data set",
    "services/checkout/sessions.py": "commits the attempt before calling Stripe, whose webhook "
    "may overtake the answer",
    "services/login_lock.py": "a wrong password is counted although the login answers 401, "
    "which rolls the request back",
}


def test_services_flush_and_leave_the_commit_to_the_request_or_job():
    bad = []
    for path in _modules("services"):
        name = str(path.relative_to(PORTAL))
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "commit"
                and name not in COMMITTING_SERVICES
                and "savepoint" not in ast.unparse(node.value)
            ):
                bad.append(f"{_where(path, node.lineno)} commits")
    assert bad == []


def test_views_never_touch_the_database_session():
    bad = []
    for path in _modules("creditor", "debtor", "auth", "webhooks"):
        for line, module, names in _imports(path):
            if module == "portal.extensions" and "db" in names:
                bad.append(f"{_where(path, line)} imports db")
    assert bad == []


def test_value_modules_are_leaves():
    bad = []
    for path in _modules("values"):
        for line, module, _ in _imports(path):
            if module.split(".")[0] in {"flask", "flask_sqlalchemy", "sqlalchemy"} or (
                module.startswith("portal") and not module.startswith("portal.values")
            ):
                bad.append(f"{_where(path, line)} imports {module}")
    assert bad == []


def test_no_module_is_over_400_lines_and_none_hides_from_the_formatter():
    too_long, skips = [], []
    for path in sorted(PORTAL.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        text = path.read_text()
        if (count := text.count("\n")) > MAX_LINES:
            too_long.append(f"{path.relative_to(PORTAL.parent)}: {count} lines")
        if "fmt: skip" in text:
            skips.append(str(path.relative_to(PORTAL.parent)))
    assert too_long == [] and skips == []


def test_the_tests_do_not_hide_from_the_formatter_either():
    tests = Path(__file__).resolve().parent
    this = Path(__file__).resolve()
    skips = [
        str(p.relative_to(tests.parent))
        for p in sorted(tests.rglob("*.py"))
        if p != this and "fmt: skip" in p.read_text()
    ]
    assert skips == []
