"""SWIFT MT940 statements, as French banks deliver them over EBICS or for download.

A file holds one or more messages, each with or without its SWIFT envelope
({1:…}{2:…}{4: … -}): :20: reference, :25: account (an IBAN, or the French
bank/branch/account, possibly behind a BIC), :28C: statement number, :60F:
or :60M: opening balance, then for each movement a :61: statement line and
its :86: information, and :62F: or :62M: closing balance (the M ones when a
long statement was split into several messages). Amounts have a decimal
comma; RC and RD mark the reversal of a credit or a debit. The movements of
each message must take its opening balance to its closing one.

The mt-940 library was tried on the sample file of the tests: it reads an
RC (the reversal of a credit) as a credit, lost the :86: of the movement
whose :61: has a supplementary line, and reports no line numbers, which a
person needs to find a problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from portal.services.bank import entry_kinds
from portal.services.bank.amounts import plain_cents
from portal.services.bank.decoding import decode_text
from portal.services.bank.mt940_details import read_details
from portal.services.bank.problems import UNBALANCED, Problems, balance_params
from portal.services.bank.statement import (
    Balance,
    BankEntry,
    Direction,
    EntryKind,
    Statement,
    StatementFormat,
)
from portal.services.errors import N_
from portal.values.rib import french_account_to_iban

_ENVELOPE = re.compile(r"\{[1235]:(?:[^{}]|\{[^{}]*\})*\}|\{4:|-\}")
_FIELD = re.compile(r":([0-9]{2}[A-Z]?):(.*)")
_BALANCE = re.compile(r"([CD])([0-9]{6})([A-Z]{3})([0-9]+,[0-9]*)")
_STATEMENT_LINE = re.compile(
    r"(?P<value>[0-9]{6})(?P<entry>[0-9]{4})?(?P<mark>RC|RD|C|D)[A-Z]?"
    r"(?P<amount>[0-9]+,[0-9]*)(?P<type>[NFS][A-Z0-9]{3})(?P<customer>.*?)(?://(?P<bank>.*))?"
)
NO_REFERENCE = "NONREF"

BAD_ACCOUNT = N_('the account "%(account)s" is neither an IBAN nor a French bank account')
NO_ACCOUNT = N_("the statement has no account (:25:)")
BAD_BALANCE = N_('the balance "%(balance)s" cannot be read')
NO_OPENING = N_("the statement has no opening balance (:60F:)")
NO_CLOSING = N_("the statement has no closing balance (:62F:)")
BAD_LINE = N_('the statement line "%(text)s" cannot be read')
BAD_DATE = N_('"%(date)s" is not a date (YYMMDD)')
NOT_A_FIELD = N_("this line is outside any field")


@dataclass
class _Field:
    tag: str
    line: int
    lines: list[str]


@dataclass
class _Message:
    line: int
    fields: list[_Field] = field(default_factory=list)


def looks_like_mt940(text: str) -> bool:
    head = _ENVELOPE.sub("", text[:4000])
    return re.search(r"(^|\n)\s*:20:", head) is not None and ":25:" in head


def _messages(text: str, problems: Problems) -> list[_Message]:
    """The fields of each message, with the line each starts on; envelopes are dropped."""
    text = _ENVELOPE.sub(lambda m: "\n" * m.group().count("\n"), text)
    messages: list[_Message] = []
    current: _Field | None = None
    for number, line in enumerate(re.split(r"\r\n|\r|\n", text), 1):
        stripped = line.strip()
        match = _FIELD.match(stripped)
        if match:
            if match.group(1) == "20" or not messages:
                messages.append(_Message(number))
            current = _Field(match.group(1), number, [match.group(2)])
            messages[-1].fields.append(current)
        elif stripped == "-" or not stripped:
            current = None if stripped == "-" else current
        elif current is None:
            problems.at_line(number, NOT_A_FIELD)
        else:
            current.lines.append(line.rstrip("\r"))
    return messages


def _date(text: str) -> date:
    return date(2000 + int(text[:2]), int(text[2:4]), int(text[4:6]))


def read_mt940(data: bytes) -> Statement:
    """Every message's movements in an MT940 file."""
    problems = Problems()
    statement = Statement(StatementFormat.MT940)
    position = 0
    for message in _messages(decode_text(data), problems):
        position = _read_message(message, position, statement, problems)
    problems.raise_if_any()
    return statement


def _account(field_: _Field | None, message: _Message, problems: Problems) -> str:
    if field_ is None:
        problems.at_line(message.line, NO_ACCOUNT)
        return ""
    raw = field_.lines[0].strip()
    for candidate in (raw, *raw.split("/")):
        iban = french_account_to_iban(candidate)
        if iban:
            return iban
    problems.at_line(field_.line, BAD_ACCOUNT, account=raw)
    return raw


