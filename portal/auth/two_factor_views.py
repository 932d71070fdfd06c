"""Two-step login: the code asked after the password, and turning it on or off.

Between the password and the code, the session holds only which user is
waiting (with their session version) and since when: nobody is logged in
until the code is right, and the wait expires after LOGIN_CODE_MINUTES.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from portal import clock
from portal.auth.forms import CodeForm, PasswordCheckForm
from portal.auth.views import PENDING_KEY, _safe_next, bp, lock_policy, login_limit
from portal.auth.views import _login_refused as login_refused
from portal.extensions import limiter
from portal.services import accounts, organisation, two_factor
from portal.services.audit import Actor
from portal.services.errors import DomainError


def _pending_user():
    pending = session.get(PENDING_KEY) or {}
    try:
        started = datetime.fromisoformat(pending["at"])
    except (KeyError, TypeError, ValueError):
        return None
    if clock.now() - started > timedelta(minutes=current_app.config["LOGIN_CODE_MINUTES"]):
        return None
    return accounts.load_session_user(str(pending.get("user", "")))


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"], deduct_when=login_refused)
def login_code():
    """The second step: a code from the authenticator app, or a recovery code."""
    user = _pending_user()
    if user is None:
        session.pop(PENDING_KEY, None)
        flash(_("Log in again, please."), "error")
        return redirect(url_for("auth.login"), code=303)
    form, status = CodeForm(), 200
    if form.validate_on_submit():
        if two_factor.check_login_code(user, form.code.data, now=clock.now(), policy=lock_policy()):
            target = _safe_next(session[PENDING_KEY].get("next"))
            session.clear()
            login_user(user)
            left = two_factor.remaining_codes(user)
            if left <= 3:
                flash(
                    _(
                        "Only %(num)d recovery codes left: turn two-step login off and on "
                        "again for new ones.",
                        num=left,
                    ),
                    "error",
                )
            return redirect(target, code=303)
        flash(_("Wrong code."), "error")
        status = 401
    return render_template("auth/login_code.html", form=form), status


@bp.route("/my-account/two-factor")
@login_required
def two_factor_setup():
    """Scan the QR code with an authenticator app, then type the code it shows."""
    user = current_user
    if user.totp_enabled:
        return redirect(url_for("auth.account_show"))
    uri = ""
    if user.totp_secret:
        org = organisation.get()
        uri = two_factor.provisioning_uri(user, org.display_name if org else "")
    return render_template(
        "auth/two_factor_setup.html",
        form=CodeForm(),
        secret=user.totp_secret,
        qr=two_factor.qr_data_uri(uri) if uri else "",
        required=_required(),
    )


def _required() -> bool:
    org = organisation.get()
    return bool(org and org.require_two_factor)


@bp.route("/my-account/two-factor/start", methods=["POST"])
@login_required
def two_factor_start():
    """A new secret for the app (nothing changes at login until a code confirms it)."""
    try:
        two_factor.start_setup(current_user)
    except DomainError as exc:
        flash(_(str(exc)), "error")
    return redirect(url_for("auth.two_factor_setup"), code=303)


@bp.route("/my-account/two-factor/confirm", methods=["POST"])
@login_required
def two_factor_confirm():
    """The first code turns two-step login on; the recovery codes are shown this once."""
    user, form = current_user._get_current_object(), CodeForm()
    if form.validate_on_submit():
        try:
            codes = two_factor.confirm(user, form.code.data, now=clock.now())
        except DomainError as exc:
            flash(_(str(exc)), "error")
        else:
            login_user(user)  # the other sessions ended; this one carries on
            response = current_app.make_response(
                render_template("auth/recovery_codes.html", codes=codes)
            )
            response.headers["Cache-Control"] = "no-store"
            return response
    return redirect(url_for("auth.two_factor_setup"), code=303)


@bp.route("/my-account/two-factor/disable", methods=["POST"])
@login_required
def two_factor_disable():
    """Back to the password alone, after typing it again; refused while the owner requires it."""
    user, form = current_user._get_current_object(), PasswordCheckForm()
    if _required():
        flash(_("The owner requires two-step login for every user."), "error")
    elif form.validate_on_submit() and accounts.verify_password(user, form.password.data):
        two_factor.disable(user, actor=Actor.user(user), now=clock.now())
        flash(_("Two-step login is off."), "success")
    else:
        flash(_("Wrong password: two-step login stays on."), "error")
    return redirect(url_for("auth.account_show"), code=303)
