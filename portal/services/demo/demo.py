"""Deterministic demo data: a Lyon lighting contractor and its customers.

A demo only convinces if every figure on the dashboard means something: late
payers and prompt ones, part payments, a few credit notes, customers who owe a
lot, open invoices in every ageing bucket. It must also be the same on every
run, so that screenshots, docs and tests can rely on it: one seeded
`random.Random`, and every date relative to `today`.

Everything is written through the same services as real data (setup, accounts,
customers, invoicing, ledger), so the stored balances obey the ledger's rules
and the audit trail reads like a real one.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import inspect, select

from portal.extensions import db
from portal.models import (
    CreditNote,
    Customer,
    CustomerKind,
    Invoice,
    Organisation,
    PaymentMethod,
    Role,
    User,
)
from portal.services import accounts, audit, customers, links, organisation
from portal.services.payments import invoicing, ledger

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"
#: A second, non-owner login (same password) to show what a collector sees.
DEMO_COLLECTOR_EMAIL = "julien.moreau@example.com"

#: Two customers worth opening in a demo: a French business with several
#: overdue invoices, and an English-speaking one (its debtor page is in English).
DEMO_DEBTOR_REFS = ("CL0001", "CL0005")

#: How long the links printed by `portal serve` stay valid.
DEMO_LINK_DAYS = 7

SEED = 20_260_101
#: How far back the invoice history goes (about 14 months).
HISTORY_DAYS = 425
PARIS = ZoneInfo("Europe/Paris")

# Short names keep the customer table below readable.
T = PaymentMethod.TRANSFER
CARD = PaymentMethod.CARD
CHQ = PaymentMethod.CHEQUE
SEPA = PaymentMethod.SEPA_DEBIT


@dataclass(frozen=True)
class DemoSummary:
    """What was loaded, for `portal demo` to report."""

    customers: int
    invoices: int
    payments: int
    credit_notes: int = 0


# --- French identifiers -------------------------------------------------------------


def luhn_digit(payload: str) -> str:
    """The check digit that makes `payload + digit` pass Luhn (SIREN and SIRET use it)."""
    total = 0
    for index, char in enumerate(reversed(payload)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str(-total % 10)


def vat_number(siren: str) -> str:
    """French intra-community VAT number: FR + key + SIREN."""
    key = (12 + 3 * (int(siren) % 97)) % 97
    return f"FR{key:02d}{siren}"


def french_iban(bank: str, branch: str, account: str) -> str:
    """A French IBAN whose RIB key and IBAN check digits are both correct."""
    rib_key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97
    bban = f"{bank}{branch}{account}{rib_key:02d}"
    digits = "".join(str(int(char, 36)) for char in bban + "FR00")
    return f"FR{98 - int(digits) % 97:02d}{bban}"


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


# --- Customers ----------------------------------------------------------------------


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


C = CustomerSpec
CUSTOMERS: tuple[CustomerSpec, ...] = (
    C("CL0001", "Menuiserie Gauthier & Fils", "PME", "14 rue Francis-de-Pressensé", "69100",
      "Villeurbanne", ("comptabilite.gauthier@example.fr", "jerome.gauthier@example.fr"), "slow",
      (T, CHQ), 40, notes="Difficultés de trésorerie évoquées au téléphone ; préfère être appelé le matin."),
    C("CL0002", "Boulangerie Lefèvre", "Commerces", "3 place Sathonay", "69001", "Lyon",
      ("boulangerie.lefevre@example.fr",), "average", (CHQ, T), 75),
    C("CL0003", "Groupe Hôtelier Bellecour SAS", "Grands comptes", "40 place Bellecour", "69002", "Lyon",
      ("fournisseurs.bellecour@example.com", "a.roche.bellecour@example.com"), "slow", (T,), 30,
      scale=3, terms=45, notes="Factures à adresser au service fournisseurs avec le numéro de bon de commande."),
    C("CL0004", "Société Immobilière Rhône-Saône", "Grands comptes", "112 cours Lafayette", "69003", "Lyon",
      ("factures.sirs@example.fr",), "slow", (T,), 35, scale=3, terms=60,
      notes="Factures validées par le gestionnaire d'immeuble avant mise en paiement."),
    C("CL0005", "Brightwell Hospitality SAS", "PME", "8 avenue d'Albigny", "74000", "Annecy",
      ("accounts.brightwell@example.com", "emma.whitfield@example.com"), "average", (T, CARD), 35,
      language="en", notes="Contact : Emma Whitfield (finance), préfère les échanges en anglais."),
    C("CL0006", "Pharmacie des Célestins", "Commerces", "5 rue des Archers", "69002", "Lyon",
      ("pharmacie.celestins@example.fr",), "debit", (SEPA,), 60),
    C("CL0007", "Garage Rousseau Automobiles", "PME", "27 route de Vienne", "69008", "Lyon",
      ("garage.rousseau@example.fr", "compta.rousseau@example.fr"), "average", (T, CHQ), 50),
    C("CL0008", "Béranger & Associés Architectes", "PME", "19 quai Saint-Antoine", "69002", "Lyon",
      ("agence.beranger@example.fr",), "prompt", (T,), 45),
    C("CL0009", "Commune de Saint-Aubin-sur-Azergues", "Collectivités", "Place de la Mairie", "69480",
      "Saint-Aubin-sur-Azergues", ("mairie.saint-aubin@example.org", "finances.saint-aubin@example.org"),
      "public", (T,), 55,
      notes="Paiement attendu après le vote du budget supplémentaire : relances suspendues à la demande de la mairie."),
    C("CL0010", "Syndicat mixte des Berges du Garon", "Collectivités", "2 chemin du Garon", "69510",
      "Thurins", ("syndicat.berges-garon@example.org",), "public", (T,), 45),
    C("CL0011", "Restaurant La Table d'Émile", "Commerces", "22 rue Mercière", "69002", "Lyon",
      ("contact.tabledemile@example.fr",), "chronic", (CHQ, T), 50,
      notes="Plusieurs chèques reçus en retard ; proposer le virement ou le paiement en ligne."),
    C("CL0012", "Librairie Le Chêne et la Plume", "Commerces", "9 rue Lafayette", "38000", "Grenoble",
      ("librairie.chene-plume@example.fr",), "average", (T, CHQ), 80),
    C("CL0013", "Fromagerie Chevalier", "Commerces", "11 rue Croix-d'Or", "73000", "Chambéry",
      ("fromagerie.chevalier@example.fr",), "prompt", (CARD, T), 90),
    C("CL0014", "Clinique vétérinaire des Brotteaux", "PME", "61 boulevard des Belges", "69006", "Lyon",
      ("accueil.veto-brotteaux@example.fr", "gestion.veto-brotteaux@example.fr"), "debit", (SEPA,), 60),
    C("CL0015", "Northgate Logistics France SAS", "Grands comptes", "12 rue du Dauphiné, ZI Mi-Plaine",
      "69800", "Saint-Priest", ("payables.northgate@example.com", "l.martin.northgate@example.com"),
      "average", (T,), 30, scale=2, terms=60, language="en"),
    C("CL0016", "Ateliers Métalliques du Gier", "PME", "4 rue Jean-Jaurès", "42400", "Saint-Chamond",
      ("compta.amg@example.fr",), "slow", (T, CHQ), 45),
    C("CL0017", "Salon Élégance Coiffure", "Commerces", "36 rue Président-Édouard-Herriot", "69001",
      "Lyon", ("salon.elegance@example.fr",), "chronic", (CHQ, CARD), 90),
    C("CL0018", "Crèche associative Les Petits Lutins", "PME", "10 rue de Marseille", "69007", "Lyon",
      ("tresorier.petits-lutins@example.org",), "average", (T, CHQ), 70),
    C("CL0019", "Domaine des Pierres Dorées", "PME", "Lieu-dit Le Bourg", "69620", "Val d'Oingt",
      ("domaine.pierres-dorees@example.fr",), "slow", (T, CHQ), 75),
    C("CL0020", "Imprimerie Darnaud & Cie", "PME", "18 rue Michelet", "42000", "Saint-Étienne",
      ("compta.darnaud@example.fr", "atelier.darnaud@example.fr"), "prompt", (T, SEPA), 40),
    C("CL0021", "Lakeside Yoga Studio SARL", "Commerces", "3 rue Royale", "74000", "Annecy",
      ("hello.lakeside-yoga@example.com",), "average", (CARD, T), 100, language="en"),
    C("CL0022", "Élodie Mercier", "Particuliers", "7 montée de la Grande-Côte", "69001", "Lyon",
      ("elodie.mercier@example.fr",), "prompt", (CARD,), 180),
    C("CL0023", "Hélène Duval", "Particuliers", "45 avenue Jean-Jaurès", "69007", "Lyon",
      ("helene.duval@example.fr", "famille.duval@example.org"), "average", (CHQ,), 150),
    C("CL0024", "Sarah Mitchell", "Particuliers", "12 chemin des Fontaines", "74290", "Veyrier-du-Lac",
      ("sarah.mitchell@example.com",), "average", (CARD,), 140, language="en"),
    C("CL0025", "Jérôme Bérard", "Particuliers", "28 rue de la République", "38000", "Grenoble",
      ("jerome.berard@example.fr",), "chronic", (CHQ, T), 130),
    C("CL0026", "Amélie Nguyen", "Particuliers", "5 impasse des Lilas", "69300", "Caluire-et-Cuire",
      ("amelie.nguyen@example.fr",), "prompt", (CARD,), 200),
    C("CL0027", "James O'Connor", "Particuliers", "9 rue Sainte-Catherine", "33000", "Bordeaux",
      ("james.oconnor@example.com",), "slow", (T, CARD), 120, language="en"),
    C("CL0028", "Géraldine Faure", "Particuliers", "2 allée des Cèdres", "42100", "Saint-Étienne",
      ("geraldine.faure@example.fr",), "slow", (CHQ,), 160),
    C("CL0029", "Noël Lemaître", "Particuliers", "16 rue Émile-Zola", "69600", "Oullins",
      ("noel.lemaitre@example.fr",), "prompt", (CHQ,), 210),
    C("CL0030", "Maëlle Perrin", "Particuliers", "31 boulevard de la Croix-Rousse", "69004", "Lyon",
      ("maelle.perrin@example.fr", "m.perrin@example.org"), "average", (CARD,), 170),
)  # fmt: skip


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


# --- Invoice lines ------------------------------------------------------------------


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
CREDIT_REASONS = (
    "Remise commerciale 10 % – retard de chantier",
    "Avoir – luminaires défectueux repris",
    "Geste commercial – intervention reportée",
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


def _lines(spec: CustomerSpec, rng: random.Random, scale: int) -> list[invoicing.LineInput]:
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


def _total(lines: list[invoicing.LineInput]) -> int:
    return sum(sum(invoicing.line_amounts(li.quantity, li.unit_price, li.tax_rate)) for li in lines)


# --- The plan: invoices and what happens to them -----------------------------------


@dataclass
class Plan:
    """One invoice and the money that will reach it, decided before anything is written."""

    spec: CustomerSpec
    issue: date
    due: date
    lines: list[invoicing.LineInput]
    total: int
    credit: int = 0
    credit_day: date | None = None
    credit_reason: str = ""
    payments: list[tuple[date, int, PaymentMethod]] = field(default_factory=list)
    number: str = ""
    credit_number: str = ""
    invoice: Invoice | None = None

    @property
    def payable(self) -> int:
        return self.total - self.credit


def _weekday_before(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _new_plan(spec: CustomerSpec, rng: random.Random, issue: date, scale: int) -> Plan:
    issue = _weekday_before(issue)
    lines = _lines(spec, rng, scale)
    return Plan(spec, issue, issue + timedelta(days=spec.terms), lines, _total(lines))


def _part(amount: int, rng: random.Random) -> int:
    """A round first instalment (30 to 60 %), strictly less than the amount."""
    part = amount * rng.choice((3, 4, 5, 6)) // 10 // 1000 * 1000
    return part if 0 < part < amount else amount // 2


def _maybe_credit(plan: Plan, rng: random.Random, today: date, force: bool = False) -> None:
    """A few business invoices get a 10 % credit note, as small disputes often end."""
    if not force and (plan.spec.kind is CustomerKind.CONSUMER or rng.random() >= 0.025):
        return
    day = plan.issue + timedelta(days=rng.randint(3, 15))
    if day <= today:
        plan.credit, plan.credit_day = plan.total // 10, day
        plan.credit_reason = rng.choice(CREDIT_REASONS)


def _settle(plan: Plan, rng: random.Random) -> None:
    """Decide when (and whether) the customer pays, from its profile."""
    profile = PROFILES[plan.spec.profile]
    method = rng.choice(plan.spec.methods)
    paid_on = max(
        plan.due + timedelta(days=rng.randint(*profile.delay)), plan.issue + timedelta(days=1)
    )
    if rng.random() < profile.unpaid:
        return
    if plan.payable > 2000 and rng.random() < profile.split:
        first_on = max(
            paid_on - timedelta(days=rng.randint(10, 35)), plan.issue + timedelta(days=1)
        )
        first = _part(plan.payable, rng)
        plan.payments.append((first_on, first, method))
        plan.payments.append((paid_on, plan.payable - first, method))
    else:
        plan.payments.append((paid_on, plan.payable, method))


def _history(spec: CustomerSpec, rng: random.Random, today: date, until: date) -> list[Plan]:
    plans = []
    day = today - timedelta(days=HISTORY_DAYS - rng.randint(0, spec.every))
    while day <= until:
        plan = _new_plan(spec, rng, day, spec.scale)
        _maybe_credit(plan, rng, today)
        _settle(plan, rng)
        plans.append(plan)
        day += timedelta(days=spec.every + rng.randint(-spec.every // 3, spec.every // 3))
    return plans


def _story(spec: CustomerSpec, story: OpenStory, rng: random.Random, today: date) -> Plan:
    plan = _new_plan(spec, rng, today - timedelta(days=story.age + spec.terms), story.scale)
    _maybe_credit(plan, rng, today, force=story.credit)
    if story.part_paid:
        day = min(plan.due + timedelta(days=10), today - timedelta(days=3))
        day = max(day, plan.issue + timedelta(days=2))
        plan.payments.append((day, _part(plan.payable, rng), spec.methods[0]))
    return plan


def plan_invoices(rng: random.Random, today: date) -> list[Plan]:
    """Every invoice of the demo, numbered in issue order as a real ledger would be."""
    plans: list[Plan] = []
    for spec in CUSTOMERS:
        stories = STORIES.get(spec.ref, ())
        # A story customer's history stops well before its open invoices begin.
        gap = max(s.age for s in stories) + spec.terms + 20 if stories else 1
        until = today - timedelta(days=gap)
        plans.extend(_history(spec, rng, today, until))
        plans.extend(_story(spec, story, rng, today) for story in stories)
    plans.sort(key=lambda p: (p.issue, p.spec.ref))
    _number(plans)
    return plans


def _number(plans: list[Plan]) -> None:
    """F<year>-<n>: the first year does not start at 1, the business existed before the demo."""
    counters: dict[str, int] = {}
    for plan in plans:
        plan.number = _next_number("F", plan.issue, counters, per_day=0.6)
    for plan in sorted((p for p in plans if p.credit), key=lambda p: (p.credit_day, p.number)):
        plan.credit_number = _next_number("AV", plan.credit_day, counters, per_day=0.02)


def _next_number(prefix: str, day: date, counters: dict[str, int], per_day: float) -> str:
    key = f"{prefix}{day.year}"
    if key not in counters:
        first_year = not any(k.startswith(prefix) for k in counters)
        counters[key] = int(day.timetuple().tm_yday * per_day) + 1 if first_year else 1
    number = counters[key]
    counters[key] += 1
    return f"{key}-{number:05d}"


# --- Writing ------------------------------------------------------------------------


def _moment(day: date, now: datetime, seq: int) -> datetime:
    """A plausible office-hours time on `day`, never after `now`."""
    local = datetime.combine(day, time(8 + seq * 7 % 10, seq * 13 % 60), tzinfo=PARIS)
    return min(local.astimezone(UTC), now)


def _create_creditor(today: date, now: datetime) -> tuple[audit.Actor, audit.Actor]:
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


def _create_customers(
    rng: random.Random, actor: audit.Actor, today: date, now: datetime
) -> dict[str, Customer]:
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


def _record_credit_note(plan: Plan, actor: audit.Actor, at: datetime) -> None:
    """There is no credit-note service yet: add the row and let the ledger rebalance."""
    invoice = plan.invoice
    note = CreditNote(
        number=plan.credit_number,
        customer_id=invoice.customer_id,
        invoice_id=invoice.id,
        date=plan.credit_day,
        amount_cents=plan.credit,
        currency=invoice.currency,
        reason=plan.credit_reason,
        created_at=at,
    )
    db.session.add(note)
    db.session.flush()
    ledger.refresh_balance(invoice, plan.credit_day)
    audit.record(
        actor, "credit_note.created", "credit_note", note.id, at=at,
        customer_id=invoice.customer_id, invoice_id=invoice.id,
        number=note.number, amount_cents=note.amount_cents,
    )  # fmt: skip


def _write(
    plans: list[Plan],
    created: dict[str, Customer],
    actors: tuple[audit.Actor, audit.Actor],
    today: date,
    now: datetime,
) -> int:
    """Create invoices, credit notes and payments in calendar order; returns the payment count."""
    owner, collector = actors
    references = random.Random(SEED + 1)
    payments = 0
    for seq, event in enumerate(_timeline(plans, today)):
        plan, at = event.plan, _moment(event.day, now, seq)
        if event.kind == "invoice":
            plan.invoice = invoicing.create_invoice(
                created[plan.spec.ref], number=plan.number, issue_date=plan.issue,
                due_date=plan.due, lines=plan.lines, actor=owner, now=at,
            )  # fmt: skip
        elif event.kind == "credit":
            _record_credit_note(plan, owner, at)
        else:
            day, amount, method = plan.payments[event.position]
            ledger.record_payment(
                plan.invoice, amount_cents=amount, paid_on=day, method=method,
                reference=_reference(plan, method, references), actor=collector, now=at,
            )  # fmt: skip
            payments += 1
    return payments


# --- Public API ---------------------------------------------------------------------


def has_data() -> bool:
    """Whether the database holds anything a demo load would mix with.

    Users and the organisation count as well as customers: a portal that has
    been set up but has no customer yet is a real deployment, and loading demo
    data there (or failing half-way on the second setup) would be worse.
    """
    return any(
        db.session.scalar(select(model.id).limit(1)) is not None
        for model in (Customer, User, Organisation)
    )


def wipe() -> None:
    """Delete every row of every table, children first, so foreign keys never object.

    Tables the metadata knows but the database lacks (a model whose migration
    has not run) are skipped rather than failing the reset.
    """
    existing = set(inspect(db.session.connection()).get_table_names())
    for table in reversed(db.metadata.sorted_tables):
        if table.name in existing:
            db.session.execute(table.delete())
    db.session.commit()
    db.session.expunge_all()


def load(*, today: date, now: datetime) -> DemoSummary:
    """Load the demo into an empty database; the same `today` always gives the same data."""
    rng = random.Random(SEED)
    actors = _create_creditor(today, now)
    created = _create_customers(rng, actors[0], today, now)
    plans = plan_invoices(rng, today)
    payments = _write(plans, created, actors, today, now)
    ref, days = PAUSED
    customers.pause_reminders(
        created[ref], until=today + timedelta(days=days), today=today, actor=actors[0], now=now
    )
    db.session.commit()
    return DemoSummary(
        customers=len(created),
        invoices=len(plans),
        payments=payments,
        credit_notes=sum(1 for p in plans if p.credit),
    )


def debtor_link_lines(*, base_url: str, now: datetime) -> list[str]:
    """Fresh debtor links for the example customers, one printable line each.

    Tokens are never stored in clear, so a demo cannot ship fixed links: each
    `portal serve` makes new ones. Customers missing (no demo loaded) are skipped.
    """
    lines = []
    for ref in DEMO_DEBTOR_REFS:
        customer = customers.get_by_ref(ref)
        if customer is None:
            continue
        token = links.create(
            customer, now=now, days=DEMO_LINK_DAYS, actor=audit.Actor.cli(), purpose="demo"
        )
        url = links.absolute_url(token, base_url)
        lines.append(f"Debtor {customer.name} ({customer.language}): {url}")
    db.session.commit()
    return lines
