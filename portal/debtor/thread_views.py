"""The debtor's side of the message thread, on the debtor blueprint.

The thread is always the session's customer's: no URL names a customer, and an
attachment is looked up within that customer's messages only (404 otherwise).
"""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import gettext as _

from portal import clock
from portal.debtor.access import SESSION_CUSTOMER, current_customer
from portal.debtor.declaration_views import uploads_folder
from portal.debtor.once import once
from portal.debtor.views import bp
from portal.extensions import limiter
from portal.services import threads
from portal.services.audit import Actor
from portal.services.errors import NotFound

#: Each message emails the creditor: plenty for a conversation, not for a flood.
MESSAGES_PER_CUSTOMER = "30 per day"


@bp.context_processor
def inject_unread_messages() -> dict:
    """Lazy: only the account page's "Write to us" link calls it."""
    return {"unread_messages": lambda: threads.unread_count(g.customer.id, reader=threads.DEBTOR)}


@bp.route("/account/messages")
def thread_show():
    """The thread; opening it marks the creditor's messages as read."""
    customer = current_customer()
    threads.mark_read(customer.id, reader=threads.DEBTOR, now=clock.now())
    return _page(customer, {}, {})


@bp.route("/account/messages", methods=["POST"])
@limiter.limit(MESSAGES_PER_CUSTOMER, key_func=lambda: f"message:{session.get(SESSION_CUSTOMER)}")
@once
def thread_post():
    """Send a message to the creditor, who is told by email."""
    customer = current_customer()
    files = [
        threads.Upload(f.stream, f.filename or "") for f in request.files.getlist("attachment")
    ]
    try:
        threads.post(
            customer,
            author=threads.DEBTOR,
            body=request.form.get("body", ""),
            files=files,
            uploads_folder=uploads_folder(),
            max_bytes=current_app.config["MAX_PROOF_BYTES"],
            now=clock.now(),
            actor=Actor.debtor(customer),
            notify_url=current_app.config["BASE_URL"]
            + url_for("creditor.thread_show", customer_id=customer.id),
        )
    except threads.InvalidMessage as exc:
        errors = {field: _(message) for field, message in exc.errors.items()}
        return _page(customer, request.form, errors), 422
    return redirect(url_for("debtor.thread_show"), code=303)


@bp.route("/account/messages/<int:message_id>/files/<int:index>")
def thread_attachment(message_id: int, index: int):
    """A file of this customer's thread; anything else is 404."""
    customer = current_customer()
    try:
        path, content_type, name = threads.attachment(
            customer.id, message_id, index, uploads_folder()
        )
    except NotFound:
        abort(404)
    return send_file(path, mimetype=content_type, as_attachment=True, download_name=name)


def _page(customer, values, errors: dict[str, str]):
    return render_template(
        "debtor/messages.html",
        customer=customer,
        messages=threads.messages(customer.id),
        values=values,
        errors=errors,
        max_file_mb=current_app.config["MAX_PROOF_BYTES"] // (1024 * 1024),
    )
