"""The emails a debtor gets about their plan: accepted, rejected, an instalment due or missed.

The creditor's decisions and the plan job both write to the debtor, each time
with a fresh link to their account; one function here serves both, so neither
imports the other.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale

from portal.models import InstalmentPlan
from portal.services import audit, links, organisation
from portal.services.mail import outbox
from portal.services.plans.instalments import plan_invoices


def tell_debtor(
    plan: InstalmentPlan, template: str, *, now: datetime, base_url: str, link_days: int, **context
) -> None:
    customer = plan.customer
    addresses = [e.email for e in customer.emails if not e.undeliverable]
    if not addresses:
        return
    token = links.create(
        customer, now=now, days=link_days, actor=audit.Actor.system(), purpose=template
    )
    org = organisation.get()
    with force_locale(customer.language):
        outbox.queue_template(
            template,
            kind=template,
            to=addresses,
            now=now,
            customer_id=customer.id,
            reply_to=org.contact_email if org else "",
            customer=customer,
            plan=plan,
            invoices=plan_invoices(plan),
            organisation=org,
            url=links.absolute_url(token, base_url),
            **context,
        )
