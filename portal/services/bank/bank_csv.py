"""CSV exports of bank web sites: the format every bank has, and no two alike.

A person downloads "mes opérations" as CSV: semicolons or commas, a decimal
comma, DD/MM/YYYY dates (sometimes DD/MM/YY), UTF-8 with or without a BOM
or Windows-1252, often a few lines about the account before the header
(where the IBAN may be found), sometimes a balance line at the end. The
columns are recognised from their names (csv_columns), or given as a
CsvMapping the person chose once; when they cannot be told apart, the
problem lists the names found so the caller can ask.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import InvalidOperation

from portal.services.bank import entry_kinds
from portal.services.bank.amounts import exact_cents
from portal.services.bank.csv_columns import CsvMapping, detect, normalise, positions
from portal.services.bank.decoding import decode_text
from portal.services.bank.problems import Problem, Problems, StatementInvalid
from portal.services.bank.statement import BankEntry, Direction, Statement, StatementFormat
from portal.services.errors import N_
from portal.values.banking import iban_is_valid, normalise_iban
from portal.values.dates import parse_date
from portal.values.money import parse_decimal

#: How far down a header row is looked for, past the lines about the account.
HEADER_SEARCH = 20
_SHORT_DATE = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{2})")
_IBAN_IN_TEXT = re.compile(r"\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30}\b")
_SUMMARY_WORDS = ("solde", "total", "balance", "ancien solde", "nouveau solde")

COLUMNS_UNKNOWN = N_(
    "the columns of this CSV file could not be recognised (it has: %(headers)s);"
    " say which holds the date, the label and the amount (or the debit and the credit)"
)
COLUMNS_MISSING = N_("the columns %(missing)s are not in this CSV file (it has: %(headers)s)")
BAD_DATE = N_('"%(date)s" is not a date')
NO_DATE = N_("the row has no date")
BAD_AMOUNT = N_('the amount "%(amount)s" is not a number of euros and cents')
NO_AMOUNT = N_("the row has no amount")
DEBIT_AND_CREDIT = N_("the row has both a debit (%(debit)s) and a credit (%(credit)s)")


class CsvColumnsUnknown(StatementInvalid):
    """The columns could not be told apart: `headers` are the names the file has."""

    def __init__(self, problem: Problem, headers: list[str]):
        super().__init__([problem])
        self.headers = headers


def _rows(text: str) -> list[tuple[int, list[str]]]:
    """(line where the row starts, fields) for every row, the delimiter sniffed from the top."""
    head = "\n".join(text.splitlines()[:HEADER_SEARCH])
    delimiter = max(";,\t", key=head.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, last = [], 0
    for fields in reader:
        rows.append((last + 1, [field.strip() for field in fields]))
        last = reader.line_num
    return rows


def _filled(rows: list[tuple[int, list[str]]]) -> list[tuple[int, list[str]]]:
    """(index, fields) of the rows that may be the header: the non-empty ones near the top."""
    return [(i, fields) for i, (_, fields) in enumerate(rows[:HEADER_SEARCH]) if any(fields)]


def _likely_header(filled: list[tuple[int, list[str]]]) -> tuple[int, list[str]]:
    """The first of the widest rows near the top: lines about the account are narrower."""
    if not filled:
        return 0, []
    return max(filled, key=lambda item: sum(1 for name in item[1] if name))


def header_rows(data: bytes) -> list[list[str]]:
    """The rows of a CSV export that may be its header, the likeliest first.

    The first is the one a refusal lists when no header is recognised; a
    remembered mapping may match any of them.
    """
    filled = _filled(_rows(decode_text(data)))
    likely = _likely_header(filled)[1]
    return [likely, *(fields for _, fields in filled if fields is not likely)] if filled else []


def _header(
    rows: list[tuple[int, list[str]]], mapping: CsvMapping | None
) -> tuple[int, CsvMapping, dict[str, int]]:
    """The header row's index, the mapping and the columns' positions; refuses the file else."""
    filled = _filled(rows)
    for index, fields in filled:
        found = mapping or detect(fields)
        where = positions(fields, found) if found else None
        if found is not None and where is not None:
            return index, found, where
    index, headers = _likely_header(filled)
    first_line = rows[index][0] if filled else 1
    listed = ", ".join(f'"{name}"' for name in headers if name)
    if mapping is None:
        problem = Problem("line", first_line, COLUMNS_UNKNOWN, {"headers": listed})
    else:
        missing = [
            name
            for name in mapping.columns().values()
            if normalise(name) not in {normalise(h) for h in headers}
        ]
        params = {"missing": ", ".join(f'"{name}"' for name in missing), "headers": listed}
        problem = Problem("line", first_line, COLUMNS_MISSING, params)
    raise CsvColumnsUnknown(problem, headers)


def _date(text: str) -> date:
    try:
        return parse_date(text)
    except ValueError:
        match = _SHORT_DATE.fullmatch(text)
        if match is None:
            raise
        day, month, year = map(int, match.groups())
        return date(2000 + year, month, day)


def _cents(text: str) -> int:
    try:
        return exact_cents(parse_decimal(text))
    except (ValueError, InvalidOperation) as exc:
        raise ValueError(text) from exc


def _account_in(rows: list[tuple[int, list[str]]]) -> str:
    """An IBAN written in the lines above the header, or ""."""
    for _, fields in rows:
        for match in _IBAN_IN_TEXT.finditer(" ".join(fields).upper()):
            compact = normalise_iban(match.group())
            for end in range(len(compact), 14, -1):  # the pattern may run into the next word
                if iban_is_valid(compact[:end]):
                    return compact[:end]
    return ""


def read_bank_csv(data: bytes, mapping: CsvMapping | None = None) -> Statement:
    """The movements of a bank's CSV export, with the given or recognised columns."""
    rows = _rows(decode_text(data))
    index, mapping, where = _header(rows, mapping)
    account = normalise_iban(mapping.account_iban) or _account_in(rows[:index])
    statement = Statement(StatementFormat.CSV)
    if account:
        statement.accounts.add(account)
    problems = Problems()
    position = 0
    for line, fields in rows[index + 1 :]:
        cells = {role: fields[i] if i < len(fields) else "" for role, i in where.items()}
        money = [cells.get(role, "") for role in ("amount", "debit", "credit")]
        if not any(fields) or not (cells["date"] or any(money)):
            continue
        if normalise(fields[0]).startswith(_SUMMARY_WORDS) or normalise(cells["date"]).startswith(
            _SUMMARY_WORDS
        ):
            continue
        position += 1
        entry = _entry(line, position, cells, account, problems)
        if entry is not None:
            statement.entries.append(entry)
    problems.raise_if_any()
    return statement


