"""Proposing and following an instalment plan, on the debtor blueprint.

The proposal form posts to `plan_create`; its preview is the same form sent to
`plan_preview` (a plain submit button without JavaScript, an htmx request on
every change with it), which never writes anything.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from portal import clock
from portal.debtor.access import current_customer
from portal.debtor.once import once
from portal.debtor.views import bp
from portal.models import PlanStatus
from portal.services import organisation
from portal.services.audit import Actor
from portal.services.errors import NotFound
from portal.services.payments import selection, transfers
from portal.services.plans import instalments, proposals
from portal.services.plans.schedule import PlanRefused, Request
from portal.templating import render_page_or_fragment
from portal.values.dates import parse_date
from portal.values.money import AmountInvalid, parse_amount


def _parse(form: MultiDict) -> Request:
    """Read the form leniently: what cannot be read becomes a rule the preview explains."""
    try:
        invoice_ids = tuple(int(i) for i in form.getlist("invoice"))
    except ValueError:
        abort(404)
    try:
        count = int(form.get("count", "") or 0)
    except ValueError:
        count = 0
    first = _date(form.get("first_date", ""))
    lines = (form.get("dates", "") or "").replace(",", "\n").split()
    dates = tuple(d for d in (_date(line) for line in lines) if d is not None)
    down = (form.get("down_payment", "") or "").strip()
    try:
        down_cents = parse_amount(down) if down else None
    except AmountInvalid:
        down_cents = 0
    return Request(
        invoice_ids=invoice_ids,
        count=count,
        first_date=first,
        down_payment_cents=down_cents,
        dates=dates,
        message=form.get("message", "") or "",
    )


def _date(text: str):
    try:
        return parse_date(text.strip()) if text and text.strip() else None
    except ValueError:
        return None


def _page_context(customer, form: MultiDict, with_preview: bool) -> dict:
    preview = None
    if with_preview:
        try:
            preview = proposals.preview(customer, _parse(form), today=clock.today())
        except NotFound:
            abort(404)
    return {
        "customer": customer,
        "eligible": proposals.eligible_invoices(customer, clock.today()),
        "chosen_ids": {str(i) for i in form.getlist("invoice")},
        "form": form,
        "preview": preview,
        "plans": instalments.plans_of(customer),
    }


@bp.route("/account/plans/new")
def plan_new():
    """The proposal form; with the invoices preselected from the query string."""
    customer = current_customer()
    return render_template(
        "debtor/plan_new.html", **_page_context(customer, request.args, "count" in request.args)
    )


@bp.route("/account/plans/preview", methods=["GET", "POST"])
def plan_preview():
    """The schedule the form gives and the rules it breaks; writes nothing."""
    customer = current_customer()
    form = request.form if request.method == "POST" else request.args
    return render_page_or_fragment(
        "debtor/plan_new.html", "debtor/_plan_preview.html", **_page_context(customer, form, True)
    )


@bp.route("/account/plans", methods=["POST"])
@once
def plan_create():
    """Propose the plan: accepted at once or sent to the creditor; refused with reasons."""
    customer = current_customer()
    try:
        plan = proposals.propose(
            customer,
            _parse(request.form),
            today=clock.today(),
            now=clock.now(),
            actor=Actor.debtor(customer),
            base_url=current_app.config["BASE_URL"],
            link_days=current_app.config["LINK_VALIDITY_DAYS"],
        )
    except NotFound:
        abort(404)
    except PlanRefused:
        context = _page_context(customer, request.form, True)
        return render_template("debtor/plan_new.html", **context), 422
    if plan.status is PlanStatus.ACTIVE:
        flash(_("Your payment plan is accepted. We sent you the schedule by email."), "success")
    else:
        flash(_("Thank you: we will look at your proposal and answer by email."), "success")
    return redirect(url_for("debtor.plan_show", plan_id=plan.id), code=303)


@bp.route("/account/plans/<int:plan_id>")
def plan_show(plan_id: int):
    """One plan: its schedule, what is paid, and the next instalment to pay."""
    customer = current_customer()
    try:
        plan = instalments.of_customer(customer, plan_id)
    except NotFound:
        abort(404)
    instalments.apply_payments(plan)
    return render_template(
        "debtor/plan_show.html",
        customer=customer,
        plan=plan,
        invoices=instalments.plan_invoices(plan),
        next_instalment=instalments.next_instalment(plan),
    )


@bp.route("/account/plans/<int:plan_id>/pay", methods=["POST"])
def plan_pay(plan_id: int):
    """Pay the next instalment by transfer: its amount, spread over the plan's invoices."""
    customer = current_customer()
    try:
        plan = instalments.of_customer(customer, plan_id)
        chosen = selection.select_instalment(customer, plan)
    except NotFound:
        abort(404)
    except selection.NothingToPay as exc:
        flash(_(str(exc)), "error")
        return redirect(url_for("debtor.plan_show", plan_id=plan_id), code=303)
    reference = transfers.reference_for(
        customer, chosen, now=clock.now(), actor=Actor.debtor(customer)
    )
    org = organisation.get()
    return render_template(
        "debtor/pay.html",
        customer=customer,
        chosen=chosen,
        reference=reference,
        transfer_ready=bool(org and org.iban),
        stripe_enabled=bool(current_app.config.get("STRIPE_SECRET_KEY")),
        plan_id=plan.id,
    )
