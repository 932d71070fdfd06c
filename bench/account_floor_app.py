"""The debtor's account page with nothing of the account: what any debtor page costs at least.

    python bench/portal_load.py --reuse --app bench.account_floor_app:session_only
    python bench/portal_load.py --reuse --app bench.account_floor_app:layout_only

Two variants of the production app, served by `portal_load.py` in place of
`wsgi:app`, whose `/account` keeps everything a debtor page does before its
own work (the rate limit, the signed session cookie, the debtor session
checked against its link, the unit of work's commit, the security headers)
and then:

- `session_only` answers a short text, no template;
- `layout_only` renders the debtor layout (header, organisation, footer,
  translations) around an empty content block.

Their cost beside the real page's says what share of it the account's own
reads and rendering are, and how far any optimisation of them can go.
"""

from __future__ import annotations

from functools import cache

from flask import current_app, render_template

from portal import create_app
from portal.debtor.access import current_customer

EMPTY_PAGE = '{% extends "debtor/layout.html" %}{% block content %}{% endblock %}'


def _variant(view):
    app = create_app()
    app.view_functions["debtor.account_show"] = view
    return app


def _session_only():
    return f"customer {current_customer().id}\n"


@cache
def _empty_page(app):
    """Compiled once per worker, as the real pages are (render_template_string compiles each time)."""
    return app.jinja_env.from_string(EMPTY_PAGE)


def _layout_only():
    empty_page = _empty_page(current_app._get_current_object())
    return render_template(empty_page, customer=current_customer())


#: Each floor's view, by the name gunicorn (or `account_page_profile.py --variant`) asks for.
VIEWS = {"session_only": _session_only, "layout_only": _layout_only}


def __getattr__(name: str):
    """Build only the variant gunicorn asks for."""
    if name not in VIEWS:
        raise AttributeError(name)
    return _variant(VIEWS[name])
