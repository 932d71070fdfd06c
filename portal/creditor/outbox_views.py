"""The creditor's outbox: every email the portal sent or will send, and the "no mail server" banner.

Without a mail server (the demo), messages wait in the outbox; the creditor can
still read each one here, exactly as it would be sent. The HTML part is shown
in a sandboxed iframe (no script, no same-origin access), never in the page.
"""

from __future__ import annotations

import re

from flask import abort, current_app, render_template, request, send_file
from flask_babel import gettext as _

from portal.creditor.views import bp
from portal.models import OutboxMessage
from portal.services.errors import DomainError
from portal.services.mail import delivery, outbox
from portal.services.mail.attachments import attachment_path

STATUSES = ("queued", "sent", "failed")
SIMPLE_TYPE = re.compile(r"[a-z]+/[a-z0-9.+-]+")


@bp.context_processor
def inject_mail_banner() -> dict:
    """The banner's count is lazy: only a page that shows the banner queries it."""
    return {
        "mail_not_configured": not current_app.config.get("SMTP_URL"),
        "waiting_message_count": delivery.waiting_count,
        "outbox_error": outbox_error,
    }


def outbox_error(text: str) -> str:
    """The portal's own notes in the viewer's language; SMTP replies as the server wrote them."""
    if text == delivery.NOT_CONFIGURED:
        return _("not delivered: no mail server configured")
    return text


@bp.route("/outbox")
def outbox_list():
    """Every outgoing email, newest first, filtered by status."""
    status = request.args.get("status", "")
    status = status if status in STATUSES else ""
    page = outbox.search(
        status, _page_number(request.args.get("page")), current_app.config["PAGE_SIZE"]
    )
    return render_template("creditor/outbox.html", page=page, status=status, statuses=STATUSES)


@bp.route("/outbox/<int:message_id>")
def outbox_show(message_id: int):
    """One email as it is (or will be) sent: headers, text, HTML and attachments."""
    message = _message_or_404(message_id)
    return render_template(
        "creditor/outbox_message.html",
        message=message,
        mail_from=current_app.config.get("MAIL_FROM") or "",
    )


#: The HTML part is shown as the mail client would: its inline styles apply, but
#: nothing else may load or run, and only the outbox page may frame it.
HTML_PART_CSP = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
)


@bp.route("/outbox/<int:message_id>/html")
def outbox_html_show(message_id: int):
    """The HTML part alone, for the sandboxed frame of the message page."""
    message = _message_or_404(message_id)
    if not message.shows_body:
        abort(404)
    response = current_app.response_class(message.html_body or "", mimetype="text/html")
    response.headers["Content-Security-Policy"] = HTML_PART_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/outbox/<int:message_id>/attachments/<int:index>")
def outbox_attachment_download(message_id: int, index: int):
    """An attachment of a message, served only from inside the instance folder."""
    message = _message_or_404(message_id)
    if not 0 <= index < len(message.attachments or []):
        abort(404)
    attachment = message.attachments[index]
    try:
        path = attachment_path(current_app.instance_path, attachment.get("path", ""))
    except DomainError:
        abort(404)
    content_type = str(attachment.get("content_type") or "")
    response = send_file(
        path,
        mimetype=content_type
        if SIMPLE_TYPE.fullmatch(content_type)
        else "application/octet-stream",
        as_attachment=True,
        download_name=attachment.get("filename") or path.name,
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


def _message_or_404(message_id: int) -> OutboxMessage:
    message = outbox.get(message_id)
    if message is None:
        abort(404)
    return message


def _page_number(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1
