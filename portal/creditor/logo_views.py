"""Uploading the logo debtors see on their pages."""

from pathlib import Path

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock
from portal.adapters import uploads
from portal.creditor.views import bp
from portal.services import organisation
from portal.services.audit import Actor
from portal.services.errors import DomainError


def _folder() -> Path:
    return Path(current_app.instance_path) / uploads.FOLDER_NAME


@bp.route("/settings/logo", methods=["POST"])
def settings_logo_update():
    """Replace the logo (PNG or JPEG, at most 1 MB), or remove it."""
    actor = Actor.user(current_user)
    if request.form.get("action") == "remove":
        organisation.remove_logo(_folder(), actor=actor, now=clock.now())
        flash(_("Logo removed."), "success")
    else:
        upload = request.files.get("logo")
        if upload is None or not upload.filename:
            flash(_("Choose an image file."), "error")
        else:
            try:
                organisation.set_logo(upload.stream, _folder(), actor=actor, now=clock.now())
            except DomainError as exc:
                flash(_(str(exc)), "error")
            else:
                flash(_("Logo saved."), "success")
    return redirect(url_for("creditor.settings_update"), code=303)
