"""What every template can use, and the one rule for page-or-fragment responses."""

from __future__ import annotations

from flask import Flask, g, make_response, render_template

from portal import clock
from portal.extensions import htmx
from portal.models import Organisation
from portal.services import organisation as organisation_service


def init_app(app: Flask) -> None:
    @app.context_processor
    def inject_globals() -> dict:
        return {
            "frozen_today": clock.frozen_today(),
            "today": clock.today(),
            "organisation": current_organisation(),
        }


def current_organisation() -> Organisation | None:
    """The organisation, read once per request (the layout and the page's services share it).

    Once per request only: every request reads it afresh, so a change of its
    settings shows on the next request of every worker. Not remembered while
    there is none (the setup creates it within a request).
    """
    organisation = g.get("_organisation")
    if organisation is None:
        organisation = g._organisation = organisation_service.get()
    return organisation


def wants_fragment() -> bool:
    """A real htmx request, not a boosted navigation nor a history restore."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_page_or_fragment(page_template: str, fragment_template: str, **context):
    """Render the fragment for htmx, the whole page otherwise; caches must keep both apart."""
    template = fragment_template if wants_fragment() else page_template
    response = make_response(render_template(template, **context))
    response.headers.add("Vary", "HX-Request")
    return response
