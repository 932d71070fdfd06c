"""The reconciliation inbox: the credits no rule could place, and placing them by hand.

Every decision is a plain POST answered by a redirect to the inbox with a flash,
so it works without JavaScript and a reload never repeats it. Only choosing a
customer for a credit uses htmx: the search and the customer's open invoices
load inside the entry, and the same picker is a page of its own without it.
Splitting a credit into parts is a plain form too: the parts wait in the inbox.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal import clock
from portal.creditor.views import bp
from portal.i18n import money
from portal.models import BankEntry, Customer
from portal.services import customers
from portal.services.audit import Actor
from portal.services.errors import N_, NotFound
from portal.services.reconciliation import inbox, inbox_lists, splitting
from portal.services.reconciliation.inbox import EntryRefused
from portal.services.workspace.listings import CustomerFilters, search_customers
from portal.templating import render_page_or_fragment
from portal.values.money import AmountInvalid, parse_amount

WRONG_INVOICES = N_("Choose open invoices of this customer, in the entry's currency.")
SPLIT_FIELDS = 5


@bp.context_processor
def inject_bank_waiting_count() -> dict:
    """Lazy: only the nav calls it, once per full page."""
    return {"bank_waiting_count": inbox.count_waiting}


@bp.route("/bank")
def bank_entry_list():
    """Credits waiting to be placed, suggestions first, and the recently placed ones."""
    return _inbox_page()


@bp.route("/bank/entries/<int:entry_id>/accept", methods=["POST"])
def bank_entry_accept(entry_id: int):
    """Record the credit on the suggested customer's invoices."""
    return _decide(inbox.accept_suggestion, entry_id, _recorded_message)


@bp.route("/bank/entries/<int:entry_id>/not-customer", methods=["POST"])
def bank_entry_dismiss(entry_id: int):
    """Set the credit aside: it is not a customer's payment."""
    return _decide(
        inbox.not_a_customer_payment,
        entry_id,
        lambda entry: _("%(entry)s set aside: not a customer payment.", entry=_describe(entry)),
    )


@bp.route("/bank/entries/<int:entry_id>/undo", methods=["POST"])
def bank_entry_undo(entry_id: int):
    """Take back a match or a dismissal: the credit waits in the inbox again."""
    return _decide(
        inbox.undo,
        entry_id,
        lambda entry: _("%(entry)s is back in the inbox.", entry=_describe(entry)),
    )


@bp.route("/bank/entries/<int:entry_id>/split", methods=["POST"])
def bank_entry_split(entry_id: int):
    """Split one transfer for several customers into parts, each placed on its own."""
    typed = [value.strip()[:20] for value in request.form.getlist("part")[:SPLIT_FIELDS]]
    kept = {"split_entry_id": entry_id, "split_typed": typed}
    try:
        amounts = [parse_amount(value) for value in typed if value]
        entry = inbox.split(entry_id, amounts, actor=_actor(), now=clock.now())
    except NotFound:
        abort(404)
    except (AmountInvalid, EntryRefused) as exc:
        return _inbox_page(error=_(str(exc)), status=422, **kept)
    flash(
        ngettext(
            "%(entry)s split into %(num)d parts: place each below.",
            "%(entry)s split into %(num)d parts: place each below.",
            len(amounts),
            entry=_describe(entry),
        ),
        "success",
    )
    return redirect(url_for("creditor.bank_entry_list"), code=303)


@bp.route("/bank/entries/<int:entry_id>/assign", methods=["GET", "POST"])
def bank_entry_assign(entry_id: int):
    """Find a customer, tick the invoices the credit pays, and record it on them."""
    entry = _entry_or_404(entry_id)
    if request.method == "POST":
        return _assign(entry)
    q = (request.args.get("q") or "").strip()[:100]
    return _picker(entry, q=q, customer_id=request.args.get("customer_id", type=int))


def _assign(entry: BankEntry):
    customer_id = request.form.get("customer_id", type=int)
    raw_ids = request.form.getlist("invoice_id")
    q = (request.form.get("q") or "").strip()[:100]
    if _customer(customer_id) is None:
        return _picker(entry, q=q, error=_("Choose a customer."), status=422)
    if not all(value.isdigit() for value in raw_ids):
        return _picker(entry, q=q, customer_id=customer_id, error=_(WRONG_INVOICES), status=422)
    invoice_ids = [int(value) for value in raw_ids]
    try:
        entry = inbox.assign(
            entry.id,
            customer_id=customer_id,
            invoice_ids=invoice_ids,
            actor=_actor(),
            now=clock.now(),
        )
    except EntryRefused as exc:
        return _picker(
            entry,
            q=q,
            customer_id=customer_id,
            checked=set(invoice_ids),
            error=_(str(exc)),
            status=422,
        )
    flash(_recorded_message(entry), "success")
    return redirect(url_for("creditor.bank_entry_list"), code=303)


def _picker(
    entry: BankEntry,
    *,
    q: str = "",
    customer_id: int | None = None,
    checked: set[int] | None = None,
    error: str = "",
    status: int = 200,
):
    found = search_customers(CustomerFilters(q=q), clock.today(), per_page=8).items if q else []
    customer = _customer(customer_id)
    if customer is None and len(found) == 1:
        customer = found[0].customer
    invoices = inbox_lists.open_invoices(customer.id, entry.currency) if customer else []
    if checked is None:
        checked = inbox_lists.fitting(entry.amount_cents, invoices)
    response = render_page_or_fragment(
        "creditor/bank_assign.html",
        "creditor/_bank_assign.html",
        entry=entry,
        q=q,
        found=found,
        customer=customer,
        invoices=invoices,
        checked=checked,
        error=error,
    )
    response.status_code = status
    return response


def _inbox_page(error: str = "", status: int = 200, **split):
    waiting = inbox.waiting(limit=200)
    placed = inbox_lists.recently_placed(50)
    page = render_template(
        "creditor/bank.html",
        waiting=waiting,
        total_waiting=inbox.count_waiting() if len(waiting) == 200 else len(waiting),
        suggested=inbox_lists.suggested_invoices(waiting),
        placed=placed,
        can_undo=inbox_lists.can_undo,
        split_from=splitting.split_from(waiting),
        split_fields=SPLIT_FIELDS,
        split_entry_id=split.get("split_entry_id"),
        split_typed=split.get("split_typed", []),
        error=error,
    )
    return page, status


def _decide(action: Callable[..., BankEntry], entry_id: int, message: Callable[[BankEntry], str]):
    try:
        entry = action(entry_id, actor=_actor(), now=clock.now())
    except NotFound:
        abort(404)
    except EntryRefused as exc:
        return _inbox_page(error=_(str(exc)), status=422)
    flash(message(entry), "success")
    return redirect(url_for("creditor.bank_entry_list"), code=303)


def _entry_or_404(entry_id: int) -> BankEntry:
    try:
        return inbox.get(entry_id)
    except NotFound:
        abort(404)


def _customer(customer_id: int | None) -> Customer | None:
    if not customer_id:
        return None
    try:
        return customers.get(customer_id)
    except NotFound:
        return None


def _describe(entry: BankEntry) -> str:
    payer = entry.counterparty_name or entry.label
    return _(
        "%(amount)s from %(payer)s", amount=money(entry.amount_cents, entry.currency), payer=payer
    )


def _recorded_message(entry: BankEntry) -> str:
    customer = _customer(entry.customer_id)
    return _(
        "%(entry)s recorded for %(customer)s.",
        entry=_describe(entry),
        customer=customer.name if customer else "",
    )


def _actor() -> Actor:
    return Actor.user(current_user)
