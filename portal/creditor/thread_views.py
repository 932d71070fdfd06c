"""The creditor's side of the message threads, and the promises on the customer page.

The creditor writes inside one customer's thread (the URL names the customer),
so a reply cannot reach another customer; attachments are looked up within
that customer's messages only.
"""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock
from portal.creditor.task_views import uploads_folder
from portal.creditor.views import _customer_or_404, bp
from portal.services import promises, threads
from portal.services.audit import Actor
from portal.services.errors import NotFound


@bp.context_processor
def inject_thread_counts() -> dict:
    """Lazy: the nav badge and the customer page's promises call these only when shown."""
    return {
        "unread_thread_count": threads.unread_thread_count,
        "customer_promises": promises.for_customer,
    }


@bp.route("/messages")
def thread_list():
    """Every customer's thread, newest first, with what is unread."""
    return render_template("creditor/messages.html", threads=threads.inbox())


@bp.route("/customers/<int:customer_id>/messages")
def thread_show(customer_id: int):
    """One customer's thread; opening it marks the debtor's messages as read."""
    customer = _customer_or_404(customer_id)
    threads.mark_read(customer.id, reader=threads.CREDITOR, now=clock.now())
    return _page(customer, {}, {})


@bp.route("/customers/<int:customer_id>/messages", methods=["POST"])
def thread_post(customer_id: int):
    """Answer the customer, who gets the message by email with a fresh portal link."""
    customer = _customer_or_404(customer_id)
    files = [
        threads.Upload(f.stream, f.filename or "") for f in request.files.getlist("attachment")
    ]
    try:
        threads.post(
            customer,
            author=threads.CREDITOR,
            body=request.form.get("body", ""),
            files=files,
            uploads_folder=uploads_folder(),
            max_bytes=current_app.config["MAX_PROOF_BYTES"],
            now=clock.now(),
            actor=Actor.user(current_user),
            user_id=current_user.id,
            notify_url=current_app.config["BASE_URL"],
            link_days=int(current_app.config["LINK_VALIDITY_DAYS"]),
        )
    except threads.InvalidMessage as exc:
        errors = {field: _(message) for field, message in exc.errors.items()}
        return _page(customer, request.form, errors), 422
    return redirect(url_for("creditor.thread_show", customer_id=customer.id), code=303)


@bp.route("/customers/<int:customer_id>/messages/<int:message_id>/files/<int:index>")
def thread_attachment(customer_id: int, message_id: int, index: int):
    """A file of this customer's thread, as a download of its checked kind."""
    try:
        path, content_type, name = threads.attachment(
            customer_id, message_id, index, uploads_folder()
        )
    except NotFound:
        abort(404)
    response = send_file(path, mimetype=content_type, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


def _page(customer, values, errors: dict[str, str]):
    return render_template(
        "creditor/thread.html",
        customer=customer,
        messages=threads.messages(customer.id),
        values=values,
        errors=errors,
        max_file_mb=current_app.config["MAX_PROOF_BYTES"] // (1024 * 1024),
    )
