"""Who the demo is about: a Lyon lighting contractor, its logins and its customers.

The customers themselves are a table in `customers.toml`, read once at import:
thirty rows of names, addresses and habits read better as data than as calls.
This module gives them their types and adds what the figures need: how each
kind of customer pays (`PROFILES`) and the open invoices kept on purpose so the
dashboard always has something to show (`STORIES`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from portal.models import CustomerKind, PaymentMethod
from portal.services.demo.french_identifiers import french_iban, luhn_digit, vat_number

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"
#: A second, non-owner login (same password) to show what a collector sees.
DEMO_COLLECTOR_EMAIL = "julien.moreau@example.com"

#: Two customers worth opening in a demo: a French business with several
#: overdue invoices, and an English-speaking one (its debtor page is in English).
DEMO_DEBTOR_REFS = ("CL0001", "CL0005")

_SIREN = "81423657" + luhn_digit("81423657")
ORGANISATION = {
    "legal_name": "Atelier Lumière SARL",
    "trade_name": "Atelier Lumière",
    "address": "27 rue de la Charité",
    "postcode": "69002",
    "city": "Lyon",
    "country": "FR",
    "siren": _SIREN,
    "siret": _SIREN + "0002" + luhn_digit(_SIREN + "0002"),
    "vat_number": vat_number(_SIREN),
    "iban": french_iban("30004", "02837", "00010574219"),
    "bic": "BNPAFRPPXXX",
    "contact_email": "compta.atelier-lumiere@example.fr",
    "contact_phone": "+33 4 65 71 20 30",
    "payment_terms_days": 30,
    "policy_notes": "Pénalités de retard : taux BCE + 10 points. Indemnité forfaitaire de 40 €.",
}


@dataclass(frozen=True)
class Profile:
    """How a customer pays: days late when it pays, and how often it does not."""

    delay: tuple[int, int]
    unpaid: float = 0.0
    split: float = 0.0


PROFILES = {
    "prompt": Profile((-4, 3), split=0.05),
    "debit": Profile((0, 0)),
    "average": Profile((2, 25), split=0.1),
    "slow": Profile((12, 55), unpaid=0.04, split=0.2),
    "public": Profile((15, 45)),
    "chronic": Profile((25, 110), unpaid=0.2, split=0.3),
}


@dataclass(frozen=True)
class CustomerSpec:
    ref: str
    name: str
    segment: str
    address: str
    postcode: str
    city: str
    emails: tuple[str, ...]
    profile: str
    methods: tuple[PaymentMethod, ...]
    every: int
    """Mean days between two invoices."""
    scale: int = 1
    terms: int = 30
    language: str = "fr"
    notes: str = ""

    @property
    def kind(self) -> CustomerKind:
        if self.segment == "Particuliers":
            return CustomerKind.CONSUMER
        return CustomerKind.BUSINESS


def _read_customers(path: Path) -> tuple[CustomerSpec, ...]:
    rows = tomllib.loads(path.read_text(encoding="utf-8"))["customer"]
    return tuple(
        CustomerSpec(
            **{
                **row,
                "emails": tuple(row["emails"]),
                "methods": tuple(PaymentMethod(method) for method in row["methods"]),
            }
        )
        for row in rows
    )


CUSTOMERS = _read_customers(Path(__file__).with_name("customers.toml"))


@dataclass(frozen=True)
class OpenStory:
    """An invoice left open on purpose: `age` days past due (negative: not yet due)."""

    age: int
    part_paid: bool = False
    credit: bool = False
    scale: int = 1
    """Multiplies quantities: the big debtors get big invoices."""


#: Open invoices that make the ageing buckets and the top-debtor list worth
#: looking at, whatever the random history gives. Ages stay two days inside
#: their bucket because issue dates move back to a weekday.
STORIES: dict[str, tuple[OpenStory, ...]] = {
    "CL0001": (
        OpenStory(118),
        OpenStory(76),
        OpenStory(43, part_paid=True),
        OpenStory(17),
        OpenStory(-12),
    ),
    "CL0003": (
        OpenStory(98, scale=4),
        OpenStory(65, scale=4),
        OpenStory(37, part_paid=True, scale=4),
        OpenStory(10, scale=3),
    ),
    "CL0004": (
        OpenStory(155, scale=5),
        OpenStory(84, part_paid=True, scale=5),
        OpenStory(49, credit=True, scale=5),
    ),
    "CL0005": (OpenStory(54), OpenStory(25, part_paid=True), OpenStory(-6)),
    "CL0009": (OpenStory(72), OpenStory(26)),
}
#: Customer whose reminders are paused, and for how many days from today.
PAUSED = ("CL0009", 21)
