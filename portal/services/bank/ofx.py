"""OFX bank statements: 1.x SGML and 2.x XML, as French banks' web banking exports them.

Most French banks offer an OFX ("Money") download beside CSV. The account is
in BANKACCTFROM, the French way: bank code in BANKID, branch in BRANCHID,
account number in ACCTID, and the RIB key in ACCTKEY, at the end of ACCTID,
or nowhere; the IBAN is built from them (or read when ACCTID is one). The
label is cut in two, its start in NAME and the rest in MEMO; FITID is the
bank's id of the transaction. Amounts take a decimal point or, from some
banks, a comma. Only LEDGERBAL is a booked balance: it is the closing one,
and OFX states no opening balance. The text is decoded as the bytes show
(a BOM, valid UTF-8), else by the header's CHARSET, else as Windows-1252.
"""

from __future__ import annotations

import re
from datetime import date

from portal.services.bank import entry_kinds
from portal.services.bank.amounts import plain_cents
from portal.services.bank.decoding import decode_text
from portal.services.bank.ofx_markup import Node, header, parse
from portal.services.bank.problems import Problems
from portal.services.bank.statement import (
    Balance,
    BankEntry,
    Direction,
    Statement,
    StatementFormat,
)
from portal.services.errors import N_
from portal.values.banking import iban_is_valid, normalise_iban
from portal.values.rib import french_account_to_iban, rib_to_iban

_DATE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")

NO_STATEMENT = N_("the file holds no bank account statement (STMTRS)")
NO_ACCOUNT = N_(
    "the account (bank %(bank)s, branch %(branch)s, account %(account)s, key %(key)s)"
    " is not a French account or an IBAN"
)
MISSING = N_("%(element)s is missing")
BAD_AMOUNT = N_('the amount "%(amount)s" is not a number')
BAD_DATE = N_('%(element)s "%(date)s" is not a date (YYYYMMDD)')


def looks_like_ofx(text: str) -> bool:
    """Whether the start of a file is an OFX header or an <OFX> element."""
    head = text[:4000].lstrip("\ufeff \r\n\t").upper()
    return head.startswith("OFXHEADER") or "<?OFX" in head or "<OFX>" in head


def read_ofx(data: bytes) -> Statement:
    """Every bank account statement (STMTRS) of an OFX file."""
    raw_header = header(data[:4000].decode("latin-1"))
    text = decode_text(data, raw_header.get("CHARSET", ""))
    fields = header(text)
    statement = Statement(StatementFormat.OFX, version=fields.get("VERSION", ""))
    problems = Problems()
    reports = list(parse(text).iter("STMTRS"))
    if not reports:
        problems.in_file(NO_STATEMENT)
    position = 0
    for report in reports:
        account = _account(report.find("BANKACCTFROM"), problems)
        currency = report.value("CURDEF") or "EUR"
        for transaction in report.iter("STMTTRN"):
            position += 1
            entry = _entry(transaction, position, account, currency, problems)
            if entry is not None:
                statement.entries.append(entry)
        closing = _ledger_balance(report, account, currency)
        statement.accounts.add(account)
        statement.add_balances(None, closing)
    problems.raise_if_any()
    return statement


def _account(node: Node | None, problems: Problems) -> str:
    """The statement account's IBAN, from the French bank, branch, account and key."""
    bank, branch, account, key = (
        node.value(tag) if node is not None else ""
        for tag in ("BANKID", "BRANCHID", "ACCTID", "ACCTKEY")
    )
    compact = normalise_iban(account)
    iban: str | None = compact if iban_is_valid(compact) else None
    if iban is None and bank and branch:
        if len(compact) == 13 and not key:
            compact, key = compact[:11], compact[11:]
        iban = rib_to_iban(bank, branch, compact, key)
    if iban is None and not (bank or branch):
        iban = french_account_to_iban(account)
    if iban is None:
        problems.in_file(NO_ACCOUNT, bank=bank, branch=branch, account=account, key=key)
        return compact
    return iban


def _date(text: str) -> date:
    match = _DATE.match(text)
    if match is None:
        raise ValueError(text)
    return date(*map(int, match.groups()))


def _entry(
    node: Node, position: int, account: str, currency: str, problems: Problems
) -> BankEntry | None:
    found = len(problems.found)
    amount_text = node.value("TRNAMT")
    cents = 0
    if not amount_text:
        problems.at_entry(position, MISSING, element="TRNAMT")
    else:
        try:
            cents = plain_cents(amount_text)
        except ValueError:
            problems.at_entry(position, BAD_AMOUNT, amount=amount_text)
    dates: dict[str, date | None] = {}
    for element in ("DTPOSTED", "DTAVAIL"):
        value = node.value(element)
        if not value:
            dates[element] = None
            if element == "DTPOSTED":
                problems.at_entry(position, MISSING, element=element)
            continue
        try:
            dates[element] = _date(value)
        except ValueError:
            problems.at_entry(position, BAD_DATE, element=element, date=value)
    booked = dates.get("DTPOSTED")
    if len(problems.found) > found or booked is None:
        return None
    name, memo = node.value("NAME"), node.value("MEMO")
    lines = tuple(dict.fromkeys(filter(None, (name, memo))))
    label = " ".join(lines)
    other_account = normalise_iban(node.value("BANKACCTTO/ACCTID"))
    trntype = node.value("TRNTYPE").upper()
    return BankEntry(
        position=position,
        line=node.line,
        account_iban=account,
        booking_date=booked,
        value_date=dates.get("DTAVAIL"),
        amount_cents=cents,
        currency=node.value("CURRENCY/CURSYM") or currency,
        direction=Direction.CREDIT if cents >= 0 else Direction.DEBIT,
        kind=entry_kinds.decide(entry_kinds.from_ofx_type(trntype), label=label),
        label=label,
        counterparty_name=node.value("PAYEE/NAME"),
        counterparty_iban=other_account if iban_is_valid(other_account) else "",
        bank_reference=node.value("FITID"),
        unstructured=lines,
        transaction_code=trntype,
    )


def _ledger_balance(report: Node, account: str, currency: str) -> Balance | None:
    """LEDGERBAL, the booked balance at DTASOF; None when absent or unreadable."""
    try:
        cents = plain_cents(report.value("LEDGERBAL/BALAMT"))
        on = _date(report.value("LEDGERBAL/DTASOF"))
    except ValueError:
        return None
    return Balance(account, on, cents, currency)
