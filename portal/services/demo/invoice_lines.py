"""What the demo contractor sells, and how one invoice's lines are drawn from it.

Businesses always pay 20 % VAT; homes pay the reduced rates French law allows
for works on dwellings, so the VAT breakdown on a consumer's invoice shows
something. Quantities come in the steps a real quote uses (half hours, tenths
of a metre, whole units), and prices end in a round ten cents.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from portal.models import CustomerKind
from portal.services.demo.catalogue import CustomerSpec
from portal.services.payments import invoicing


@dataclass(frozen=True)
class Item:
    description: str
    unit: str
    """flat (quantity 1), hour (halves), unit (whole) or metre (tenths)."""
    price: tuple[int, int]
    quantity: tuple[int, int] = (1, 1)
    rate: str = "20"
    """VAT rate for consumers; businesses always pay 20 %."""


BUSINESS_ITEMS = (
    Item("Maintenance éclairage atelier", "flat", (18_000, 65_000)),
    Item("Installation luminaires LED", "unit", (8_550, 24_000), (4, 16)),
    Item("Main-d'œuvre électricien (heure)", "hour", (5_200, 6_800), (3, 20)),
    Item("Dépannage éclairage de secours", "flat", (14_500, 32_000)),
    Item("Fourniture dalles LED 60×60", "unit", (3_890, 6_450), (6, 30)),
    Item("Étude d'éclairement (DIALux)", "flat", (45_000, 180_000)),
    Item("Frais de déplacement", "flat", (4_500, 9_500)),
    Item("Remplacement tubes fluorescents par tubes LED", "unit", (1_490, 2_990), (10, 50)),
    Item("Contrat d'entretien éclairage – trimestre", "flat", (39_000, 120_000)),
    Item("Mise en lumière vitrine", "flat", (60_000, 240_000)),
    Item("Câble R2V 3G2,5 (mètre)", "metre", (145, 295), (15, 120)),
    Item("Projecteurs extérieurs IP65", "unit", (12_000, 38_000), (2, 10)),
    Item("Détecteurs de présence", "unit", (3_500, 7_900), (2, 14)),
    Item("Blocs autonomes d'éclairage de sécurité (BAES)", "unit", (4_200, 9_600), (3, 16)),
)
#: Works in homes over two years old pay 10 %, energy-saving works 5.5 %.
CONSUMER_ITEMS = (
    Item(
        "Mise aux normes du tableau électrique (NF C 15-100)", "flat", (90_000, 180_000), rate="10"
    ),
    Item("Installation spots LED encastrés", "unit", (4_500, 8_900), (4, 12), rate="10"),
    Item("Main-d'œuvre électricien (heure)", "hour", (4_800, 6_200), (2, 8), rate="10"),
    Item(
        "Thermostat programmable et régulation du chauffage", "flat", (28_000, 52_000), rate="5.5"
    ),
    Item(
        "Pose de luminaires extérieurs avec détecteur", "unit", (9_500, 18_000), (1, 4), rate="10"
    ),
    Item("Fourniture ampoules LED (vente seule)", "unit", (490, 1_290), (5, 20), rate="20"),
    Item("Déplacement et diagnostic", "flat", (4_900, 7_900), rate="10"),
    Item("Câblage cuisine (circuits spécialisés, mètre)", "metre", (210, 480), (10, 40), rate="10"),
)


def _quantity(item: Item, rng: random.Random, scale: int) -> Decimal:
    low, high = item.quantity
    if item.unit == "hour":
        return Decimal(rng.randint(low * 2, high * 2) * scale) / 2
    if item.unit == "metre":
        return Decimal(rng.randint(low * 10, high * 10) * scale) / 10
    if item.unit == "unit":
        return Decimal(rng.randint(low, high) * scale)
    return Decimal(1)


def draw_lines(spec: CustomerSpec, rng: random.Random, scale: int) -> list[invoicing.LineInput]:
    """One to four lines from the customer's catalogue; `scale` multiplies quantities."""
    business = spec.kind is CustomerKind.BUSINESS
    catalogue = BUSINESS_ITEMS if business else CONSUMER_ITEMS
    lines = []
    for item in rng.sample(catalogue, rng.randint(1, 4)):
        cents = rng.randint(*item.price)
        lines.append(
            invoicing.LineInput(
                description=item.description,
                quantity=_quantity(item, rng, scale),
                unit_price=(Decimal(cents - cents % 10) / 100).quantize(invoicing.CENT),
                tax_rate=Decimal("20" if business else item.rate),
            )
        )
    return lines


def total_cents(lines: list[invoicing.LineInput]) -> int:
    """What the invoice will total, as the invoicing service will compute it."""
    return sum(sum(invoicing.line_amounts(li.quantity, li.unit_price, li.tax_rate)) for li in lines)
