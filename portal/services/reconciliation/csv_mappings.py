"""The columns a person named once for their bank's CSV export, remembered by its header.

Most exports are recognised from their column names (bank.csv_columns); for
the others the person says once, from the dashboard, which column holds what.
The answer is kept under a signature of the header row (its names normalised,
so a bank that changes the case, accents or spacing of a name is still
recognised) and used again for every file with that header, from the
dashboard or `portal bank import`, without asking.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditAction, BankCsvMapping
from portal.services import audit
from portal.services.bank.bank_csv import header_rows
from portal.services.bank.csv_columns import CsvMapping, normalise
from portal.services.bank.reading import detect_format
from portal.services.bank.statement import StatementFormat
from portal.services.errors import N_, DomainError

#: The roles a person chooses a column for, in the order the form asks.
ROLES = ("date", "label", "amount", "debit", "credit", "value_date", "reference")
_FIELDS = {field.name for field in fields(CsvMapping)}

NO_DATE = N_("Choose the column that holds the date.")
NO_LABEL = N_("Choose the column that holds the label.")
NO_AMOUNT = N_("Choose the amount column, or both the debit and the credit columns.")
AMOUNT_AND_DEBIT_CREDIT = N_(
    "Choose either one amount column, or a debit and a credit column, not both."
)
TWICE = N_('The column "%(column)s" is chosen more than once: each column holds one thing.')
NOT_A_COLUMN = N_('"%(column)s" is not a column of this file.')


class MappingInvalid(DomainError):
    """The columns chosen cannot read a statement: `problems` are (msgid, params) pairs."""

    def __init__(self, problems: list[tuple[str, dict[str, Any]]]):
        self.problems = problems
        super().__init__("\n".join(template % params for template, params in problems))


def signature(headers: Iterable[str]) -> str:
    """The same for two header rows whose names differ only in case, accents or spacing."""
    names = [name for name in (normalise(header) for header in headers) if name]
    return hashlib.sha256("\x1f".join(names).encode()).hexdigest()


def headers_of(data: bytes) -> list[str]:
    """The column names of a CSV export, as a refusal lists them: the first row near the top."""
    rows = header_rows(data)
    return [name for name in rows[0] if name] if rows else []


def mapping_from(headers: list[str], chosen: Mapping[str, str]) -> CsvMapping:
    """The mapping a person chose (role → column name, "" for none); MappingInvalid else."""
    picked = {role: str(chosen.get(role) or "").strip() for role in ROLES}
    problems: list[tuple[str, dict[str, Any]]] = []
    known = {normalise(header) for header in headers}
    for name in dict.fromkeys(name for name in picked.values() if name):
        if normalise(name) not in known:
            problems.append((NOT_A_COLUMN, {"column": name}))
    if not picked["date"]:
        problems.append((NO_DATE, {}))
    if not picked["label"]:
        problems.append((NO_LABEL, {}))
    debit_credit = picked["debit"] and picked["credit"]
    if picked["amount"] and (picked["debit"] or picked["credit"]):
        problems.append((AMOUNT_AND_DEBIT_CREDIT, {}))
    elif not (picked["amount"] or debit_credit):
        problems.append((NO_AMOUNT, {}))
    seen: dict[str, str] = {}
    for name in picked.values():
        if name and normalise(name) in seen and (TWICE, {"column": name}) not in problems:
            problems.append((TWICE, {"column": name}))
        seen.setdefault(normalise(name), name)
    if problems:
        raise MappingInvalid(problems)
    return CsvMapping(**picked)


def remembered(headers: Iterable[str]) -> CsvMapping | None:
    """The mapping chosen before for this header row, or None."""
    stored = db.session.scalar(
        select(BankCsvMapping.mapping).where(BankCsvMapping.header_signature == signature(headers))
    )
    return _mapping(stored) if stored is not None else None


def for_file(data: bytes) -> CsvMapping | None:
    """The remembered mapping of a CSV export whose header row was named before, or None."""
    if detect_format(data) is not StatementFormat.CSV:
        return None
    candidates = {signature(row): row for row in header_rows(data)}
    stored = dict(
        db.session.execute(
            select(BankCsvMapping.header_signature, BankCsvMapping.mapping).where(
                BankCsvMapping.header_signature.in_(list(candidates))
            )
        ).all()
    )
    for key in candidates:
        found = _mapping(stored[key]) if key in stored else None
        if found is not None:
            return found
    return None


def remember(
    headers: Iterable[str], mapping: CsvMapping, *, actor: audit.Actor, now: datetime
) -> BankCsvMapping:
    """Keep `mapping` for files with this header row, replacing an earlier choice.

    Keeping the same choice again changes nothing and records nothing.
    """
    key = signature(headers)
    row = db.session.scalar(select(BankCsvMapping).where(BankCsvMapping.header_signature == key))
    stored = {name: value for name, value in asdict(mapping).items() if value}
    if row is not None and row.mapping == stored:
        return row
    if row is None:
        row = BankCsvMapping(header_signature=key, mapping=stored, created_at=now)
        db.session.add(row)
    else:
        row.mapping = stored
    db.session.flush()
    audit.record(
        actor, AuditAction.BANK_CSV_COLUMNS_REMEMBERED, "bank_csv_mapping", row.id, at=now, **stored
    )
    return row


def _mapping(stored: Any) -> CsvMapping | None:
    if not isinstance(stored, dict):
        return None
    try:
        return CsvMapping(**{name: str(v) for name, v in stored.items() if name in _FIELDS})
    except (TypeError, ValueError):
        return None
