"""The half-year reference rates behind late-payment penalties, as the owner keeps them.

The portal ships the ECB and legal rates it knows (`rates.toml`, read by
`rate_table`); the owner enters later half-years, and may correct a shipped
one, in the `reference_rates` table, which wins. The legal interest rate "all
other cases" (the form's `legal_professional`) sets the floor of a contract
penalty rate (3 × it) and the interest a consumer owes after a formal notice;
the rate for a creditor who is a private person is kept for reference only.
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
from portal.services.claims import missing_rates, rate_table, terms
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
    rate_bp: int | None
    legal_professional_bp: int | None
    """The legal interest rate "all other cases"."""
    legal_consumer_bp: int | None
    """The legal interest rate for a creditor who is a private person."""
    entered: bool
    """True when the owner entered or corrected it; False for a shipped rate."""
    penalty_rate_bp: int | None
    """What a late business payment bears under the organisation's terms; None if a rate is missing."""


def half_years(organisation: Organisation | None, today: date | None = None) -> list[HalfYear]:
    """Every known half-year, newest first, and the one to enter next when it is missing."""
    rates = rate_table.load()
    starts = set(rates.by_start)
    if today is not None and (upcoming := rate_table.missing_soon(today, rates)) is not None:
        starts.add(upcoming)
    penalty_terms = terms.organisation_terms(organisation)
    found = []
    for start in sorted(starts, reverse=True):
        known = rates.get(start)
        try:
            penalty = penalty_terms.annual_rate_bp(start, rates)
        except rate_table.MissingRate:
            penalty = None
        found.append(
            HalfYear(
                start,
                known.ecb_bp,
                known.legal_other_bp,
                known.legal_private_bp,
                known.entered,
                penalty,
            )
        )
    return found


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
    if rate_table.load().get(values.start).complete:
        missing_rates.rates_entered(values.start, actor=actor, now=now)
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
