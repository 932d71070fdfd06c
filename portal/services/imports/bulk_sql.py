"""Lookups and writes by the thousand: how an import talks to the database.

An import handles tens of thousands of rows, so it never loads or saves one
ORM object per row. Each chunk of the file costs one SELECT per IN_LIMIT keys
and one executemany per table, on the tables rather than the ORM classes.
These few functions are the only way the importers reach the database in bulk,
so the speed of an import is decided here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from operator import itemgetter
from typing import Any

from sqlalchemy import BindParameter, Executable, Row, bindparam, select

from portal.extensions import db
from portal.services import bulk_rows

#: Lines (or rows) handled per round of bulk lookups and writes.
CHUNK_ROWS = 5000
#: Values per IN (...) list: below SQLite's bound-parameter limit.
IN_LIMIT = 900


def keys() -> BindParameter:
    """The `IN (...)` of a lookup statement, filled by `matching`."""
    return bindparam("keys", expanding=True)


def matching(statement: Executable, values: Iterable[Any]) -> Iterator[Row]:
    """Rows of `statement` for every key, IN_LIMIT keys per query.

    Statements are built once with `keys()` rather than `.in_(list)` per
    query: that would build new expression objects holding the whole list in
    reference cycles, which live until the collector runs.
    """
    values = list(values)
    for start in range(0, len(values), IN_LIMIT):
        yield from db.session.execute(statement, {"keys": values[start : start + IN_LIMIT]})


def delete_matching(statement: Executable, values: Iterable[Any]) -> None:
    values = list(values)
    for start in range(0, len(values), IN_LIMIT):
        db.session.execute(
            statement,
            {"keys": values[start : start + IN_LIMIT]},
            execution_options={"synchronize_session": False},
        )


def insert_rows(model: type, rows: list[dict[str, Any]]) -> None:
    """Insert rows (all with the same keys) into the model's table, through bulk_rows.

    Neither the ORM nor SQLAlchemy's executemany: preparing each row's
    parameters there took longer than storing it, most of an import's time.
    """
    if rows:
        columns = tuple(rows[0])
        values = itemgetter(*columns) if len(columns) > 1 else lambda row: (row[columns[0]],)
        bulk_rows.insert(model.__table__, columns, map(values, rows))  # type: ignore[attr-defined]


def insert_returning_ids(model: type, rows: list[dict[str, Any]], key: str) -> dict[Any, int]:
    """Insert rows and map each one's unique natural key (`key`) to its new id.

    PostgreSQL: ids from the sequence, then COPY (`bulk_rows.insert_with_ids`).
    SQLite: the driver's executemany then one SELECT per IN_LIMIT keys (the
    key is indexed), as fast as INSERT ... RETURNING through SQLAlchemy.
    """
    if not rows:
        return {}
    table = model.__table__  # type: ignore[attr-defined]
    if db.session.get_bind().dialect.name == "postgresql":
        return bulk_rows.insert_with_ids(table, rows, key)
    insert_rows(model, rows)
    lookup = select(table.c[key], table.c.id).where(table.c[key].in_(keys()))
    return dict(matching(lookup, (row[key] for row in rows)))  # type: ignore[arg-type]