def _amount(line: int, cells: dict[str, str], problems: Problems) -> int | None:
    """The signed amount of a row: its amount column, or its credit less its debit."""
    if "amount" in cells:
        texts = {"amount": cells["amount"]}
    else:
        texts = {role: cells[role] for role in ("debit", "credit") if cells[role]}
    values = {}
    for role, text in texts.items():
        try:
            values[role] = _cents(text)
        except ValueError:
            problems.at_line(line, BAD_AMOUNT, amount=text)
            return None
    values = {role: value for role, value in values.items() if value or role == "amount"}
    if not values:
        problems.at_line(line, NO_AMOUNT)
        return None
    if "debit" in values and "credit" in values:
        problems.at_line(line, DEBIT_AND_CREDIT, debit=texts["debit"], credit=texts["credit"])
        return None
    if "debit" in values:
        return -abs(values["debit"])
    return abs(values["credit"]) if "credit" in values else values["amount"]


def _entry(
    line: int, position: int, cells: dict[str, str], account: str, problems: Problems
) -> BankEntry | None:
    found = len(problems.found)
    dates: dict[str, date | None] = {}
    for role in ("date", "value_date"):
        text = cells.get(role, "")
        try:
            dates[role] = _date(text) if text else None
        except ValueError:
            problems.at_line(line, BAD_DATE, date=text)
    if not cells["date"]:
        problems.at_line(line, NO_DATE)
    cents = _amount(line, cells, problems)
    booked = dates.get("date")
    if len(problems.found) > found or cents is None or booked is None:
        return None
    label = cells["label"]
    texts = (*label.splitlines(), *cells.get("detail", "").splitlines())
    unstructured = tuple(text.strip() for text in texts if text.strip())
    return BankEntry(
        position=position,
        line=line,
        account_iban=account,
        booking_date=booked,
        value_date=dates.get("value_date"),
        amount_cents=cents,
        currency=(cells.get("currency") or "EUR").upper(),
        direction=Direction.CREDIT if cents >= 0 else Direction.DEBIT,
        kind=entry_kinds.from_label(label),
        label=" ".join(unstructured),
        bank_reference=cells.get("reference", ""),
        unstructured=unstructured,
    )
