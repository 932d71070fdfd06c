"""Who may do what in the dashboard: the owner everything, a collector the daily work.

A collector works customers, invoices, payments, disputes, plans, tasks,
messages, pauses and bank statements; the owner alone changes what every
debtor sees or receives (settings and bank details, the logo, reference rates, a
customer's own late-payment terms,
reminder scenarios and their messages), imports customers and invoices, and
creates or revokes debtor links. The rule lives here, once, and the
blueprint's guard applies it before any view runs; the table is tested route
by route.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import Request
from flask_babel import lazy_gettext as _l

#: Endpoints only the owner may reach, whatever the method.
OWNER_ONLY = frozenset(
    {
        "creditor.settings_update",
        "creditor.settings_logo_update",
        "creditor.settings_rates_show",
        "creditor.settings_rates_update",
        "creditor.scenario_list",
        "creditor.scenario_show",
        "creditor.scenario_step_create",
        "creditor.scenario_step_move",
        "creditor.scenario_step_preview",
        "creditor.scenario_step_remove",
        "creditor.scenario_step_show",
        "creditor.scenario_step_test",
        "creditor.link_create",
        "creditor.link_revoke_all",
        "creditor.customer_terms_update",
        "creditor.user_list",
        "creditor.user_invite",
        "creditor.user_invite_again",
        "creditor.user_role_update",
        "creditor.user_deactivate",
        "creditor.user_reactivate",
        "creditor.user_sessions_end",
        "creditor.two_factor_requirement_update",
    }
)

#: The CSV import is the owner's, except payments, which are a collector's daily work too.
IMPORT_ENDPOINTS = frozenset(
    {"creditor.import_start", "creditor.import_preview", "creditor.import_confirm"}
)


def may_open(endpoint: str | None, request: Request, *, is_owner: bool) -> bool:
    """Whether the logged-in user may reach `endpoint` with this request."""
    if is_owner or endpoint is None:
        return True
    if endpoint in OWNER_ONLY:
        return False
    if endpoint in IMPORT_ENDPOINTS:
        kind = request.values.get("kind", "payments" if request.method == "GET" else "")
        return kind == "payments"
    return True


def may(endpoint: str, *, is_owner: bool) -> bool:
    """For templates: show a link only to those who may follow it."""
    return is_owner or endpoint not in OWNER_ONLY


#: The dashboard's areas as the "who can do what" table names them, by endpoint prefix.
#: Every dashboard endpoint belongs to one (a test checks), so a new page shows up here.
AREAS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("creditor.home",), _l("Home: totals and aged balance")),
    (
        ("creditor.trends_", "creditor.forecast_", "creditor.risk_", "creditor.export_"),
        _l("Collection figures: trends, cash forecast, payer risk, exports"),
    ),
    (("creditor.customer_",), _l("Customers: contacts, pauses, credit")),
    (
        (
            "creditor.invoice_",
            "creditor.statement_pdf",
            "creditor.formal_notice_pdf",
            "creditor.notice_letter_",
        ),
        _l("Invoices, payments and documents, formal notices by post"),
    ),
    (("creditor.dispute_", "creditor.declaration_"), _l("Disputes and declared payments")),
    (("creditor.plan_",), _l("Payment plans")),
    (("creditor.task_",), _l("Tasks")),
    (("creditor.thread_",), _l("Messages with customers")),
    (("creditor.bank_",), _l("Bank statements and reconciliation")),
    (("creditor.outbox_",), _l("Outbox")),
    (("creditor.import_",), _l("CSV imports (a collector: payments only)")),
    (("creditor.link_",), _l("Debtor access links")),
    (("creditor.scenario_",), _l("Reminder scenarios and messages")),
    (("creditor.settings_",), _l("Settings, bank details, logo, reference rates")),
    (("creditor.user_", "creditor.two_factor_"), _l("Users, roles and two-step login")),
)


@dataclass(frozen=True)
class AreaAccess:
    label: str
    endpoints: tuple[str, ...]
    collector: str
    """"yes", "partly" or "no": computed from OWNER_ONLY and IMPORT_ENDPOINTS."""


def area_of(endpoint: str) -> str | None:
    for prefixes, label in AREAS:
        if endpoint.startswith(prefixes):
            return str(label)
    return None


def access_table(endpoints: Iterable[str]) -> list[AreaAccess]:
    """What each role may do, area by area, read from the rules above (the owner: everything)."""
    endpoints = sorted(set(endpoints))
    table = []
    for prefixes, label in AREAS:
        mine = tuple(e for e in endpoints if e.startswith(prefixes))
        closed = [e for e in mine if e in OWNER_ONLY]
        partly = [e for e in mine if e in IMPORT_ENDPOINTS]
        if mine and len(closed) == len(mine):
            collector = "no"
        elif closed or partly:
            collector = "partly"
        else:
            collector = "yes"
        table.append(AreaAccess(str(label), mine, collector))
    return table
