"""Debtor forms that must be recorded once, however often they are sent.

`@once` wraps a debtor POST view: it claims the form's submission key before
the view runs (portal/services/submissions.py), and a replay of a key already
used answers with the page the first submission led to. Each form carries the
key from templates/debtor/_submission_key.html.
"""

from __future__ import annotations

from functools import wraps

from flask import Response, flash, redirect, request, session, url_for
from flask_babel import gettext as _

from portal import clock
from portal.debtor.access import SESSION_LINK, current_customer
from portal.debtor.views import bp
from portal.services import errors, submissions

FIELD = "submission_key"


@bp.context_processor
def inject_submission_key() -> dict:
    return {"new_submission_key": submissions.new_key, "submission_field": FIELD}


def once(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        customer = current_customer()
        claimed = submissions.claim(
            customer.id, session.get(SESSION_LINK), request.form.get(FIELD, ""), now=clock.now()
        )
        if isinstance(claimed, submissions.Replay):
            flash(_("We had already received this: it is recorded only once."), "success")
            return redirect(claimed.location or url_for("debtor.account_show"), code=303)
        response = view(*args, **kwargs)
        if (
            isinstance(response, Response)
            and response.status_code in (302, 303)
            and not errors.refused()
        ):
            submissions.remember(claimed, response.location)
        return response

    return wrapper
