"""What every template can use, and the one rule for page-or-fragment responses."""

from __future__ import annotations

from flask import Flask, make_response, render_template
from sqlalchemy import select

from portal import clock
from portal.extensions import db, htmx
from portal.models import Organisation


def init_app(app: Flask) -> None:
    @app.context_processor
    def inject_globals() -> dict:
        return {
            "frozen_today": clock.frozen_today(),
            "today": clock.today(),
            "organisation": current_organisation(),
        }


def current_organisation() -> Organisation | None:
    return db.session.scalar(select(Organisation).limit(1))


def wants_fragment() -> bool:
    """A real htmx request, not a boosted navigation nor a history restore."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_page_or_fragment(page_template: str, fragment_template: str, **context):
    """Render the fragment for htmx, the whole page otherwise; caches must keep both apart."""
    template = fragment_template if wants_fragment() else page_template
    response = make_response(render_template(template, **context))
    response.headers.add("Vary", "HX-Request")
    return response
