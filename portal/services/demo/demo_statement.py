"""A bank statement to try the reconciliation on the demo: one entry for every case.

Made from the demo's own open invoices the day the demo is loaded, written as
the camt.053 a French bank would send: a transfer quoting the RF reference the
portal issued (its characters cut across two lines, as banks do), one paying
part of another selection, invoice numbers typed loosely (one paying too much),
a payer whose IBAN the creditor confirmed earlier, a close payer name (left for
review), a stranger, a card settlement and bank fees (ignored), and a transfer
the payer's bank sent back. `portal bank import` on it shows every outcome.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from portal.extensions import db
from portal.models import Customer, Invoice, InvoiceStatus, Organisation, PayerAccount
from portal.services import audit
from portal.services.bank.camt_writer import CamtLine, write_camt
from portal.services.payments import selection, transfers
from portal.values.banking import normalise_iban

KNOWN_PAYER_IBAN = "FR7610278060410001020304552"


def write_statement(path: Path, *, today: date, now: datetime) -> Path:
    """Write the statement for the demo as loaded today; returns its path."""
    org = db.session.scalar(select(Organisation).limit(1))
    owing = _customers_owing()
    first, second, third, fourth, fifth, sixth = owing[:6]
    rf_full = _reference(first[0], first[1][:2], now)
    rf_part = _reference(second[0], second[1][:2], now)
    _confirm_payer(fifth[0], now)
    number = third[1][0].number
    entries = [
        CamtLine(
            sum(i.outstanding_cents for i in first[1][:2]),
            f"DEMO{today:%Y%m%d}01",
            ustrd=[f"PAIEMENT FACTURES {rf_full[:10]}", f"{rf_full[10:]} MERCI"],
            name=first[0].name.upper(),
            iban="FR7630003035400005005123456",
            end_to_end="DEMO-RF-1",
        ),
        CamtLine(
            second[1][0].outstanding_cents // 2,
            f"DEMO{today:%Y%m%d}02",
            ustrd=["ACOMPTE"],
            name=second[0].name.upper(),
            structured=rf_part,
            end_to_end="DEMO-RF-2",
        ),
        CamtLine(
            third[1][0].outstanding_cents,
            f"DEMO{today:%Y%m%d}03",
            ustrd=[f"reglement fact {number.replace('-', ' ').lower()}"],
            name=third[0].name.upper(),
            end_to_end="DEMO-NUM-1",
        ),
        CamtLine(
            fourth[1][0].outstanding_cents + 2500,
            f"DEMO{today:%Y%m%d}04",
            ustrd=[f"FACTURE {fourth[1][0].number}"],
            name=fourth[0].name.upper(),
            end_to_end="DEMO-NUM-2",
        ),
        CamtLine(
            fifth[1][0].outstanding_cents,
            f"DEMO{today:%Y%m%d}05",
            ustrd=["VIREMENT"],
            name="COMPTA SERVICE",
            iban=KNOWN_PAYER_IBAN,
            end_to_end="DEMO-IBAN",
        ),
        CamtLine(
            sixth[1][0].outstanding_cents,
            f"DEMO{today:%Y%m%d}06",
            ustrd=["VIR SEPA"],
            name=f"SARL {sixth[0].name.upper()}",
            end_to_end="DEMO-NAME",
        ),
        CamtLine(
            48_900, f"DEMO{today:%Y%m%d}07", ustrd=["LOYER DECEMBRE"], name="SCI LES TILLEULS"
        ),
        CamtLine(31_250, f"DEMO{today:%Y%m%d}08", ustrd=["REMISE CARTE 4 OPERATIONS"], kind="card"),
        CamtLine(
            1_890,
            f"DEMO{today:%Y%m%d}09",
            ustrd=["FRAIS TENUE DE COMPTE"],
            kind="fee",
            credit=False,
        ),
        CamtLine(
            third[1][0].outstanding_cents,
            f"DEMO{today:%Y%m%d}10",
            ustrd=["RETOUR VIREMENT COMPTE CLOTURE"],
            name=third[0].name.upper(),
            credit=False,
            kind="return",
            original_end_to_end="DEMO-NUM-1",
        ),
    ]
    document = write_camt(
        normalise_iban(org.iban),
        entries,
        statement_id=f"DEMO-{today:%Y%m%d}",
        day=today,
        created_at=now,
    )
    path.write_text(document, encoding="utf-8")
    return path


def _customers_owing() -> list[tuple[Customer, list[Invoice]]]:
    """Customers with open invoices, each with theirs oldest first, in a fixed order."""
    rows = db.session.scalars(
        select(Invoice)
        .where(Invoice.status == InvoiceStatus.OPEN, Invoice.outstanding_cents > 0)
        .order_by(Invoice.customer_id, Invoice.due_date, Invoice.id)
    )
    by_customer: dict[int, list[Invoice]] = {}
    for invoice in rows:
        by_customer.setdefault(invoice.customer_id, []).append(invoice)
    ordered = sorted(by_customer.items(), key=lambda item: (-len(item[1]), item[0]))
    return [(db.session.get(Customer, cid), invoices) for cid, invoices in ordered]


def _reference(customer: Customer, invoices: list[Invoice], now: datetime) -> str:
    chosen = selection.select_invoices(customer, [i.id for i in invoices])
    return transfers.reference_for(customer, chosen, now=now, actor=audit.Actor.cli()).reference


def _confirm_payer(customer: Customer, now: datetime) -> None:
    if db.session.scalar(select(PayerAccount).where(PayerAccount.iban == KNOWN_PAYER_IBAN)):
        return
    db.session.add(PayerAccount(iban=KNOWN_PAYER_IBAN, customer_id=customer.id, confirmed_at=now))
    db.session.flush()
