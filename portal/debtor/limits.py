"""Rate limits of the debtor's pages: per link or per session, never per address.

Debtors mostly read their account on a phone, and a mobile carrier puts many
phones behind one public address (carrier-grade NAT): a limit per address
would let one hammering phone lock out every other debtor of that carrier.
So `/p/<token>` counts per link (its token, hashed: the limiter's storage
never holds a usable token), the pages of a session per session's link, and
the "send me a fresh link" form per address asked for, with only a generous
per-client ceiling against a script sending to many addresses.
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, current_app, request, session
from flask_limiter.util import get_remote_address

from portal.debtor.access import SESSION_LINK
from portal.extensions import limiter

#: Pages that need no session and are cheap (no database work): not limited.
UNLIMITED_ENDPOINTS = {"debtor.link_invalid"}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def link_key() -> str:
    """`/p/<token>`: one count per link, whoever opens it."""
    return "debtor-link:" + _digest((request.view_args or {}).get("token", ""))


def session_key() -> str:
    """A session's pages: one count per link the session was opened with."""
    return f"debtor-session:{session.get(SESSION_LINK)}"


def asked_address_key() -> str:
    """The fresh-link form: one count per email address asked for (as the service matches it)."""
    return "debtor-fresh-link:" + _digest(request.form.get("email", "").strip().lower())


def _session_page_limit() -> str:
    return current_app.config["DEBTOR_PAGE_RATE_LIMIT"]


def _no_session_yet() -> bool:
    """Public pages, and requests without a session, which load_debtor turns away anyway."""
    return request.endpoint in UNLIMITED_ENDPOINTS or not session.get(SESSION_LINK)


def limit_session_pages(bp: Blueprint) -> None:
    """Every page of the blueprint counts towards one budget per session.

    Pages with limits of their own (the forms that write) keep only those.
    """
    limiter.shared_limit(
        _session_page_limit,
        scope="debtor-session",
        key_func=session_key,
        exempt_when=_no_session_yet,
    )(bp)


open_link_limit = limiter.limit(
    lambda: current_app.config["LINK_OPEN_RATE_LIMIT"], key_func=link_key
)
fresh_link_per_address = limiter.limit(
    lambda: current_app.config["LINK_REQUEST_RATE_LIMIT"], key_func=asked_address_key
)
fresh_link_ceiling = limiter.limit(
    lambda: current_app.config["LINK_REQUEST_CLIENT_CEILING"],
    key_func=lambda: "debtor-fresh-link-client:" + get_remote_address(),
)
