"""What the creditor may claim from a customer: its late-payment terms, set on its page."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask import request as http_request
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock
from portal.creditor.views import _customer_or_404, bp
from portal.services.audit import Actor
from portal.services.claims import customer_terms


@bp.route("/customers/<int:customer_id>/penalty-terms", methods=["POST"])
def customer_terms_update(customer_id: int):
    """Give a business customer its own contract rate, or return it to the organisation's."""
    customer = _customer_or_404(customer_id)
    try:
        customer_terms.save(
            customer, http_request.form, actor=Actor.user(current_user), now=clock.now()
        )
    except customer_terms.TermsRefused as exc:
        flash(_(str(exc)), "error")
    else:
        flash(_("Late-payment terms saved."), "success")
    return redirect(url_for("creditor.customer_show", customer_id=customer.id) + "#claim", code=303)
