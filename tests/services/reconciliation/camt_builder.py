"""camt.053.001.08 statements written the way French banks lay them out, for the tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from xml.sax.saxutils import escape

ACCOUNT = "FR7630006000011234567890189"
NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
FAMILIES = {
    "transfer": ("RCDT", "ESCT"),
    "card": ("CCRD", "POSD"),
    "fee": ("ACMT", "CHRG"),
    "return": ("ICDT", "RRTN"),
}


@dataclass
class Line:
    cents: int
    ref: str
    day: date = date(2026, 11, 23)
    credit: bool = True
    kind: str = "transfer"
    ustrd: list[str] = field(default_factory=list)
    structured: str = ""
    name: str = ""
    iban: str = ""
    end_to_end: str = ""
    original_end_to_end: str = ""


def statement(lines: list[Line], account: str = ACCOUNT, statement_id: str = "STMT-1") -> bytes:
    entries = "".join(_entry(line) for line in lines)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{NS}"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>{statement_id}</MsgId><CreDtTm>2026-11-23T06:00:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>{statement_id}</Id><Acct><Id><IBAN>{account}</IBAN></Id></Acct>"
        f"{entries}</Stmt></BkToCstmrStmt></Document>"
    ).encode()


def _entry(line: Line) -> str:
    family, sub = FAMILIES[line.kind]
    party = "Dbtr" if line.credit else "Cdtr"
    account = "DbtrAcct" if line.credit else "CdtrAcct"
    remittance = "".join(f"<Ustrd>{escape(u)}</Ustrd>" for u in line.ustrd)
    if line.structured:
        remittance += (
            "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>"
            f"<Ref>{line.structured}</Ref></CdtrRefInf></Strd>"
        )
    returned = (
        "<RtrInf><OrgnlBkTxCd><Prtry><Cd>RTRN</Cd></Prtry></OrgnlBkTxCd>"
        "<Rsn><Cd>AC04</Cd></Rsn></RtrInf>"
        if line.original_end_to_end
        else ""
    )
    refs = f"<EndToEndId>{line.end_to_end or 'NOTPROVIDED'}</EndToEndId>"
    if line.original_end_to_end:
        refs = f"<EndToEndId>{line.original_end_to_end}</EndToEndId>"
    iban = f"<{account}><Id><IBAN>{line.iban}</IBAN></Id></{account}>" if line.iban else ""
    return (
        f'<Ntry><Amt Ccy="EUR">{line.cents // 100}.{line.cents % 100:02d}</Amt>'
        f"<CdtDbtInd>{'CRDT' if line.credit else 'DBIT'}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
        f"<BookgDt><Dt>{line.day.isoformat()}</Dt></BookgDt><ValDt><Dt>{line.day.isoformat()}</Dt></ValDt>"
        f"<AcctSvcrRef>{line.ref}</AcctSvcrRef>"
        f"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{family}</Cd><SubFmlyCd>{sub}</SubFmlyCd></Fmly></Domn></BkTxCd>"
        f"<NtryDtls><TxDtls><Refs>{refs}</Refs>"
        f"<RltdPties><{party}><Pty><Nm>{escape(line.name)}</Nm></Pty></{party}>{iban}</RltdPties>"
        f"<RmtInf>{remittance}</RmtInf>{returned}</TxDtls></NtryDtls></Ntry>"
    )
