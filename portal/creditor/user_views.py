"""The owner's users page: who may log in, with which role, and who can do what.

Every route here is in permissions.OWNER_ONLY. Refusals (the last owner,
oneself) come back as messages on the page, never as a half-made change.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock
from portal.creditor import permissions
from portal.creditor.user_forms import InviteForm, RoleForm, TwoFactorRequirementForm
from portal.creditor.views import bp
from portal.services import organisation, user_admin
from portal.services.errors import DomainError, NotFound


def _page(invite_form: InviteForm | None = None, status: int = 200):
    org = organisation.get()
    endpoints = [r.endpoint for r in current_app.url_map.iter_rules()]
    return render_template(
        "creditor/users.html",
        users=user_admin.list_users(),
        invite_form=invite_form or InviteForm(),
        role_choices=RoleForm().role.choices,
        two_factor_form=TwoFactorRequirementForm(required=bool(org and org.require_two_factor)),
        access=permissions.access_table(e for e in endpoints if e.startswith("creditor.")),
    ), status


@bp.route("/users")
def user_list():
    """The users, the invitation form and the table of who can do what."""
    return _page()


@bp.route("/users/invite", methods=["POST"])
def user_invite():
    """Invite someone by email: they choose their password through a one-time link."""
    form = InviteForm()
    if form.validate_on_submit():
        try:
            user = user_admin.invite(
                form.email.data,
                role=form.role.data,
                name=form.name.data or "",
                actor_user=current_user,
                now=clock.now(),
                base_url=current_app.config["BASE_URL"],
                valid_for=_invitation_validity(),
            )
        except DomainError as exc:
            form.email.errors.append(_(str(exc)))
        else:
            flash(_("Invitation sent to %(email)s.", email=user.email), "success")
            return redirect(url_for("creditor.user_list"), code=303)
    return _page(form, 422)


def _invitation_validity() -> timedelta:
    return timedelta(days=current_app.config["INVITATION_VALIDITY_DAYS"])


@bp.route("/users/<int:user_id>/invite", methods=["POST"])
def user_invite_again(user_id: int):
    """A fresh invitation link for someone who has not chosen a password yet."""

    def change(user, **kw):
        user_admin.invite_again(
            user, base_url=current_app.config["BASE_URL"], valid_for=_invitation_validity(), **kw
        )

    return _change(user_id, change, _("Invitation sent again."))


def _change(user_id: int, change, done: str):
    try:
        change(user_admin.get(user_id), actor_user=current_user, now=clock.now())
    except NotFound:
        flash(_("This user does not exist."), "error")
    except DomainError as exc:
        flash(_(str(exc)), "error")
    else:
        flash(done, "success")
    return redirect(url_for("creditor.user_list"), code=303)


@bp.route("/users/<int:user_id>/role", methods=["POST"])
def user_role_update(user_id: int):
    """Make a user an owner or a collector; their sessions end."""
    form = RoleForm()
    if not form.validate_on_submit():
        flash(_("Choose a role."), "error")
        return redirect(url_for("creditor.user_list"), code=303)

    def change(user, **kw):
        user_admin.change_role(user, form.role.data, **kw)

    return _change(user_id, change, _("Role changed."))


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
def user_deactivate(user_id: int):
    """Stop a user from logging in, at once."""
    return _change(user_id, user_admin.deactivate, _("User deactivated."))


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
def user_reactivate(user_id: int):
    """Let a deactivated user log in again."""
    return _change(user_id, user_admin.reactivate, _("User reactivated."))


@bp.route("/users/<int:user_id>/sessions/end", methods=["POST"])
def user_sessions_end(user_id: int):
    """Log a user out on every device (a lost laptop)."""
    return _change(user_id, user_admin.end_sessions, _("Their sessions have ended."))


@bp.route("/users/two-factor", methods=["POST"])
def two_factor_requirement_update():
    """Require every user to log in with an authenticator app, or stop requiring it."""
    form = TwoFactorRequirementForm()
    org = organisation.get()
    if form.validate_on_submit() and org is not None:
        user_admin.require_two_factor(
            org, bool(form.required.data), actor_user=current_user, now=clock.now()
        )
        flash(_("Saved."), "success")
    return redirect(url_for("creditor.user_list"), code=303)
