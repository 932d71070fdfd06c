"""The creditor's disputes inbox: read a dispute, accept it (in full or in part) or reject it.

Login is required by the blueprint's own `before_request`. Decisions are POSTs
answered with a 303 back to the dispute, so they work as plain forms.
"""

from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock
from portal.adapters import uploads
from portal.creditor.task_views import answer_for_task, task_from_form
from portal.creditor.views import bp
from portal.services.audit import Actor
from portal.services.disputes import figures, resolution
from portal.services.disputes.raising import OBJECT_TYPE, DisputeRefused, parse_amount
from portal.services.errors import NotFound


@bp.context_processor
def inject_dispute_figures() -> dict:
    """Lazy: only the nav and the home page call them."""
    return {"open_dispute_count": figures.open_count, "dispute_figures": figures.figures}


def _folder() -> Path:
    return Path(current_app.instance_path) / uploads.FOLDER_NAME


@bp.route("/disputes")
def dispute_list():
    """Open disputes first, then the latest decided."""
    return render_template("creditor/disputes.html", disputes=resolution.inbox())


@bp.route("/disputes/<int:dispute_id>")
def dispute_show(dispute_id: int):
    try:
        dispute = resolution.get(dispute_id)
    except NotFound:
        abort(404)
    return render_template("creditor/dispute.html", dispute=dispute, errors={}, values={})


@bp.route("/disputes/<int:dispute_id>/accept", methods=["POST"])
def dispute_accept(dispute_id: int):
    """A credit note for the accepted amount (blank: all of it); the debtor is told."""
    try:
        dispute = resolution.get(dispute_id)
        text = request.form.get("amount", "").strip()
        full = min(dispute.amount_cents, dispute.invoice.outstanding_cents)
        cents = parse_amount(text) if text else full
        resolution.accept(
            dispute_id, accepted_cents=cents, answer=request.form.get("answer", ""), **_decided()
        )
    except NotFound:
        abort(404)
    except DisputeRefused as exc:
        return _refused(dispute, exc)
    return _done(
        dispute_id,
        _("Dispute accepted: a credit note lowers the amount due and the customer is told."),
    )


@bp.route("/disputes/<int:dispute_id>/reject", methods=["POST"])
def dispute_reject(dispute_id: int):
    """The amount comes back into collection; its reminders wait a week."""
    try:
        dispute = resolution.get(dispute_id)
        resolution.reject(dispute_id, answer=request.form.get("answer", ""), **_decided())
    except NotFound:
        abort(404)
    except DisputeRefused as exc:
        return _refused(dispute, exc)
    return _done(
        dispute_id, _("Dispute rejected: the customer is told and reminders resume in 7 days.")
    )


@bp.route("/disputes/<int:dispute_id>/files/<int:index>")
def dispute_file_download(dispute_id: int, index: int):
    """An attachment, downloaded (never shown inline), for the creditor only."""
    try:
        path, content_type, name = resolution.attachment_file(dispute_id, index, _folder())
    except NotFound:
        abort(404)
    response = send_file(path, mimetype=content_type, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


def _decided() -> dict:
    """Who decides and when, and what the debtor's email links to."""
    return {
        "actor": Actor.user(current_user),
        "today": clock.today(),
        "now": clock.now(),
        "base_url": current_app.config["BASE_URL"],
        "link_days": current_app.config["LINK_VALIDITY_DAYS"],
    }


def _done(dispute_id: int, message: str):
    """Back to the dispute, or to the task list when decided there."""
    task = task_from_form(OBJECT_TYPE, dispute_id)
    if task is not None:
        return answer_for_task(task, message)
    flash(message)
    return redirect(url_for("creditor.dispute_show", dispute_id=dispute_id), code=303)


def _refused(dispute, exc: DisputeRefused):
    errors = {field: _(message) for field, message in exc.errors.items()}
    task = task_from_form(OBJECT_TYPE, dispute.id)
    if task is not None:
        return answer_for_task(task, " ".join(errors.values()), category="error")
    page = render_template(
        "creditor/dispute.html", dispute=dispute, errors=errors, values=request.form
    )
    return page, 422
