"""A dashboard user's own account: password, second factor, sessions.

Every user reaches these pages, whatever their role, so they live on the auth
blueprint rather than behind the dashboard's role guard.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from portal import clock
from portal.auth.forms import PasswordChangeForm, PasswordCheckForm
from portal.auth.views import bp
from portal.services import accounts, two_factor
from portal.services.audit import Actor
from portal.services.errors import DomainError


@bp.route("/my-account")
@login_required
def account_show():
    """The user's password, second factor and sessions."""
    return _page(PasswordChangeForm())


def _page(password_form: PasswordChangeForm, status: int = 200):
    return render_template(
        "auth/account.html",
        password_form=password_form,
        disable_form=PasswordCheckForm(),
        recovery_codes_left=two_factor.remaining_codes(current_user),
    ), status


@bp.route("/my-account/password", methods=["POST"])
@login_required
def password_change():
    """A new password: every other session ends, this one carries on."""
    form, user = PasswordChangeForm(), current_user._get_current_object()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                user,
                form.current.data,
                form.password.data,
                actor=Actor.user(user),
                now=clock.now(),
            )
        except DomainError as exc:
            form.current.errors.append(_(str(exc)))
        else:
            login_user(user)  # the new session version, for this browser only
            flash(_("Password changed. Your other sessions have ended."), "success")
            return redirect(url_for("auth.account_show"), code=303)
    return _page(form, 422)


@bp.route("/my-account/sessions/end", methods=["POST"])
@login_required
def sessions_end():
    """Log out on every device, this one included (a lost phone, a shared computer)."""
    accounts.end_sessions(
        current_user, actor=Actor.user(current_user), now=clock.now(), why="everywhere"
    )
    logout_user()
    flash(_("You are logged out on every device."), "success")
    return redirect(url_for("auth.login"), code=303)
