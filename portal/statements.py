"""Statements built once per process, for the queries every page runs.

Building a SQLAlchemy statement (coercing each column and comparison, then
walking it for its cache key) costs about as much as running a small indexed
query, and a debtor's account page runs two dozen of them. A statement built
with `bindparam` placeholders is built on first use and kept; each request
passes its own values when it executes it, so a kept statement holds nothing
of any request, customer or day.

    @built_once
    def _open_invoices() -> Select:
        return select(Invoice).where(Invoice.customer_id == bindparam("customer_id"))

    db.session.scalars(_open_invoices(), {"customer_id": customer.id})

A list of values goes in with `bindparam("ids", expanding=True)`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TypeVar

Statement = TypeVar("Statement")


def built_once(build: Callable[..., Statement]) -> Callable[..., Statement]:
    """Keep what `build` returns for each combination of its (few, hashable) arguments.

    Arguments choose between shapes of a statement (filtered or not), never
    values: values are bind parameters.
    """
    return cache(build)
