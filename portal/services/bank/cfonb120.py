"""CFONB 120 "relevé de compte": the fixed-width statement every French bank can send.

Records are 120 characters: 01 opens an account's statement with the old
balance, each 04 is a movement, 05 records complete the 04 before them, and
07 closes with the new balance. Amounts are 13 digits and a last character
that holds both the last digit and the sign ('{' and 'A'…'I' for +0…+9,
'}' and 'J'…'R' for -0…-9), with the number of decimals in column 20. The
records carry no IBAN and no RIB key: the account's IBAN is computed from
bank code, branch code and account number.

Files come as banks and their software write them: Windows-1252 or UTF-8,
CRLF or LF, or no line breaks at all (one line of 120 × N characters; its
"line N" is then the Nth record). A record of the wrong length, or a
statement without its closing 07, means the file was cut or edited: it is
refused rather than read as whatever it happens to line up as. The sum of
the movements must also take the old balance to the new one.

The interbancary operation codes (columns 33-34) are kept as the entry's
transaction code but do not decide its kind: their tables differ between
banks and between the pre-SEPA and SEPA eras. A reject reason (columns
41-42) marks a return; otherwise the label's first words decide.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from portal.services.bank import entry_kinds
from portal.services.bank.cfonb_complements import Complements
from portal.services.bank.decoding import decode_text
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
from portal.values.rib import rib_to_iban

RECORD_LENGTH = 120
_SIGNS = {ch: (1, digit) for digit, ch in enumerate("{ABCDEFGHI")} | {
    ch: (-1, digit) for digit, ch in enumerate("}JKLMNOPQR")
}
_DIGITS = re.compile(r"[0-9]{13}")

WRONG_LENGTH = N_("a record is 120 characters long, this one is %(length)s")
NOT_RECORDS = N_("the file is one line of %(length)s characters, not records of 120")
UNKNOWN_RECORD = N_('"%(code)s" is not a CFONB 120 record (01, 04, 05 or 07)')
NO_OPENING = N_("a %(code)s record comes before the old balance (01) that opens the statement")
NO_CLOSING = N_("the statement opened here has no new balance record (07)")
COMPLEMENT_ALONE = N_("a complement record (05) comes before any movement (04)")
OTHER_ACCOUNT = N_("this record is for account %(account)s, the statement for %(expected)s")
BAD_ACCOUNT = N_("bank %(bank)s, branch %(branch)s, account %(account)s is not a French account")
BAD_AMOUNT = N_('the amount "%(amount)s" cannot be read')
BAD_DATE = N_('"%(date)s" is not a date (DDMMYY)')


def looks_like_cfonb120(text: str) -> bool:
    """Whether the text starts with an old balance record (01) of a CFONB 120 file."""
    return re.match(r"01[0-9]{5}.{4}[0-9]{5}[A-Z]{3}[0-9 ]", text) is not None


def _records(text: str, problems: Problems) -> Iterator[tuple[int, str]]:
    """(line, record) for each record; a file without line breaks is cut every 120 characters."""
    text = text.rstrip("\x1a")  # the end-of-file mark of old DOS transfers
    if "\n" not in text and "\r" not in text:
        if len(text) % RECORD_LENGTH:
            problems.at_line(1, NOT_RECORDS, length=len(text))
            return
        for number, start in enumerate(range(0, len(text), RECORD_LENGTH), 1):
            yield number, text[start : start + RECORD_LENGTH]
        return
    for number, line in enumerate(re.split(r"\r\n|\r|\n", text), 1):
        if len(line) == RECORD_LENGTH:
            yield number, line
        elif line.strip():
            problems.at_line(number, WRONG_LENGTH, length=len(line))


def _date(text: str) -> date:
    day, month, year = int(text[:2]), int(text[2:4]), int(text[4:6])
    return date(2000 + year if year < 80 else 1900 + year, month, day)


def _cents(record: str) -> int:
    """The signed amount of a 01, 04 or 07 record in cents; ValueError when it cannot be read."""
    digits, sign_mark, decimals = record[90:103], record[103], record[19]
    if not _DIGITS.fullmatch(digits) or sign_mark not in _SIGNS or not decimals.isdigit():
        raise ValueError(record[90:104])
    sign, last = _SIGNS[sign_mark]
    value = int(digits) * 10 + last
    scale = int(decimals)
    if scale > 2 and value % 10 ** (scale - 2):
        raise ValueError(record[90:104])
    return sign * (value * 10 ** (2 - scale) if scale <= 2 else value // 10 ** (scale - 2))


@dataclass
class _Block:
    """One account's statement, from its 01 to its 07."""

    line: int
    account_key: str
    iban: str
    currency: str
    opening: Balance | None
    problems_before: int
    total: int = 0


@dataclass
class _Movement:
    """A 04 record and the 05 records that complete it."""

    line: int
    position: int
    record: str
    complements: Complements = field(default_factory=Complements)


