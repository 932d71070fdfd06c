"""Creditor authentication: first-run setup, login, logout, language choice."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from portal import clock
from portal.auth.forms import LoginForm, SetupForm
from portal.extensions import limiter, login_manager
from portal.services import accounts, organisation
from portal.services.audit import Actor
from portal.services.errors import DomainError
from portal.services.login_lock import LockPolicy

bp = Blueprint("auth", __name__)

#: The session key that holds a login waiting for its second step.
PENDING_KEY = "login_pending"


@login_manager.user_loader
def load_user(session_id: str):
    """Only a session whose version still matches the user's: logout elsewhere voids it."""
    return accounts.load_session_user(session_id)


login_manager.login_view = "auth.login"
login_manager.login_message = None


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect to another host after login."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not urlsplit(target).netloc
    ):
        return target
    return url_for("creditor.home")


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    """First run: the creditor's identity and the owner's account."""
    if accounts.has_users():
        return redirect(url_for("auth.login"))
    form = SetupForm()
    if form.validate_on_submit():
        try:
            organisation.setup(
                legal_name=form.legal_name.data,
                siren=form.siren.data or "",
                address=form.address.data or "",
                postcode=form.postcode.data or "",
                city=form.city.data or "",
                contact_email=form.contact_email.data or "",
                language=form.language.data,
                owner_email=form.owner_email.data,
                owner_password=form.owner_password.data,
                actor=Actor.system(),
                now=clock.now(),
            )
        except DomainError as exc:
            flash(_(str(exc)), "error")
        else:
            user = accounts.authenticate(
                form.owner_email.data, form.owner_password.data, now=clock.now()
            )
            login_user(user)
            flash(_("Welcome! Import your customers and invoices to get started."), "success")
            return redirect(url_for("creditor.import_start"), code=303)
    return render_template("auth/setup.html", form=form)


def _login_refused(response) -> bool:
    """Only refused attempts count towards the address's limit: colleagues behind one
    office address who log in successfully do not lock each other out."""
    return response.status_code == 401


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def lock_policy() -> LockPolicy:
    return LockPolicy.from_config(current_app.config)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"], deduct_when=_login_refused)
def login():
    """Log in with email and password; then the app's code when two-step login is on."""
    if not accounts.has_users():
        return redirect(url_for("auth.setup"))
    if current_user.is_authenticated:
        return redirect(url_for("creditor.home"))
    form, status = LoginForm(), 200
    if form.validate_on_submit():
        user = accounts.authenticate(
            form.email.data, form.password.data, now=clock.now(), policy=lock_policy()
        )
        if user is not None:
            target = _safe_next(request.args.get("next"))
            session.clear()
            if user.totp_enabled:
                session[PENDING_KEY] = {
                    "user": user.get_id(),
                    "at": clock.now().isoformat(),
                    "next": target,
                }
                return redirect(url_for("auth.login_code"), code=303)
            login_user(user)
            return redirect(target, code=303)
        flash(_("Wrong email or password."), "error")
        status = 401
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out, here and on every device: a copy of the session cookie opens nothing any more."""
    accounts.end_sessions(
        current_user, actor=Actor.user(current_user), now=clock.now(), why="logout"
    )
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"), code=303)


@bp.route("/language/<code>", methods=["POST"])
def language_set(code: str):
    """Remember the interface language chosen by the visitor."""
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(_safe_next(request.form.get("next")), code=303)


import portal.auth.account_views  # noqa: E402,F401
import portal.auth.password_views  # noqa: E402,F401
import portal.auth.two_factor_views  # noqa: E402,F401
