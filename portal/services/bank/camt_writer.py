"""Writing a camt.053.001.08 statement the way French banks lay them out.

The demo ships a statement to try the reconciliation on, and the tests and the
benchmark need statements of every shape; all of them are written here, once,
so what they feed the reader is the same layout (booked entries, the bank's
`AcctSvcrRef`, ISO bank transaction codes, the payer's name and IBAN,
structured and unstructured remittance, `RtrInf` for a returned transfer).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from xml.sax.saxutils import escape

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
FAMILIES = {
    "transfer": ("RCDT", "ESCT"),
    "card": ("CCRD", "POSD"),
    "fee": ("ACMT", "CHRG"),
    "return": ("ICDT", "RRTN"),
}


@dataclass
class CamtLine:
    """One booked entry: `cents` is positive, `credit` says which way it went."""

    cents: int
    ref: str
    day: date | None = None
    credit: bool = True
    kind: str = "transfer"
    ustrd: list[str] = field(default_factory=list)
    structured: str = ""
    name: str = ""
    iban: str = ""
    end_to_end: str = ""
    original_end_to_end: str = ""
    """For a returned transfer: the end-to-end id of the credit it sends back."""


def write_camt(
    account: str,
    lines: Iterable[CamtLine],
    *,
    statement_id: str,
    day: date,
    created_at: datetime | None = None,
) -> str:
    """The whole document; a line without its own day is booked on `day`."""
    created = (created_at or datetime.combine(day, datetime.min.time())).strftime(
        "%Y-%m-%dT%H:%M:%S"
    )
    entries = "".join(_entry(line, line.day or day) for line in lines)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{NS}"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>{statement_id}</MsgId><CreDtTm>{created}</CreDtTm></GrpHdr>"
        f"<Stmt><Id>{statement_id}</Id><Acct><Id><IBAN>{account}</IBAN></Id></Acct>"
        f"{entries}</Stmt></BkToCstmrStmt></Document>\n"
    )


def _entry(line: CamtLine, day: date) -> str:
    family, sub = FAMILIES[line.kind]
    party, account = ("Dbtr", "DbtrAcct") if line.credit else ("Cdtr", "CdtrAcct")
    remittance = "".join(f"<Ustrd>{escape(u)}</Ustrd>" for u in line.ustrd)
    if line.structured:
        remittance += (
            "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>"
            f"<Ref>{line.structured}</Ref></CdtrRefInf></Strd>"
        )
    returned = line.kind == "return"
    end_to_end = (line.original_end_to_end if returned else line.end_to_end) or "NOTPROVIDED"
    iban = f"<{account}><Id><IBAN>{line.iban}</IBAN></Id></{account}>" if line.iban else ""
    return_info = "<RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf>" if returned else ""
    return (
        f'<Ntry><Amt Ccy="EUR">{line.cents // 100}.{line.cents % 100:02d}</Amt>'
        f"<CdtDbtInd>{'CRDT' if line.credit else 'DBIT'}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
        f"<BookgDt><Dt>{day.isoformat()}</Dt></BookgDt><ValDt><Dt>{day.isoformat()}</Dt></ValDt>"
        f"<AcctSvcrRef>{line.ref}</AcctSvcrRef><BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{family}</Cd>"
        f"<SubFmlyCd>{sub}</SubFmlyCd></Fmly></Domn></BkTxCd><NtryDtls><TxDtls>"
        f"<Refs><EndToEndId>{end_to_end}</EndToEndId></Refs>"
        f"<RltdPties><{party}><Pty><Nm>{escape(line.name)}</Nm></Pty></{party}>{iban}</RltdPties>"
        f"<RmtInf>{remittance}</RmtInf>{return_info}</TxDtls></NtryDtls></Ntry>"
    )
