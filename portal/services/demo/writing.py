"""Writing the demo through the same services as real data, in calendar order.

Setup, accounts, customers, invoicing and the ledger write the rows, so stored
balances obey the ledger's rules and the audit trail reads like a real one.
Writes follow the calendar (invoice, then credit note, then payments on one
day), so ids and audit times grow together, and every time is an office-hours
moment in Lyon that never lies after `now`.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portal.extensions import db
from portal.models import Customer, CustomerKind, PaymentMethod, Role, User
from portal.services import accounts, audit, customers, organisation
from portal.services.demo.catalogue import (
    CUSTOMERS,
    DEMO_COLLECTOR_EMAIL,
    DEMO_EMAIL,
    DEMO_PASSWORD,
    ORGANISATION,
    CustomerSpec,
)
from portal.services.demo.french_identifiers import luhn_digit
from portal.services.demo.planning import HISTORY_DAYS, SEED, Plan
from portal.services.payments import invoicing, ledger

PARIS = ZoneInfo("Europe/Paris")


def _moment(day: date, now: datetime, seq: int) -> datetime:
    """A plausible office-hours time on `day`, never after `now`."""
    local = datetime.combine(day, time(8 + seq * 7 % 10, seq * 13 % 60), tzinfo=PARIS)
    return min(local.astimezone(UTC), now)


def create_creditor(today: date, now: datetime) -> tuple[audit.Actor, audit.Actor]:
    """The organisation, its owner and a collector; returns their actors."""
    at = _moment(today - timedelta(days=HISTORY_DAYS + 10), now, 1)
    organisation.setup(
        owner_email=DEMO_EMAIL,
        owner_password=DEMO_PASSWORD,
        actor=audit.Actor.cli(),
        now=at,
        language="fr",
        **ORGANISATION,
    )
    owner = db.session.scalar(select(User).where(User.email == DEMO_EMAIL))
    collector = accounts.create_user(
        DEMO_COLLECTOR_EMAIL,
        DEMO_PASSWORD,
        role=Role.COLLECTOR,
        actor=audit.Actor.user(owner),
        now=at,
        name="Julien Moreau",
        language="fr",
    )
    return audit.Actor.user(owner), audit.Actor.user(collector)


def _phone(spec: CustomerSpec, rng: random.Random) -> str:
    """Numbers from the ranges ARCEP reserves for fiction, so no one real gets called."""
    prefix = "+33 6 39 98" if spec.kind is CustomerKind.CONSUMER else "+33 4 65 71"
    if spec.kind is CustomerKind.BUSINESS and spec.postcode.startswith("33"):
        prefix = "+33 5 36 49"
    return f"{prefix} {rng.randint(10, 99)} {rng.randint(10, 99)}"


def _siren(spec: CustomerSpec, rng: random.Random) -> str:
    if spec.kind is CustomerKind.CONSUMER:
        return ""
    # Public bodies have SIRENs starting with 2, companies mostly 3 to 9.
    head = 21 if spec.segment == "Collectivités" else rng.randint(30, 99)
    payload = f"{head}{rng.randint(0, 999_999):06d}"
    return payload + luhn_digit(payload)


def create_customers(
    rng: random.Random, actor: audit.Actor, today: date, now: datetime
) -> dict[str, Customer]:
    """Every customer of the catalogue, by reference."""
    at = _moment(today - timedelta(days=HISTORY_DAYS + 5), now, 2)
    created = {}
    for spec in CUSTOMERS:
        created[spec.ref] = customers.create_customer(
            ref=spec.ref,
            name=spec.name,
            emails=list(spec.emails),
            actor=actor,
            now=at,
            kind=spec.kind,
            language=spec.language,
            phone=_phone(spec, rng),
            address=spec.address,
            postcode=spec.postcode,
            city=spec.city,
            country="FR",
            siren=_siren(spec, rng),
            segment=spec.segment,
            notes=spec.notes,
        )
    return created


def _ascii_upper(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return plain.upper()


def _reference(plan: Plan, method: PaymentMethod, rng: random.Random) -> str:
    """What the bank statement or the cheque says, as a collector would type it in."""
    if method is PaymentMethod.TRANSFER:
        return f"VIR SEPA {_ascii_upper(plan.spec.name)[:30]} FACT {plan.number}"
    if method is PaymentMethod.SEPA_DEBIT:
        return f"PRLV SEPA {plan.number} RUM {plan.spec.ref}-01"
    if method is PaymentMethod.CHEQUE:
        return f"Chèque n° {rng.randint(1_000_000, 9_999_999)}"
    return f"CB {plan.number} aut. {rng.randint(100_000, 999_999)}"


class Event(NamedTuple):
    day: date
    order: int
    """On one day: invoice (0), then credit note (1), then payments (2)."""
    index: int
    position: int
    """Which payment of the plan."""
    kind: str
    plan: Plan


def _timeline(plans: list[Plan], today: date) -> list[Event]:
    """Every write in date order, so ids and the audit trail follow the calendar."""
    events = []
    for index, plan in enumerate(plans):
        events.append(Event(plan.issue, 0, index, 0, "invoice", plan))
        if plan.credit_day:
            events.append(Event(plan.credit_day, 1, index, 0, "credit", plan))
        for position, (day, _, _) in enumerate(plan.payments):
            if day <= today:
                events.append(Event(day, 2, index, position, "payment", plan))
    events.sort(key=lambda event: event[:4])
    return events


def _record_invoice(plan: Plan, customer: Customer, actor: audit.Actor, at: datetime) -> None:
    plan.invoice = invoicing.create_invoice(
        customer,
        number=plan.number,
        issue_date=plan.issue,
        due_date=plan.due,
        lines=plan.lines,
        actor=actor,
        now=at,
    )


def _record_credit_note(plan: Plan, actor: audit.Actor, at: datetime) -> None:
    ledger.record_credit_note(
        plan.invoice,
        amount_cents=plan.credit,
        issued_on=plan.credit_day,
        reason=plan.credit_reason,
        actor=actor,
        now=at,
        number=plan.credit_number,
    )


def _record_payment(
    plan: Plan, position: int, actor: audit.Actor, at: datetime, references: random.Random
) -> None:
    day, amount, method = plan.payments[position]
    ledger.record_payment(
        plan.invoice,
        amount_cents=amount,
        paid_on=day,
        method=method,
        reference=_reference(plan, method, references),
        actor=actor,
        now=at,
    )


def write_history(
    plans: list[Plan],
    created: dict[str, Customer],
    actors: tuple[audit.Actor, audit.Actor],
    today: date,
    now: datetime,
) -> int:
    """Create invoices, credit notes and payments in calendar order; returns the payment count.

    The owner issues invoices and credit notes; the collector records payments.
    """
    owner, collector = actors
    references = random.Random(SEED + 1)
    payments = 0
    for seq, event in enumerate(_timeline(plans, today)):
        plan, at = event.plan, _moment(event.day, now, seq)
        if event.kind == "invoice":
            _record_invoice(plan, created[plan.spec.ref], owner, at)
        elif event.kind == "credit":
            _record_credit_note(plan, owner, at)
        else:
            _record_payment(plan, event.position, collector, at, references)
            payments += 1
    return payments
