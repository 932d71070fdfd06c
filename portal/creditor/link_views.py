"""The creditor's controls over a customer's access links (on the customer page).

A new link is shown once, in the response to the POST that made it: only its
hash is stored, so it cannot be shown again. Revoking every link is one click.
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, g, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock
from portal.creditor.customer_views import customer_show
from portal.creditor.views import bp
from portal.services import customers, links
from portal.services.audit import Actor
from portal.services.errors import NotFound
from portal.templating import wants_fragment


@bp.context_processor
def inject_link_count() -> dict:
    """Lazy: only the customer page's links card calls it."""
    return {"active_link_count": lambda customer: links.active_count(customer, now=clock.now())}


@bp.route("/customers/<int:customer_id>/links", methods=["POST"])
def link_create(customer_id: int):
    """Make a fresh link for the customer and show it, this once."""
    customer = _customer_or_404(customer_id)
    days = current_app.config["LINK_VALIDITY_DAYS"]
    now = clock.now()
    token = links.create(customer, now=now, days=days, actor=Actor.user(current_user))
    new_link = {
        "url": links.absolute_url(token, current_app.config["BASE_URL"]),
        "expires_at": now + timedelta(days=days),
    }
    if wants_fragment():
        return _fragment(customer, new_link)
    g.new_link = new_link  # read by creditor/_links.html inside the full customer page
    try:
        response = make_response(customer_show(customer.id))
    finally:
        g.pop("new_link", None)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/customers/<int:customer_id>/links/revoke", methods=["POST"])
def link_revoke_all(customer_id: int):
    """Revoke every link of the customer at once; open sessions end on their next click."""
    customer = _customer_or_404(customer_id)
    count = links.revoke_all(customer, actor=Actor.user(current_user), now=clock.now())
    message = _("%(num)d link(s) revoked.", num=count)
    if wants_fragment():
        return _fragment(customer, None, message)
    flash(message, "success")
    return redirect(url_for("creditor.customer_show", customer_id=customer.id), code=303)


def _fragment(customer, new_link: dict | None, message: str = ""):
    response = make_response(
        render_template(
            "creditor/_links.html", customer=customer, new_link=new_link, links_message=message
        )
    )
    response.headers.add("Vary", "HX-Request")
    response.headers["Cache-Control"] = "no-store"
    return response


def _customer_or_404(customer_id: int):
    try:
        return customers.get(customer_id)
    except NotFound:
        abort(404)
