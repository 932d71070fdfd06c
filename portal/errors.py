"""Error pages that look like the rest of the portal, in the visitor's language.

A debtor who follows a stale link lands on a page of the creditor's portal,
with the way back to their account (or to a fresh link), never on the staff
login: the debtor layout is chosen for debtor pages and for any visitor whose
session is a debtor's.
"""

from __future__ import annotations

from flask import Flask, g, render_template, request, session
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from portal.debtor.access import SESSION_CUSTOMER


def _debtor_visitor() -> bool:
    if request.blueprint == "debtor":
        return True
    staff = bool(current_user and current_user.is_authenticated)
    return not staff and bool(session.get(SESSION_CUSTOMER) or session.get("debtor_seen"))


def init_app(app: Flask) -> None:
    def page(status: int):
        def handler(error):
            if _debtor_visitor():
                return render_template(
                    "debtor/error.html",
                    status=status,
                    error=error,
                    knows_account=bool(session.get(SESSION_CUSTOMER)),
                    customer=g.get("customer"),
                ), status
            return render_template("errors/error.html", status=status, error=error), status

        return handler

    for status in (400, 403, 404, 405, 410, 413, 429, 500):
        app.register_error_handler(status, page(status))
    app.register_error_handler(CSRFError, page(400))
