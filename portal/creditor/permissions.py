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

from flask import Request

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
