"""The creditor's logo, shown on debtor pages so they recognise who is writing to them."""

from pathlib import Path

from flask import Blueprint, abort, current_app, send_file

from portal.adapters import uploads
from portal.services import organisation

bp = Blueprint("branding", __name__)


@bp.route("/logo")
def logo_show():
    """The logo file (public: it is on every debtor page and letter)."""
    org = organisation.get()
    folder = Path(current_app.instance_path) / uploads.FOLDER_NAME
    path = uploads.proof_path(folder, org.logo_filename) if org and org.logo_filename else None
    if path is None:
        abort(404)
    response = send_file(
        path, mimetype="image/png" if path.suffix == ".png" else "image/jpeg", max_age=3600
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response