def read_cfonb120(data: bytes) -> Statement:
    """Every account's movements in a CFONB 120 file."""
    problems = Problems()
    statement = Statement(StatementFormat.CFONB_120)
    block: _Block | None = None
    movement: _Movement | None = None
    position = 0
    orphans = False  # records seen outside a statement, reported once per run
    for line, record in _records(decode_text(data), problems):
        code = record[:2]
        if code not in ("01", "04", "05", "07"):
            problems.at_line(line, UNKNOWN_RECORD, code=code)
            continue
        if code != "01" and block is None:
            if not orphans:
                problems.at_line(line, NO_OPENING, code=code)
            orphans = True
            continue
        if code == "05":
            if movement is None:
                problems.at_line(line, COMPLEMENT_ALONE)
            else:
                movement.complements.add(record[45:48], record[48:118])
            continue
        if movement is not None and block is not None:
            _finish(movement, block, statement, problems)
            movement = None
        if code == "01":
            if block is not None:
                problems.at_line(block.line, NO_CLOSING)
            block, orphans = _open(line, record, problems), False
        elif block is not None and _account_key(record) != block.account_key:
            problems.at_line(
                line, OTHER_ACCOUNT, account=_account_key(record), expected=block.account_key
            )
        elif code == "04":
            position += 1
            movement = _Movement(line, position, record)
        elif block is not None:
            _close(line, record, block, statement, problems)
            block = None
    if movement is not None and block is not None:
        _finish(movement, block, statement, problems)
    if block is not None:
        problems.at_line(block.line, NO_CLOSING)
    problems.raise_if_any()
    return statement


def _account_key(record: str) -> str:
    return f"{record[2:7]} {record[11:16]} {record[21:32]}"


def _balance(line: int, record: str, iban: str, problems: Problems) -> Balance | None:
    try:
        cents = _cents(record)
    except ValueError:
        problems.at_line(line, BAD_AMOUNT, amount=record[90:104])
        return None
    try:
        on = _date(record[34:40])
    except ValueError:
        problems.at_line(line, BAD_DATE, date=record[34:40])
        return None
    return Balance(iban, on, cents, record[16:19])


def _open(line: int, record: str, problems: Problems) -> _Block:
    bank, branch, account = record[2:7], record[11:16], record[21:32]
    iban = rib_to_iban(bank, branch, account.strip().zfill(11)) or ""
    if not iban:
        problems.at_line(line, BAD_ACCOUNT, bank=bank, branch=branch, account=account)
    opening = _balance(line, record, iban, problems)
    return _Block(line, _account_key(record), iban, record[16:19], opening, len(problems.found))


def _close(line: int, record: str, block: _Block, statement: Statement, problems: Problems) -> None:
    closing = _balance(line, record, block.iban, problems)
    if closing is None or block.opening is None or len(problems.found) > block.problems_before:
        return
    if block.opening.amount_cents + block.total != closing.amount_cents:
        params = balance_params(block.opening.amount_cents, block.total, closing.amount_cents)
        problems.at_line(line, UNBALANCED, **params)
    statement.accounts.add(block.iban)
    statement.add_balances(block.opening, closing)


def _finish(movement: _Movement, block: _Block, statement: Statement, problems: Problems) -> None:
    """The BankEntry of a 04 record and its complements, added to the statement."""
    record, line = movement.record, movement.line
    try:
        cents = _cents(record)
    except ValueError:
        problems.at_line(line, BAD_AMOUNT, amount=record[90:104])
        return
    try:
        booked = _date(record[34:40])
        valued = _date(record[42:48]) if record[42:48].strip() else None
    except ValueError:
        bad = record[34:40] if not _is_date(record[34:40]) else record[42:48]
        problems.at_line(line, BAD_DATE, date=bad)
        return
    block.total += cents
    credit = cents >= 0
    label = record[48:79].strip()
    more = movement.complements
    rejected = bool(record[40:42].strip())
    statement.entries.append(
        BankEntry(
            position=movement.position,
            line=line,
            account_iban=block.iban,
            booking_date=booked,
            value_date=valued,
            amount_cents=cents,
            currency=record[16:19],
            direction=Direction.CREDIT if credit else Direction.DEBIT,
            kind=EntryKind.RETURN if rejected else entry_kinds.from_label(label),
            label=" ".join([label, *more.label_lines]),
            counterparty_name=more.counterparty_name(credit),
            counterparty_iban=more.counterparty_iban(credit),
            end_to_end_id=more.end_to_end_id,
            structured_references=tuple(filter(None, [record[104:120].strip(), *more.references])),
            unstructured=tuple(filter(None, [label, *more.label_lines])),
            original_end_to_end_id=more.end_to_end_id if rejected else "",
            return_reason=record[40:42].strip(),
            transaction_code=record[32:34],
        )
    )


def _is_date(text: str) -> bool:
    try:
        _date(text)
    except ValueError:
        return False
    return True
