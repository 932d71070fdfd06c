"""Inserting many rows into one table at the speed of the database driver.

The importers write tens of thousands of rows per file, and a dunning pass
tens of thousands of links, messages and events, and SQLAlchemy's
executemany spends more time preparing each row's parameters than the
database spends storing it. So rows go to the driver directly, inside the
session's transaction (all or nothing still holds): PostgreSQL receives them
through COPY ... FROM STDIN (psycopg 3), about five times faster than
executemany; other databases (SQLite) through the driver's executemany. Each
column's value is still converted as the model's type converts it (dates on
SQLite, exact decimals as text, JSON, enums), and a column left out takes
its model default, so what is stored is what an ORM insert would store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from itertools import repeat
from typing import Any

from sqlalchemy import Date, Table, text
from sqlalchemy import insert as insert_statement
from sqlalchemy.engine import Dialect

from portal.extensions import db

Processor = Callable[[Any], Any]


def insert(table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert `rows` (values in the order of `columns`) into `table`, in the session's transaction.

    Columns not named take their model default (a constant, or a function
    called for each row); the autoincrement id and server defaults are left
    to the database.
    """
    connection = db.session.connection()
    dialect = connection.dialect
    plan = _plan(table, tuple(columns), dialect)
    rows = _converted(rows, plan)
    driver = connection.connection.driver_connection
    if dialect.name == "postgresql":
        with driver.cursor() as cursor, cursor.copy(plan.statement) as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
    else:
        cursor = driver.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(plan.statement, rows)
        finally:
            cursor.close()


def insert_with_ids(table: Table, rows: list[dict[str, Any]], key: str) -> dict[Any, int]:
    """Insert rows (all with the same keys) and return each new id by the row's `key` value.

    `key` must be unique among the rows, not necessarily indexed. PostgreSQL
    hands out the ids first, from the table's own sequence (two writers at
    once never take the same), and the rows then go in through COPY: no
    RETURNING and no lookup afterwards. SQLite has no sequence: the ids come
    back from RETURNING, beside the key, so rows are matched without asking
    the database to keep them in order.
    """
    if not rows:
        return {}
    if db.session.get_bind().dialect.name == "postgresql":
        ids = db.session.scalars(
            text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
            ),
            {"table": table.name, "n": len(rows)},
        ).all()
        for row, new_id in zip(rows, ids, strict=True):
            row["id"] = new_id
        columns = tuple(rows[0])
        insert(table, columns, [tuple(row[name] for name in columns) for row in rows])
        return {row[key]: row["id"] for row in rows}
    result = db.session.execute(insert_statement(table).returning(table.c.id, table.c[key]), rows)
    return {value: new_id for new_id, value in result}


class _Plan:
    """How rows for some columns of a table are converted and written, worked out once."""

    def __init__(self, table: Table, columns: tuple[str, ...], dialect: Dialect) -> None:
        defaults = _defaults(table, columns)
        names = [*columns, *defaults]
        self.names = tuple(names)
        self.defaults = tuple(defaults.values())
        self.processors: list[tuple[int, Processor]] = []
        for position, name in enumerate(names):
            column_type = table.c[name].type.dialect_impl(dialect)
            processor = column_type.bind_processor(dialect)
            if processor is not None and isinstance(column_type, Date):
                # Files repeat their dates: convert each one once (equal dates are identical).
                processor = lru_cache(maxsize=4096)(processor)
            if processor is not None:
                self.processors.append((position, processor))
        self.processor_at = dict(self.processors)
        quote = dialect.identifier_preparer.quote
        target = (
            f"{dialect.identifier_preparer.format_table(table)} ({', '.join(map(quote, names))})"
        )
        if dialect.name == "postgresql":
            self.statement = f"COPY {target} FROM STDIN"
        else:
            marks = ", ".join("?" if dialect.paramstyle == "qmark" else "%s" for _ in names)
            self.statement = f"INSERT INTO {target} VALUES ({marks})"


@lru_cache(maxsize=64)
def _plan(table: Table, columns: tuple[str, ...], dialect: Dialect) -> _Plan:
    return _Plan(table, columns, dialect)


def _defaults(table: Table, columns: tuple[str, ...]) -> dict[str, Any]:
    """Model defaults of the columns left out, as SQLAlchemy would fill them in."""
    defaults = {}
    for column in table.columns:
        if column.name in columns or column.default is None:
            continue
        default = column.default
        if getattr(default, "is_scalar", False):
            defaults[column.name] = default.arg  # type: ignore[attr-defined]
        elif getattr(default, "is_callable", False):
            defaults[column.name] = _Call(default.arg)  # type: ignore[attr-defined]
        else:
            raise ValueError(f"{table.name}.{column.name}: give it a value (its default is SQL)")
    return defaults


class _Call:
    """A callable default (`default=dict`, `default=utcnow`, or one that reads the row)."""

    def __init__(self, function: Callable[[Any], Any]) -> None:
        self.function = function


class _Context:
    """What a context-sensitive default reads: the row's parameters, as in an executemany."""

    def __init__(self, names: tuple[str, ...], values: list[Any]) -> None:
        self._names, self._values = names, values

    def get_current_parameters(self) -> dict[str, Any]:
        return dict(zip(self._names, self._values, strict=False))


def _converted(rows: Iterable[Sequence[Any]], plan: _Plan) -> Iterable[Sequence[Any]]:
    """Rows with defaults added and values converted, column by column.

    A column at a time (map over a column, then zip the columns back) keeps
    the per-value work in C apart from the converters themselves: a Python
    function per row cost as much as the database's own work. A value every
    row shares (the import's `now`, a constant default) is converted once.
    """
    processors, defaults, names = plan.processors, plan.defaults, plan.names
    if not processors and not defaults:
        return rows
    rows = rows if isinstance(rows, list) else list(rows)
    if not rows:
        return rows
    count, width = len(rows), len(names) - len(defaults)
    columns: list[Any] = [*zip(*rows, strict=True)] if width else []
    shared: dict[int, Any] = {}
    for i, value in enumerate(defaults):
        if isinstance(value, _Call):
            columns.append([value.function(_Context(names, [*row, *defaults])) for row in rows])
        else:
            columns.append(())
            shared[width + i] = value
    for position, processor in processors:
        if position < width:
            column = columns[position]
            first = column[0]
            if all(value is first for value in column):
                shared[position] = first
            else:
                columns[position] = map(processor, column)
    for position, value in shared.items():
        processor = plan.processor_at.get(position)
        columns[position] = repeat(value if processor is None else processor(value), count)
    return zip(*columns, strict=False)