def _balance(
    fields: list[_Field], tags: tuple[str, str], account: str, problems: Problems
) -> tuple[Balance | None, int]:
    """The balance of the first field among `tags`, and its line (0 when absent)."""
    found = next((f for f in fields if f.tag in tags), None)
    if found is None:
        return None, 0
    match = _BALANCE.fullmatch(found.lines[0].strip())
    try:
        if match is None:
            raise ValueError
        cents = plain_cents(match.group(4))
        on = _date(match.group(2))
    except ValueError:
        problems.at_line(found.line, BAD_BALANCE, balance=found.lines[0].strip())
        return None, found.line
    return Balance(
        account, on, cents if match.group(1) == "C" else -cents, match.group(3)
    ), found.line


def _read_message(
    message: _Message, position: int, statement: Statement, problems: Problems
) -> int:
    fields = message.fields
    before = len(problems.found)
    account = _account(next((f for f in fields if f.tag == "25"), None), message, problems)
    opening, opening_line = _balance(fields, ("60F", "60M"), account, problems)
    closing, closing_line = _balance(fields, ("62F", "62M"), account, problems)
    if not opening_line:
        problems.at_line(message.line, NO_OPENING)
    if not closing_line:
        problems.at_line(message.line, NO_CLOSING)
    currency = opening.currency if opening else (closing.currency if closing else "EUR")
    total = 0
    for index, field_ in enumerate(fields):
        if field_.tag != "61":
            continue
        position += 1
        following = fields[index + 1] if index + 1 < len(fields) else None
        details = following.lines if following is not None and following.tag == "86" else []
        entry = _entry(field_, details, position, account, currency, problems)
        if entry is not None:
            statement.entries.append(entry)
            total += entry.amount_cents
    checked = opening and closing and len(problems.found) == before
    if checked and opening.amount_cents + total != closing.amount_cents:
        params = balance_params(opening.amount_cents, total, closing.amount_cents)
        problems.at_line(closing_line, UNBALANCED, **params)
    if account:
        statement.accounts.add(account)
    statement.add_balances(opening, closing)
    return position


def _booking_date(value_date: date, month_day: str) -> date:
    """The entry date (MMDD) in the year that puts it nearest the value date."""
    month, day = int(month_day[:2]), int(month_day[2:])
    year = value_date.year
    if month - value_date.month > 6:  # booked in December, value date in January
        year -= 1
    elif value_date.month - month > 6:  # value date in December, booked in January
        year += 1
    return date(year, month, day)


def _entry(
    field_: _Field,
    details_lines: list[str],
    position: int,
    account: str,
    currency: str,
    problems: Problems,
) -> BankEntry | None:
    first = field_.lines[0].strip()
    match = _STATEMENT_LINE.fullmatch(first)
    if match is None:
        problems.at_line(field_.line, BAD_LINE, text=first)
        return None
    try:
        value_date = _date(match["value"])
        booked = _booking_date(value_date, match["entry"]) if match["entry"] else value_date
    except ValueError:
        problems.at_line(field_.line, BAD_DATE, date=match["value"] + (match["entry"] or ""))
        return None
    mark = match["mark"]
    cents = plain_cents(match["amount"]) * (1 if mark in ("C", "RD") else -1)
    details = read_details(details_lines)
    supplementary = " ".join(line.strip() for line in field_.lines[1:])
    label = details.label or supplementary
    customer = match["customer"].strip()
    reversal = mark.startswith("R") or bool(details.return_reason)
    kind = entry_kinds.decide(entry_kinds.from_swift_type(match["type"]), label=label)
    return BankEntry(
        position=position,
        line=field_.line,
        account_iban=account,
        booking_date=booked,
        value_date=value_date,
        amount_cents=cents,
        currency=currency,
        direction=Direction.CREDIT if cents >= 0 else Direction.DEBIT,
        kind=EntryKind.RETURN if reversal else kind,
        label=label,
        counterparty_name=details.counterparty_name,
        counterparty_iban=details.counterparty_iban,
        end_to_end_id=details.end_to_end_id,
        bank_reference=(match["bank"] or "").strip(),
        structured_references=tuple(
            filter(
                None, (customer if customer.upper() != NO_REFERENCE else "", *details.structured)
            )
        ),
        unstructured=details.unstructured,
        original_end_to_end_id=details.end_to_end_id if reversal else "",
        return_reason=details.return_reason,
        transaction_code=match["type"],
    )
