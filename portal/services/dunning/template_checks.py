"""Checking a reminder template before it is saved, against the customers it will be sent to.

Sample data alone misses the templates that fail only for some customers:
`{{ invoices[1].number }}` works for a customer with two invoices and fails for
one with a single invoice. A saved template is therefore also rendered for a
sample of real customers of its language, chosen to differ: the fewest and the
most open invoices, and the spread in between. The pass still copes with what
slips through (it skips that customer and tells the creditor), but its author
hears it first.
"""

from __future__ import annotations

from datetime import date

from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Customer, Invoice, InvoiceStatus, Organisation
from portal.services.documents import formal_notice as notice_claims
from portal.services.dunning import message_templates, reminder_content
from portal.services.dunning.message_templates import TemplateInvalid

#: Customers a saved template is tried on, at most.
SAMPLE_SIZE = 12


def sample_customers(language: str, size: int = SAMPLE_SIZE) -> list[Customer]:
    """Customers of `language` with open invoices, spread from the fewest invoices to the most."""
    counted = list(
        db.session.execute(
            select(Invoice.customer_id, func.count(Invoice.id))
            .join(Customer, Customer.id == Invoice.customer_id)
            .where(Invoice.status == InvoiceStatus.OPEN, Customer.language == language)
            .group_by(Invoice.customer_id)
            .order_by(func.count(Invoice.id), Invoice.customer_id)
        )
    )
    if len(counted) > size:
        last = len(counted) - 1
        counted = [counted[round(i * last / (size - 1))] for i in range(size)]
    ids = [customer_id for customer_id, _ in counted]
    found = {c.id: c for c in db.session.scalars(select(Customer).where(Customer.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def check_with_customers(
    subject: str,
    text_body: str,
    html_body: str,
    *,
    language: str,
    organisation: Organisation | None,
    today: date,
    formal_notice: bool,
) -> None:
    """Render the template for each sampled customer; TemplateInvalid names the first that fails."""
    with force_locale(language):
        for customer in sample_customers(language):
            invoices = list(
                db.session.scalars(
                    select(Invoice)
                    .where(Invoice.customer_id == customer.id, Invoice.status == InvoiceStatus.OPEN)
                    .order_by(Invoice.due_date)
                )
            )
            chosen = [i for i in invoices if i.due_date < today] or invoices
            owed = (
                notice_claims.claim(organisation, customer, chosen, today=today)
                if organisation is not None
                else None
            )
            context = reminder_content.build_context(
                customer,
                chosen,
                organisation,
                today,
                portal_link="https://example.com/p/sample",
                contact=(customer.email_addresses or ["compta@example.com"])[0],
                formal_notice=formal_notice,
                owed=owed,
            )
            try:
                message_templates.render(subject, text_body, html_body, context)
            except TemplateInvalid as exc:
                message = gettext(
                    "for your customer %(customer)s (%(ref)s): %(error)s",
                    customer=customer.name,
                    ref=customer.ref,
                    error=gettext(exc.message_id) % exc.params
                    if exc.params
                    else gettext(exc.message_id),
                )
                raise TemplateInvalid(exc.field, message, over_budget=exc.over_budget) from exc
