"""Whole days between two dates, in SQL, on SQLite and PostgreSQL alike.

SQLite keeps dates as ISO text and subtracts them with julianday();
PostgreSQL subtracts dates into an integer of days. The per-customer payment
delays are summed over every payment of a year in the database, so the
difference has to be computed there, in each dialect's own words.
"""

from __future__ import annotations

from sqlalchemy import Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.functions import FunctionElement


class days_between(FunctionElement):  # noqa: N801 - reads as a SQL function
    """days_between(later, earlier): later - earlier, in whole days."""

    type = Integer()
    inherit_cache = True
    name = "days_between"


@compiles(days_between, "sqlite")
def _sqlite(element, compiler, **kw) -> str:
    later, earlier = list(element.clauses)
    return (
        f"CAST(julianday({compiler.process(later, **kw)}) - "
        f"julianday({compiler.process(earlier, **kw)}) AS INTEGER)"
    )


@compiles(days_between)
def _default(element, compiler, **kw) -> str:
    later, earlier = list(element.clauses)
    return f"({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})"


def days(later: ColumnElement, earlier: ColumnElement) -> days_between:
    return days_between(later, earlier)
