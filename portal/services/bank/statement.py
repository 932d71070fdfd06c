"""The one shape every bank statement format is read into.

camt.053, camt.054, CFONB 120, OFX, MT940 and bank CSV exports all say the
same things in different ways: which account, which day, how much, who paid
and with what reference. Matching payments to invoices (and storing what the
bank said) is written once against these classes, and never needs to know
which format a bank happened to send.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class StatementFormat(StrEnum):
    CAMT_053 = "camt.053"
    CAMT_054 = "camt.054"
    CFONB_120 = "cfonb120"
    OFX = "ofx"
    MT940 = "mt940"
    CSV = "csv"


class Direction(StrEnum):
    CREDIT = "credit"
    DEBIT = "debit"


class EntryKind(StrEnum):
    """What kind of movement, from the bank's transaction codes (or its label when it has none)."""

    TRANSFER = "transfer"
    DIRECT_DEBIT = "direct_debit"
    CARD = "card"
    FEE = "fee"
    RETURN = "return"
    OTHER = "other"


@dataclass(frozen=True)
class BankEntry:
    """One movement on the account, as the bank reported it.

    `position` is the entry's number in the file (the Nth movement record,
    `Ntry`, `STMTTRN`, `:61:` or CSV row) and `detail` the transaction's
    number inside a batch entry that was split (0 when it was not):
    (position, detail) is unique in a statement. `line` is where the entry
    starts in the file, for the line formats and OFX; None for camt.
    `amount_cents` is positive for a credit, negative for a debit.
    `bank_reference` is the bank's own stable id of the entry (camt
    `AcctSvcrRef`, OFX `FITID`, MT940 bank reference), or "" when the file
    has none. `transaction_code` is the bank's code as the file gives it
    ("PMNT/RCDT/ESCT", "NTRF", "DEBIT", a CFONB operation code), kept for
    display and for rules a later step may want.
    """

    position: int
    line: int | None
    account_iban: str
    booking_date: date
    value_date: date | None
    amount_cents: int
    currency: str
    direction: Direction
    kind: EntryKind
    label: str
    counterparty_name: str = ""
    counterparty_iban: str = ""
    end_to_end_id: str = ""
    bank_reference: str = ""
    structured_references: tuple[str, ...] = ()
    unstructured: tuple[str, ...] = ()
    original_end_to_end_id: str = ""
    return_reason: str = ""
    transaction_code: str = ""
    detail: int = 0

    def __post_init__(self) -> None:
        if self.amount_cents and (self.amount_cents > 0) != (self.direction is Direction.CREDIT):
            raise ValueError("a credit is a positive amount and a debit a negative one")


@dataclass(frozen=True)
class Balance:
    """A booked balance the file states: the opening one before its entries, or the closing one."""

    account_iban: str
    on: date
    amount_cents: int
    currency: str


@dataclass
class Statement:
    """What one file says: its entries in file order, and the balances it states per account.

    `opening` holds the earliest opening balance of each account and
    `closing` the latest closing one; formats without balances leave them
    empty. `version` is the format's version when the file states one
    ("001.08" for camt, "102" or "220" for OFX).
    """

    format: StatementFormat
    accounts: set[str] = field(default_factory=set)
    entries: list[BankEntry] = field(default_factory=list)
    opening: dict[str, Balance] = field(default_factory=dict)
    closing: dict[str, Balance] = field(default_factory=dict)
    version: str = ""

    def add_balances(self, opening: Balance | None, closing: Balance | None) -> None:
        """Keep the first opening and the last closing balance of each account."""
        if opening is not None:
            known = self.opening.get(opening.account_iban)
            if known is None or opening.on < known.on:
                self.opening[opening.account_iban] = opening
        if closing is not None:
            known = self.closing.get(closing.account_iban)
            if known is None or closing.on >= known.on:
                self.closing[closing.account_iban] = closing
