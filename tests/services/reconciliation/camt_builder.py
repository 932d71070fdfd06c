"""Statements for the tests, written by the product's own camt writer."""

from __future__ import annotations

from datetime import date

from portal.services.bank.camt_writer import CamtLine as Line
from portal.services.bank.camt_writer import write_camt

ACCOUNT = "FR7630006000011234567890189"
DAY = date(2026, 11, 23)

__all__ = ["ACCOUNT", "Line", "statement"]


def statement(lines: list[Line], account: str = ACCOUNT, statement_id: str = "STMT-1") -> bytes:
    return write_camt(account, lines, statement_id=statement_id, day=DAY).encode()
