"""How a debtor gets in: a link opens a browser session bound to one customer.

The token is exchanged for a session at `/p/<token>` and the browser is sent on
to clean URLs, so the token does not linger in the address bar, the history or
a Referer. Every later request re-checks the link (revocation is immediate) and
every object a debtor asks for is looked up within that customer only.
"""

from __future__ import annotations

from flask import abort, current_app, g, redirect, session, url_for

from portal import clock
from portal.models import Customer
from portal.services import links

SESSION_LINK = "debtor_link_id"
SESSION_CUSTOMER = "debtor_customer_id"


def open_session(link) -> None:
    session.pop(SESSION_LINK, None)
    session.pop(SESSION_CUSTOMER, None)
    session[SESSION_LINK] = link.id
    session[SESSION_CUSTOMER] = link.customer_id
    session.permanent = False


def close_session() -> None:
    session.pop(SESSION_LINK, None)
    session.pop(SESSION_CUSTOMER, None)


def load_debtor():
    """before_request of debtor pages: sets g.customer, or sends to the expired-link page."""
    try:
        link = links.check_session_link(
            session.get(SESSION_LINK), session.get(SESSION_CUSTOMER), now=clock.now()
        )
    except links.LinkInvalid as exc:
        close_session()
        if exc.reason == "unknown" and not session.get("debtor_seen"):
            return redirect(url_for("debtor.link_invalid", reason="missing"))
        return redirect(url_for("debtor.link_invalid", reason=exc.reason))
    g.customer = link.customer
    g.debtor_language = link.customer.language
    if not session.get("debtor_seen"):  # set once: an unchanged session sends no new cookie
        session["debtor_seen"] = True
    return None


def current_customer() -> Customer:
    customer = g.get("customer")
    if customer is None:  # a debtor view reached without load_debtor: never serve it
        current_app.logger.error("debtor view without a customer")
        abort(404)
    return customer
