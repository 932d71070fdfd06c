"""Write realistic French customers.csv, invoices.csv and payments.csv of any size.

    python bench/generate.py --customers 20000 --invoices 30000 --out DIR --seed 1
    python bench/generate.py --customers 20000 --lines 100000 --out DIR --french

The same seed always gives the same files. `--french` writes what a French
office exports: semicolons, decimal commas, DD/MM/YYYY dates and non-breaking
spaces between thousands (add `--encoding cp1252` for Excel on Windows).
Rows are written as they are made, so memory does not grow with the file.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal.services.imports.customers import CUSTOMER_COLUMNS  # noqa: E402
from portal.services.imports.invoices import INVOICE_COLUMNS  # noqa: E402
from portal.services.imports.payments import PAYMENT_COLUMNS  # noqa: E402
from portal.services.payments.invoicing import line_amounts  # noqa: E402

SURNAMES = (
    "Martin",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefèvre",
    "Leroy",
    "Roux",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Muller",
    "Faure",
    "André",
    "Mercier",
    "Blanc",
    "Guérin",
    "Boyer",
    "Garnier",
    "Chevalier",
    "François",
    "Legrand",
    "Gauthier",
    "Perrin",
    "Robin",
    "Clément",
    "Morin",
    "Nicolas",
    "Henry",
    "Roussel",
    "Mathieu",
    "Masson",
    "Lemaître",
    "Benoît",
    "Noël",
)
FIRST_NAMES = (
    "Jean",
    "Marie",
    "Camille",
    "Léa",
    "Chloé",
    "Hugo",
    "Lucas",
    "Emma",
    "Zoé",
    "Théo",
    "Inès",
    "Noémie",
    "François",
    "Hélène",
    "Joël",
    "Gaëlle",
    "Jérôme",
    "Cécile",
    "Anaïs",
    "Loïc",
)
TRADES = (
    ("Boulangerie", "artisans"),
    ("Garage", "artisans"),
    ("Menuiserie", "BTP"),
    ("Plomberie", "BTP"),
    ("Électricité", "BTP"),
    ("Cabinet", "services"),
    ("Transports", "logistique"),
    ("Pharmacie", "santé"),
    ("Café", "commerce"),
    ("Hôtel", "tourisme"),
    ("Librairie", "commerce"),
    ("Imprimerie", "industrie"),
    ("Fromagerie", "commerce"),
    ("Atelier", "artisans"),
    ("Clinique vétérinaire", "santé"),
)
LEGAL_FORMS = ("SARL", "SAS", "EURL", "SA", "SNC", "& Fils", "")
STREETS = (
    "rue de la République",
    "avenue Victor Hugo",
    "boulevard Jean Jaurès",
    "rue des Lilas",
    "place du Marché",
    "rue Pasteur",
    "avenue du Général de Gaulle",
    "chemin de la Gare",
    "rue des Écoles",
    "impasse Saint-Michel",
    "quai de la Saône",
    "allée des Châtaigniers",
)
CITIES = (
    ("75011", "Paris"),
    ("75015", "Paris"),
    ("69003", "Lyon"),
    ("13001", "Marseille"),
    ("31000", "Toulouse"),
    ("06000", "Nice"),
    ("44000", "Nantes"),
    ("67000", "Strasbourg"),
    ("34000", "Montpellier"),
    ("33000", "Bordeaux"),
    ("59000", "Lille"),
    ("35000", "Rennes"),
    ("51100", "Reims"),
    ("42000", "Saint-Étienne"),
    ("38000", "Grenoble"),
    ("21000", "Dijon"),
    ("25000", "Besançon"),
    ("13090", "Aix-en-Provence"),
    ("29200", "Brest"),
    ("30000", "Nîmes"),
)
#: (description, lowest and highest unit price in euros, VAT rate %)
CATALOGUE = (
    ("Heure de main-d'œuvre", 45, 85, "20"),
    ("Déplacement", 25, 60, "20"),
    ("Pain de campagne", 1, 5, "5.5"),
    ("Café en grains — 1 kg", 12, 30, "5.5"),
    ("Livres scolaires", 8, 30, "5.5"),
    ("Travaux de rénovation énergétique", 200, 5000, "5.5"),
    ("Travaux d'amélioration du logement", 100, 3000, "10"),
    ("Repas d'affaires", 15, 60, "10"),
    ("Médicaments remboursables", 2, 40, "2.1"),
    ("Abonnement logiciel « Gestion+ »", 10, 199, "20"),
    ("Prestation de conseil", 400, 1200, "20"),
    ("Maintenance annuelle", 150, 900, "20"),
    ("Fournitures de bureau", 1, 50, "20"),
    ("Transport de marchandises", 80, 1500, "20"),
)
METHODS = ("virement", "virement", "virement", "chèque", "carte", "prélèvement", "espèces")
FIRST_ISSUE = date(2025, 1, 2)
ISSUE_DAYS = 660


@dataclass(frozen=True)
class Style:
    """How numbers and dates are written: English/ISO or as a French office exports."""

    french: bool

    @property
    def delimiter(self) -> str:
        return ";" if self.french else ","

    def day(self, value: date) -> str:
        return value.strftime("%d/%m/%Y") if self.french else value.isoformat()

    def number(self, value: Decimal) -> str:
        text = format(value, "f")
        if not self.french:
            return text
        whole, _, fraction = text.partition(".")
        groups = f"{int(whole):,}".replace(",", "\u00a0")
        return f"{groups},{fraction}" if fraction else groups


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join("".join(c if c.isalnum() else " " for c in ascii_text.lower()).split())


def siren(rng: random.Random) -> str:
    """Nine digits passing the Luhn check, as real SIREN numbers do."""
    digits = [rng.randrange(10) for _ in range(8)]
    total = 0
    for position, digit in enumerate(digits):
        doubled = digit * 2 if position % 2 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


def customer_rows(count: int, rng: random.Random) -> Iterator[list[str]]:
    yield list(CUSTOMER_COLUMNS.known)  # the header the import expects, from the import itself
    for n in range(1, count + 1):
        postcode, city = rng.choice(CITIES)
        address = f"{rng.randint(1, 180)} {rng.choice(STREETS)}"
        phone = f"0{rng.randint(1, 5)} " + " ".join(f"{rng.randrange(100):02d}" for _ in range(4))
        if rng.random() < 0.2:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
            email = f"{slug(name).replace('-', '.')}{n}@exemple.fr"
            yield [
                f"CL{n:06d}",
                name,
                "particulier",
                email,
                "fr",
                phone,
                address,
                postcode,
                city,
                "FR",
                "",
                "particuliers",
            ]
            continue
        trade, segment = rng.choice(TRADES)
        name = " ".join(
            part for part in (trade, rng.choice(SURNAMES), rng.choice(LEGAL_FORMS)) if part
        )
        domain = f"{slug(name)}-{n}.fr"
        email = f"comptabilite@{domain}"
        if rng.random() < 0.3:
            email += f"; direction@{domain}"
        language = "en" if rng.random() < 0.03 else "fr"
        yield [
            f"CL{n:06d}",
            name,
            "entreprise",
            email,
            language,
            phone,
            address,
            postcode,
            city,
            "FR",
            siren(rng),
            segment,
        ]


def line_counts(invoices: int | None, lines: int | None, rng: random.Random) -> Iterator[int]:
    """Lines per invoice: 1 to 6, most often 2 to 4; stop at `lines` in total when given."""
    made = 0
    while (lines is None and made < (invoices or 0)) or (lines is not None and made < lines):
        count = rng.choices((1, 2, 3, 4, 5, 6), weights=(22, 20, 20, 18, 12, 8))[0]
        if lines is not None:
            count = min(count, lines - made)
            made += count
        else:
            made += 1
        yield count


def unit_price(rng: random.Random, low: int, high: int) -> Decimal:
    cents = rng.randint(low * 100, high * 100)
    if high <= 5 and rng.random() < 0.3:
        return Decimal(cents * 10 + rng.randint(0, 9)).scaleb(-3)  # 0.335 € a piece
    return Decimal(cents).scaleb(-2)


def quantity(rng: random.Random) -> Decimal:
    if rng.random() < 0.15:
        return Decimal(rng.choice(("0.5", "0.75", "1.5", "2.5", "3.25", "7.5")))
    return Decimal(rng.choice((1, 1, 1, 2, 3, 4, 5, 10, 12, 20)))


def write_invoices_and_payments(
    invoices_out,
    payments_out,
    *,
    customers: int,
    invoices: int | None,
    lines: int | None,
    rng: random.Random,
    style: Style,
) -> tuple[int, int, int]:
    """Write both files side by side; returns (invoices, lines, payments) written."""
    invoice_writer = csv.writer(invoices_out, delimiter=style.delimiter, lineterminator="\r\n")
    payment_writer = csv.writer(payments_out, delimiter=style.delimiter, lineterminator="\r\n")
    invoice_writer.writerow(INVOICE_COLUMNS.known)
    payment_writer.writerow(PAYMENT_COLUMNS.known)
    totals = [0, 0, 0]
    for n, count in enumerate(line_counts(invoices, lines, rng), start=1):
        issue = FIRST_ISSUE + timedelta(days=rng.randrange(ISSUE_DAYS))
        number = f"FA-{issue.year}-{n:07d}"
        due = issue + timedelta(days=rng.choice((30, 30, 45, 60)))
        customer = f"CL{rng.randint(1, customers):06d}"
        currency = "EUR" if rng.random() < 0.7 else ""
        total = 0
        for _ in range(count):
            description, low, high, rate = rng.choice(CATALOGUE)
            qty, price = quantity(rng), unit_price(rng, low, high)
            net, tax = line_amounts(qty, price, Decimal(rate))
            total += net + tax
            invoice_writer.writerow(
                [
                    number,
                    customer,
                    style.day(issue),
                    style.day(due),
                    currency,
                    description,
                    style.number(qty),
                    style.number(price),
                    style.number(Decimal(rate)),
                ]
            )
        totals[0] += 1
        totals[1] += count
        totals[2] += write_payments(payment_writer, number, total, due, rng, style)
    return totals[0], totals[1], totals[2]


def write_payments(
    writer, number: str, total: int, due: date, rng: random.Random, style: Style
) -> int:
    """Most invoices are paid, some in two goes, some partly, some not yet."""
    roll = rng.random()
    if roll < 0.3 or total < 3:
        amounts = []
    elif roll < 0.8:
        amounts = [total]
    elif roll < 0.92:
        amounts = [total // 2, total - total // 2]
    else:
        amounts = [total // 3]
    for k, cents in enumerate(amounts):
        paid_on = due + timedelta(days=rng.randint(-20, 40) + 7 * k)
        method = rng.choice(METHODS)
        reference = f"{'VIR' if method == 'virement' else 'REG'} {number}"
        writer.writerow(
            [number, style.day(paid_on), style.number(Decimal(cents).scaleb(-2)), method, reference]
        )
    return len(amounts)


def generate(
    out: Path,
    *,
    customers: int,
    invoices: int | None = None,
    lines: int | None = None,
    seed: int = 1,
    french: bool = False,
    encoding: str = "utf-8",
) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    style = Style(french)
    with (out / "customers.csv").open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f, delimiter=style.delimiter, lineterminator="\r\n")
        writer.writerows(customer_rows(customers, rng))
    with (
        (out / "invoices.csv").open("w", encoding=encoding, newline="") as invoices_out,
        (out / "payments.csv").open("w", encoding=encoding, newline="") as payments_out,
    ):
        made = write_invoices_and_payments(
            invoices_out,
            payments_out,
            customers=customers,
            invoices=invoices,
            lines=lines,
            rng=rng,
            style=style,
        )
    return {"customers": customers, "invoices": made[0], "lines": made[1], "payments": made[2]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--invoices", type=int, default=3000)
    parser.add_argument(
        "--lines", type=int, help="exact number of invoice lines (overrides --invoices)"
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--french", action="store_true", help="semicolons, decimal commas, DD/MM/YYYY"
    )
    parser.add_argument("--encoding", default="utf-8", help="utf-8 (default), utf-8-sig or cp1252")
    args = parser.parse_args()
    summary = generate(
        args.out,
        customers=args.customers,
        invoices=args.invoices,
        lines=args.lines,
        seed=args.seed,
        french=args.french,
        encoding=args.encoding,
    )
    print(", ".join(f"{count} {name}" for name, count in summary.items()), "written to", args.out)


if __name__ == "__main__":
    main()
