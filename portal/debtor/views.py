"""The debtor's pages: the account, an invoice, choosing what to pay, paying by transfer."""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from portal import clock
from portal.debtor.access import close_session, current_customer, load_debtor, open_session
from portal.debtor.forms import FreshLinkForm
from portal.debtor.limits import (
    fresh_link_ceiling,
    fresh_link_per_address,
    limit_session_pages,
    open_link_limit,
)
from portal.services import debtor_account, links, organisation
from portal.services.audit import Actor
from portal.services.claims import claim as claims
from portal.services.dunning import reminder_forecast
from portal.services.dunning.dunning_settings import DunningSettings
from portal.services.errors import NotFound
from portal.services.payments import selection, transfers
from portal.templating import current_organisation

bp = Blueprint("debtor", __name__)
limit_session_pages(bp)

#: Debtor pages that work without a session (entering with a link, asking for one).
PUBLIC_ENDPOINTS = {"debtor.link_open", "debtor.link_invalid", "debtor.link_request"}
#: The expired-link form answers in at least this time, whether or not the address is known.
FRESH_LINK_MIN_SECONDS = 0.35


@bp.before_request
def require_debtor_session():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    return load_debtor()


@bp.after_request
def private_headers(response: Response) -> Response:
    """Nothing of a debtor's account is cached, nor leaked through a Referer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/p/<token>")
@open_link_limit
def link_open(token: str):
    """Enter with the link from an email; only records that it was opened."""
    try:
        link = links.resolve(token, now=clock.now())
    except links.LinkInvalid as exc:
        close_session()
        return redirect(url_for("debtor.link_invalid", reason=exc.reason))
    links.record_opened(link, now=clock.now())
    open_session(link)
    return redirect(url_for("debtor.account_show"))


@bp.route("/link", methods=["GET"])
def link_invalid():
    """A polite page for an expired, revoked or unknown link, offering a fresh one."""
    reason = request.args.get("reason", "unknown")
    return render_template(
        "debtor/link_invalid.html", form=FreshLinkForm(), reason=reason
    ), 404 if reason == "unknown" else 410


@bp.route("/link", methods=["POST"])
@fresh_link_per_address
@fresh_link_ceiling
def link_request():
    """Email a fresh link if the address is on file; the same answer either way."""
    started = time.monotonic()
    form = FreshLinkForm()
    if not form.validate_on_submit():
        return render_template("debtor/link_invalid.html", form=form, reason="unknown"), 422
    links.send_fresh_link(
        form.email.data,
        now=clock.now(),
        days=current_app.config["LINK_VALIDITY_DAYS"],
        base_url=current_app.config["BASE_URL"],
        per_customer_per_day=int(current_app.config["LINK_REQUEST_PER_CUSTOMER_LIMIT"].split()[0]),
    )
    remaining = FRESH_LINK_MIN_SECONDS - (time.monotonic() - started)
    if remaining > 0:
        time.sleep(remaining)
    return render_template("debtor/link_sent.html", email=form.email.data)


@bp.route("/account")
def account_show():
    """Everything the customer owes this creditor, and what they already paid."""
    customer, today, org = current_customer(), clock.today(), current_organisation()
    account = debtor_account.overview(customer, today)
    settings = DunningSettings.from_config(current_app.config)
    return render_template(
        "debtor/account.html",
        customer=customer,
        account=account,
        owed=claims.on_page(customer, today, org),
        # shown beside overdue invoices only
        outlook=reminder_forecast.for_customer(customer, today, settings, org)
        if account.has_overdue
        else {},
        stripe_enabled=bool(current_app.config.get("STRIPE_SECRET_KEY")),
    )


@bp.route("/account/invoices/<int:invoice_id>")
def invoice_show(invoice_id: int):
    """One invoice: its lines, payments and credit notes."""
    customer = current_customer()
    try:
        invoice = debtor_account.invoice_of(customer, invoice_id)
    except NotFound:
        abort(404)
    return render_template(
        "debtor/invoice.html",
        customer=customer,
        invoice=invoice,
        details=debtor_account.invoice_details(invoice),
        row=debtor_account.standing_of(customer, invoice, clock.today()),
    )


@bp.route("/account/pay", methods=["POST"])
def pay_choose():
    """The chosen invoices, their total, and the ways to pay it."""
    customer = current_customer()
    try:
        chosen = selection.select_invoices(customer, request.form.getlist("invoice"))
    except NotFound:
        abort(404)
    except selection.NothingToPay as exc:
        flash(_(str(exc)), "error")
        return redirect(url_for("debtor.account_show"), code=303)
    org = organisation.get()
    reference = transfers.reference_for(
        customer, chosen, now=clock.now(), actor=Actor.debtor(customer)
    )
    return render_template(
        "debtor/pay.html",
        customer=customer,
        chosen=chosen,
        reference=reference,
        transfer_ready=bool(org and org.iban),
        stripe_enabled=bool(current_app.config.get("STRIPE_SECRET_KEY")),
    )


@bp.route("/account/transfer/<int:reference_id>/qr.svg")
def transfer_qr(reference_id: int):
    """The EPC QR code for one transfer reference of this customer."""
    customer = current_customer()
    reference = debtor_account.transfer_reference_of(customer, reference_id)
    org = organisation.get()
    if reference is None or org is None or not org.iban or reference.currency != "EUR":
        abort(404)
    svg = transfers.qr_svg(
        transfers.epc_payload(org, reference.amount_cents, reference.currency, reference.reference)
    )
    return Response(svg, mimetype="image/svg+xml")


@bp.route("/account/leave", methods=["POST"])
def session_close():
    """Forget this browser's access (on a shared computer)."""
    close_session()
    g.pop("customer", None)
    return render_template("debtor/left.html")


import portal.debtor.declaration_views  # noqa: E402,F401
import portal.debtor.dispute_views  # noqa: E402,F401
import portal.debtor.documents_views  # noqa: E402,F401
import portal.debtor.history_views  # noqa: E402,F401
import portal.debtor.pay_online  # noqa: E402,F401
import portal.debtor.plan_views  # noqa: E402,F401
import portal.debtor.promise_views  # noqa: E402,F401
import portal.debtor.thread_views  # noqa: E402,F401
