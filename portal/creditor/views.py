"""The creditor's dashboard blueprint: who may see it, and the lookups its pages share.

Every page behind it needs a set-up portal and a logged-in user, so the check
is made once here, before any view. The views live in one module per page
group (`home_views`, `customer_views`, `invoice_views`, `import_views`,
`statement_views`, `bank_views`, `settings_views`, `user_views`, and the others imported at
the bottom), all registered on this one blueprint, so endpoint names stay
`creditor.<view>`.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_login import current_user

from portal.creditor import permissions
from portal.models import Customer
from portal.services import accounts, customers, organisation
from portal.services.errors import NotFound

bp = Blueprint("creditor", __name__)


@bp.before_request
def require_setup_and_login():
    """No user yet: the setup page. Otherwise, only logged-in users, each within their role,
    and with two-step login set up when the owner requires it."""
    if not accounts.has_users():
        return redirect(url_for("auth.setup"))
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not permissions.may_open(request.endpoint, request, is_owner=current_user.is_owner):
        abort(403)
    if not current_user.totp_enabled and _two_factor_required():
        return redirect(url_for("auth.two_factor_setup"))
    return None


def _two_factor_required() -> bool:
    org = organisation.get()
    return bool(org and org.require_two_factor)


@bp.app_context_processor
def inject_permissions() -> dict:
    """`may('creditor.settings_update')` in templates hides what the user cannot open."""

    def may(endpoint: str) -> bool:
        owner = bool(getattr(current_user, "is_owner", False))
        return permissions.may(endpoint, is_owner=owner)

    return {"may": may}


def _customer_or_404(customer_id: int) -> Customer:
    try:
        return customers.get(customer_id)
    except NotFound:
        abort(404)


import portal.creditor.analytics_views  # noqa: E402,F401
import portal.creditor.bank_views  # noqa: E402,F401
import portal.creditor.claim_views  # noqa: E402,F401
import portal.creditor.customer_views  # noqa: E402,F401
import portal.creditor.dispute_views  # noqa: E402,F401
import portal.creditor.documents_views  # noqa: E402,F401
import portal.creditor.export_views  # noqa: E402,F401
import portal.creditor.home_views  # noqa: E402,F401
import portal.creditor.import_views  # noqa: E402,F401
import portal.creditor.invoice_views  # noqa: E402,F401
import portal.creditor.letter_views  # noqa: E402,F401
import portal.creditor.link_views  # noqa: E402,F401
import portal.creditor.logo_views  # noqa: E402,F401
import portal.creditor.outbox_views  # noqa: E402,F401
import portal.creditor.plan_views  # noqa: E402,F401
import portal.creditor.rates_views  # noqa: E402,F401
import portal.creditor.scenario_views  # noqa: E402,F401
import portal.creditor.settings_views  # noqa: E402,F401
import portal.creditor.statement_views  # noqa: E402,F401
import portal.creditor.status  # noqa: E402,F401
import portal.creditor.task_views  # noqa: E402,F401
import portal.creditor.thread_views  # noqa: E402,F401
import portal.creditor.user_views  # noqa: E402,F401
