"""Choosing a password without being logged in: "forgot password" and the emailed links.

The forgot-password answer is the same whether the address is a user's or
not; the link page says only whether the link still works.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from portal import clock
from portal.auth.forms import ForgotPasswordForm, NewPasswordForm
from portal.auth.views import bp
from portal.extensions import limiter
from portal.services import user_tokens
from portal.services.errors import DomainError


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_RATE_LIMIT"], methods=["POST"])
def password_forgot():
    """Ask for a link to choose a new password."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user_tokens.send_reset(
            form.email.data,
            now=clock.now(),
            base_url=current_app.config["BASE_URL"],
            valid_for=timedelta(minutes=current_app.config["PASSWORD_RESET_VALIDITY_MINUTES"]),
        )
        flash(
            _(
                "If %(email)s is the address of a user, a link to choose a new password is on "
                "its way. It works once, for an hour at most.",
                email=form.email.data,
            ),
            "success",
        )
        return redirect(url_for("auth.login"), code=303)
    return render_template("auth/password_forgot.html", form=form)


@bp.route("/password/<token>", methods=["GET", "POST"])
def password_choose(token: str):
    """The page an invitation or reset link opens: choose the password."""
    row = user_tokens.find(token, now=clock.now())
    if row is None:
        return render_template("auth/password_link_dead.html"), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user_tokens.choose_password(token, form.password.data, now=clock.now())
        except DomainError as exc:
            form.password.errors.append(_(str(exc)))
        else:
            flash(_("Password saved. Log in with it."), "success")
            return redirect(url_for("auth.login"), code=303)
    email = user_tokens.user_of(row).email
    return render_template("auth/password_choose.html", form=form, email=email), (
        422 if form.errors else 200
    )
