"""The half-year reference rates behind late-payment penalties, as the creditor keeps them.

The portal ships the ECB rates it knows (penalties.DEFAULT_REFERENCE_RATES); the
creditor enters later half-years, and may correct a shipped one, in the
`reference_rates` table, which wins. The legal interest rates (published each
half-year by the Banque de France) are optional: the professional one sets the
floor of the penalty rate (3 × the legal rate), the private-person one the
interest a consumer owes after a formal notice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from portal.extensions import db
from portal.models import Organisation, ReferenceRate
from portal.services import audit
from portal.services.claims import penalties
from portal.services.errors import N_, DomainError

#: Above 25 % is a typing mistake: no ECB or legal rate has come near it.
MAX_RATE_BP = 2500
#: The oldest half-year worth entering: claims older than this are time-barred.
FIRST_YEAR = 2000
PERCENT = re.compile(r"^\d{1,2}(?:[.,]\d{1,2})?$")


class InvalidRate(DomainError):
    """Bad input on the rates form; `field` names the input to show the message beside."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class HalfYear:
    """One line of the table: what applies from `start`, and where it comes from."""

    start: date
    rate_bp: int
    legal_professional_bp: int | None
    legal_consumer_bp: int | None
    entered: bool
    """True when the creditor entered it; False for a shipped default."""
    penalty_rate_bp: int
    """Reference + the organisation's margin, floored at 3 × the legal rate when known."""


def half_years(organisation: Organisation | None) -> list[HalfYear]:
    """Every known half-year, newest first, with the penalty rate that results from it."""
    rows = {r.semester_start: r for r in db.session.scalars(select(ReferenceRate))}
    table = penalties.load_rates()
    margin = organisation.penalty_margin_bp if organisation else 1000
    starts = sorted(set(penalties.DEFAULT_REFERENCE_RATES) | set(rows), reverse=True)
    return [
        HalfYear(
            start=start,
            rate_bp=table.reference_bp[start],
            legal_professional_bp=rows[start].legal_rate_professional_bp if start in rows else None,
            legal_consumer_bp=rows[start].legal_rate_consumer_bp if start in rows else None,
            entered=start in rows,
            penalty_rate_bp=table.penalty_rate_bp(start, margin),
        )
        for start in starts
    ]


def get(start: date) -> ReferenceRate | None:
    return db.session.scalar(select(ReferenceRate).where(ReferenceRate.semester_start == start))


@dataclass(frozen=True)
class RateInput:
    start: date
    rate_bp: int
    legal_professional_bp: int | None
    legal_consumer_bp: int | None


def parse(form: Mapping[str, str], today: date) -> RateInput:
    """Read the form: a half-year start and rates in percent (decimal comma or point)."""
    try:
        start = date.fromisoformat((form.get("semester_start") or "").strip())
    except ValueError:
        raise InvalidRate(
            N_("Enter the first day of the half-year (1 January or 1 July)."), "semester_start"
        ) from None
    if start.day != 1 or start.month not in (1, 7):
        raise InvalidRate(N_("A half-year starts on 1 January or 1 July."), "semester_start")
    if not FIRST_YEAR <= start.year <= today.year + 1:
        raise InvalidRate(
            N_("This half-year is too far in the past or the future."), "semester_start"
        )
    rate = _percent(form.get("rate"), "rate")
    if rate is None:
        raise InvalidRate(N_("Enter the ECB reference rate."), "rate")
    return RateInput(
        start,
        rate,
        _percent(form.get("legal_professional"), "legal_professional"),
        _percent(form.get("legal_consumer"), "legal_consumer"),
    )


def _percent(value: str | None, field: str) -> int | None:
    """ "4,5", "4.50" or "4,50 %" → 450 basis points; empty → None."""
    text = (value or "").replace("%", "").replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    if not PERCENT.match(text):
        raise InvalidRate(
            N_("Enter a rate in percent with at most two decimals, such as 2,15."), field
        )
    basis_points = int(Decimal(text.replace(",", ".")) * 100)
    if basis_points > MAX_RATE_BP:
        raise InvalidRate(N_("A rate must be between 0 and 25 percent."), field)
    return basis_points


def save(
    form: Mapping[str, str], *, today: date, actor: audit.Actor, now: datetime
) -> ReferenceRate:
    """Add or replace the rates of one half-year; the audit event keeps the old values."""
    values = parse(form, today)
    row = get(values.start)
    before = _snapshot(row) if row else None
    if row is None:
        row = ReferenceRate(semester_start=values.start)
        db.session.add(row)
    row.rate_bp = values.rate_bp
    row.legal_rate_professional_bp = values.legal_professional_bp
    row.legal_rate_consumer_bp = values.legal_consumer_bp
    db.session.flush()
    after = _snapshot(row)
    if before != after:
        audit.record(
            actor,
            "reference_rate.updated" if before else "reference_rate.created",
            "reference_rate",
            row.id,
            at=now,
            semester_start=values.start.isoformat(),
            before=before,
            after=after,
        )
    return row


def _snapshot(row: ReferenceRate) -> dict[str, int | None]:
    return {
        "rate_bp": row.rate_bp,
        "legal_rate_professional_bp": row.legal_rate_professional_bp,
        "legal_rate_consumer_bp": row.legal_rate_consumer_bp,
    }
