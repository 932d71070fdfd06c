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

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from sqlalchemy import select

from portal.extensions import db
from portal.models import Customer, Invoice, InvoiceStatus, Organisation, PayerAccount
from portal.services import audit
from portal.services.payments import selection, transfers
from portal.values.banking import normalise_iban

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
FAMILIES = {"transfer": ("RCDT", "ESCT"), "card": ("CCRD", "POSD"), "fee": ("ACMT", "CHRG")}
KNOWN_PAYER_IBAN = "FR7610278060410001020304552"


@dataclass
class _Entry:
    cents: int
    lines: list[str]
    name: str = ""
    iban: str = ""
    kind: str = "transfer"
    credit: bool = True
    structured: str = ""
    end_to_end: str = ""
    returned: bool = False


def write_statement(path: Path, *, today: date, now: datetime) -> Path:
    """Write the statement for the demo as loaded today; returns its path."""
    org = db.session.scalar(select(Organisation).limit(1))
    owing = _customers_owing()
    entries: list[_Entry] = []
    first, second, third, fourth, fifth, sixth = owing[:6]
    rf_full = _reference(first[0], first[1][:2], now)
    entries.append(
        _Entry(
            sum(i.outstanding_cents for i in first[1][:2]),
            [f"PAIEMENT FACTURES {rf_full[:10]}", f"{rf_full[10:]} MERCI"],
            name=first[0].name.upper(),
            iban="FR7630003035400005005123456",
            end_to_end="DEMO-RF-1",
        )
    )
    rf_part = _reference(second[0], second[1][:2], now)
    entries.append(
        _Entry(
            second[1][0].outstanding_cents // 2,
            ["ACOMPTE"],
            name=second[0].name.upper(),
            structured=rf_part,
            end_to_end="DEMO-RF-2",
        )
    )
    number = third[1][0].number
    entries.append(
        _Entry(
            third[1][0].outstanding_cents,
            [f"reglement fact {number.replace('-', ' ').lower()}"],
            name=third[0].name.upper(),
            end_to_end="DEMO-NUM-1",
        )
    )
    entries.append(
        _Entry(
            fourth[1][0].outstanding_cents + 2500,
            [f"FACTURE {fourth[1][0].number}"],
            name=fourth[0].name.upper(),
            end_to_end="DEMO-NUM-2",
        )
    )
    _confirm_payer(fifth[0], now)
    entries.append(
        _Entry(
            fifth[1][0].outstanding_cents,
            ["VIREMENT"],
            name="COMPTA SERVICE",
            iban=KNOWN_PAYER_IBAN,
            end_to_end="DEMO-IBAN",
        )
    )
    entries.append(
        _Entry(
            sixth[1][0].outstanding_cents,
            ["VIR SEPA"],
            name=f"SARL {sixth[0].name.upper()}",
            end_to_end="DEMO-NAME",
        )
    )
    entries.append(_Entry(48_900, ["LOYER DECEMBRE"], name="SCI LES TILLEULS", end_to_end="DEMO-X"))
    entries.append(_Entry(31_250, ["REMISE CARTE 4 OPERATIONS"], kind="card"))
    entries.append(_Entry(-1_890, ["FRAIS TENUE DE COMPTE"], kind="fee", credit=False))
    entries.append(
        _Entry(
            -third[1][0].outstanding_cents,
            ["RETOUR VIREMENT COMPTE CLOTURE"],
            name=third[0].name.upper(),
            credit=False,
            end_to_end="DEMO-NUM-1",
            returned=True,
        )
    )
    path.write_text(_document(normalise_iban(org.iban), today, now, entries), encoding="utf-8")
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


def _document(account: str, today: date, now: datetime, entries: list[_Entry]) -> str:
    body = "".join(_entry_xml(n, e, today) for n, e in enumerate(entries, 1))
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{NS}"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>DEMO-{today:%Y%m%d}</MsgId><CreDtTm>{now:%Y-%m-%dT%H:%M:%S}</CreDtTm>"
        f"</GrpHdr><Stmt><Id>DEMO-{today:%Y%m%d}</Id><Acct><Id><IBAN>{account}</IBAN></Id></Acct>"
        f"{body}</Stmt></BkToCstmrStmt></Document>\n"
    )


def _entry_xml(n: int, e: _Entry, today: date) -> str:
    family, sub = FAMILIES[e.kind] if not e.returned else ("ICDT", "RRTN")
    cents = abs(e.cents)
    party, account = ("Dbtr", "DbtrAcct") if e.credit else ("Cdtr", "CdtrAcct")
    remittance = "".join(f"<Ustrd>{escape(line)}</Ustrd>" for line in e.lines)
    if e.structured:
        remittance += (
            "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>"
            f"<Ref>{e.structured}</Ref></CdtrRefInf></Strd>"
        )
    iban = f"<{account}><Id><IBAN>{e.iban}</IBAN></Id></{account}>" if e.iban else ""
    returned = "<RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf>" if e.returned else ""
    return (
        f'<Ntry><Amt Ccy="EUR">{cents // 100}.{cents % 100:02d}</Amt>'
        f"<CdtDbtInd>{'CRDT' if e.credit else 'DBIT'}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
        f"<BookgDt><Dt>{today.isoformat()}</Dt></BookgDt><ValDt><Dt>{today.isoformat()}</Dt></ValDt>"
        f"<AcctSvcrRef>DEMO{today:%Y%m%d}{n:04d}</AcctSvcrRef>"
        f"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{family}</Cd><SubFmlyCd>{sub}</SubFmlyCd></Fmly>"
        f"</Domn></BkTxCd><NtryDtls><TxDtls><Refs><EndToEndId>{e.end_to_end or 'NOTPROVIDED'}"
        f"</EndToEndId></Refs><RltdPties><{party}><Pty><Nm>{escape(e.name)}</Nm></Pty></{party}>"
        f"{iban}</RltdPties><RmtInf>{remittance}</RmtInf>{returned}</TxDtls></NtryDtls></Ntry>"
    )
