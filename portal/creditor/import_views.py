"""Importing customers, invoices or payments from a CSV file: upload, preview, confirm.

Nothing is written until the creditor has seen what would change: the upload
is checked as a dry run and stashed under a token in the instance folder, and
only the confirmation imports it for real (all or nothing), then discards it.
The session remembers the token of the preview on screen, so that a preview
left for another upload, or for the upload page, is discarded at once. Each
pass runs within IMPORT_TIME_LIMIT_SECONDS, below the web worker's timeout.
"""

from __future__ import annotations

from pathlib import Path

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock
from portal.adapters import import_files
from portal.creditor.forms import ImportConfirmForm, ImportUploadForm
from portal.creditor.views import bp
from portal.services.audit import Actor

#: Where each kind of import lands once confirmed (payments: the home page).
AFTER_IMPORT = {"customers": "creditor.customer_list", "invoices": "creditor.invoice_list"}


#: The session's preview awaiting confirmation.
SESSION_TOKEN = "import_token"


def _imports_folder() -> Path:
    return Path(current_app.instance_path) / "imports"


def _limits() -> dict:
    return {
        "now": clock.now().timestamp(),
        "max_age": current_app.config["IMPORT_PREVIEW_MAX_AGE_SECONDS"],
    }


def _abandon_preview() -> None:
    """The preview this browser left behind is not coming back: its file goes now."""
    import_files.discard(_imports_folder(), session.pop(SESSION_TOKEN, None))


@bp.route("/import", methods=["GET"])
def import_start():
    """Upload a CSV file of customers, invoices or payments."""
    _abandon_preview()
    return render_template(
        "creditor/import.html", form=ImportUploadForm(kind=request.args.get("kind"))
    )


@bp.route("/import/preview", methods=["POST"])
def import_preview():
    """Check the file and show what would change; nothing is written yet."""
    form = ImportUploadForm()
    if not form.validate_on_submit():
        return render_template("creditor/import.html", form=form), 422
    from portal.services.imports.importer import import_csv

    _abandon_preview()
    token = import_files.stash(_imports_folder(), form.file.data.stream, **_limits())
    try:
        with import_files.open_stashed(_imports_folder(), token, **_limits()) as stream:
            result = import_csv(
                form.kind.data,
                stream,
                actor=Actor.user(current_user),
                now=clock.now(),
                dry_run=True,
                filename=form.file.data.filename or "",
                time_limit=current_app.config["IMPORT_TIME_LIMIT_SECONDS"],
            )
    except BaseException:
        import_files.discard(_imports_folder(), token)
        raise
    if result.ok:
        session[SESSION_TOKEN] = token
    else:
        import_files.discard(_imports_folder(), token)
    confirm = ImportConfirmForm(token=token, kind=form.kind.data)
    return render_template(
        "creditor/import_preview.html",
        result=result,
        confirm=confirm,
        filename=form.file.data.filename,
        status=200 if result.ok else 422,
    ), (200 if result.ok else 422)


@bp.route("/import/confirm", methods=["POST"])
def import_confirm():
    """Import the previewed file for real (all or nothing)."""
    form = ImportConfirmForm()
    if not form.validate_on_submit() or form.kind.data not in ("customers", "invoices", "payments"):
        abort(400)
    from portal.services.imports.importer import import_csv

    import_files.sweep(_imports_folder(), **_limits())
    try:
        stream = import_files.open_stashed(_imports_folder(), form.token.data, **_limits())
    except FileNotFoundError:
        flash(_("This upload has expired: please choose the file again."), "error")
        return redirect(url_for("creditor.import_start"), code=303)
    try:
        with stream:
            result = import_csv(
                form.kind.data,
                stream,
                actor=Actor.user(current_user),
                now=clock.now(),
                time_limit=current_app.config["IMPORT_TIME_LIMIT_SECONDS"],
            )
    finally:
        import_files.discard(_imports_folder(), form.token.data)
        if session.get(SESSION_TOKEN) == form.token.data:
            session.pop(SESSION_TOKEN)
    if not result.ok:
        return render_template(
            "creditor/import_preview.html", result=result, confirm=None, filename="", status=422
        ), 422
    flash(
        _(
            "Import done: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.",
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
        ),
        "success",
    )
    return redirect(url_for(AFTER_IMPORT.get(form.kind.data, "creditor.home")), code=303)
