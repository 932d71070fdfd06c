"""Changing customers: contacts, reminder pauses."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from portal.extensions import db
from portal.models import Customer, CustomerEmail, CustomerKind
from portal.services import audit
from portal.services.errors import N_, DomainError, NotFound

EMAIL_RE = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
EMAIL_SPLIT_RE = re.compile(r"[\s,;]+")


class InvalidCustomer(DomainError):
    pass


def split_emails(value: str) -> list[str]:
    """Addresses from a field that may hold several, separated by spaces, commas or semicolons."""
    seen: list[str] = []
    for part in EMAIL_SPLIT_RE.split(value.strip()):
        email = part.strip().lower()
        if email and email not in seen:
            seen.append(email)
    return seen


def invalid_emails(emails: list[str]) -> list[str]:
    return [e for e in emails if not EMAIL_RE.match(e)]


def get(customer_id: int) -> Customer:
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        raise NotFound("No such customer.")
    return customer


def get_by_ref(ref: str) -> Customer | None:
    return db.session.scalar(select(Customer).where(Customer.ref == ref))


def set_emails(customer: Customer, emails: list[str]) -> None:
    """Replace the addresses, keeping the undeliverable flag of those that stay."""
    known = {e.email: e for e in customer.emails}
    customer.emails = [known.get(email) or CustomerEmail(email=email) for email in emails]
    for position, entry in enumerate(customer.emails):
        entry.position = position


def create_customer(
    *,
    ref: str,
    name: str,
    emails: list[str],
    actor: audit.Actor,
    now: datetime,
    kind: CustomerKind = CustomerKind.BUSINESS,
    language: str = "fr",
    **fields,
) -> Customer:
    customer = Customer(ref=ref, name=name, kind=kind, language=language, created_at=now, **fields)
    set_emails(customer, emails)
    db.session.add(customer)
    db.session.flush()
    audit.record(
        actor, "customer.created", "customer", customer.id, at=now, customer_id=customer.id, ref=ref
    )
    return customer


def valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def update_contacts(
    customer: Customer,
    *,
    emails: list[str],
    phone: str,
    address: str,
    postcode: str,
    city: str,
    language: str,
    actor: audit.Actor,
    now: datetime,
    timezone: str | None = None,
) -> Customer:
    """Edit how to reach a customer; refuses an empty or malformed address list.

    `timezone` is where the debtor lives (reminders reach them in their own daytime);
    empty means the organisation's, None leaves it as it is.
    """
    if timezone and not valid_timezone(timezone):
        raise InvalidCustomer(N_("This timezone is not known."))
    if not emails:
        raise InvalidCustomer(N_("At least one email address is needed."))
    bad = invalid_emails(emails)
    if bad:
        raise InvalidCustomer(N_("One of these email addresses is not valid: check each line."))
    before = {
        "emails": customer.email_addresses,
        "phone": customer.phone,
        "address": customer.address,
        "postcode": customer.postcode,
        "city": customer.city,
        "language": customer.language,
        "timezone": customer.timezone,
    }
    set_emails(customer, emails)
    if timezone is not None:
        customer.timezone = timezone.strip()
    customer.phone, customer.address = phone.strip(), address.strip()
    customer.postcode, customer.city, customer.language = postcode.strip(), city.strip(), language
    after = {
        "emails": customer.email_addresses,
        "phone": customer.phone,
        "address": customer.address,
        "postcode": customer.postcode,
        "city": customer.city,
        "language": customer.language,
        "timezone": customer.timezone,
    }
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changes:
        audit.record(
            actor,
            "customer.contacts_updated",
            "customer",
            customer.id,
            at=now,
            customer_id=customer.id,
            changes=changes,
        )
    return customer


def pause_reminders(
    customer: Customer, *, until: date | None, today: date, actor: audit.Actor, now: datetime
) -> Customer:
    """Pause automatic reminders until a date (inclusive), or resume them with None."""
    if until is not None and until < today:
        raise InvalidCustomer(N_("The pause must end today or later."))
    customer.reminders_paused_until = until
    action = "customer.reminders_paused" if until else "customer.reminders_resumed"
    audit.record(
        actor,
        action,
        "customer",
        customer.id,
        at=now,
        customer_id=customer.id,
        until=until.isoformat() if until else None,
    )
    return customer


def choose_scenario(
    customer: Customer, scenario_id: int | None, *, actor: audit.Actor, now: datetime
) -> Customer:
    """Give a customer its own scenario, or None to follow its segment or kind again."""
    from portal.models import Scenario

    if scenario_id is not None and db.session.get(Scenario, scenario_id) is None:
        raise NotFound("No such scenario.")
    customer.scenario_id = scenario_id
    audit.record(
        actor,
        "customer.scenario_chosen",
        "customer",
        customer.id,
        at=now,
        customer_id=customer.id,
        scenario_id=scenario_id,
    )
    return customer
