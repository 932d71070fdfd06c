"""The entry point of every import: one file, one kind, one transaction.

The dashboard's preview and confirmation, the `portal import` command and the
benchmark all call import_csv, so they share one code path. It owns the
session's transaction: a file with any wrong row, or a dry run, is rolled
back entirely, and only a clean run commits, with an audit row that records
the file and its counts.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import BinaryIO

from portal.extensions import db
from portal.services.audit import Actor
from portal.services.imports.customers import import_customers
from portal.services.imports.invoices import import_invoices
from portal.services.imports.payments import import_payments
from portal.services.imports.reading import CsvFile
from portal.services.imports.report import ImportResult, ImportRun

KINDS = ("customers", "invoices", "payments")


def import_csv(
    kind: str,
    stream: BinaryIO,
    *,
    actor: Actor,
    now: datetime,
    dry_run: bool = False,
    filename: str = "",
    time_limit: float | None = None,
) -> ImportResult:
    """Import one CSV file of `kind` (customers, invoices or payments).

    A dry run does exactly what the real run does, then rolls back: the preview
    reports the counts the confirmation will produce. The import owns the
    session's transaction (it commits or rolls back), so call it with nothing
    pending. With a `time_limit` (seconds), a file that takes longer stops with
    an error and nothing is written: the dashboard must answer before its
    worker is killed, and the command line has no such limit.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown import kind: {kind!r}")
    importer = {"customers": import_customers, "invoices": import_invoices}.get(
        kind, import_payments
    )
    run = ImportRun(actor=actor, now=now, result=ImportResult(kind), time_limit=time_limit)
    try:
        with _collector_paused():
            importer(run, CsvFile(stream))
        run.flush_audit()
        if run.result.errors or dry_run:
            db.session.rollback()
        else:
            _record_completion(run, filename)
            db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    if run.result.errors:
        run.result.errors.sort(key=lambda error: error.row)
        run.result.created = run.result.updated = run.result.unchanged = 0
        run.result.samples = []
    return run.result


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the file is read and written.

    An import keeps tens of thousands of objects alive for a while, so the
    collector would walk the whole heap again and again (about 0.1 s a time,
    15 % of a 100 000-line import) to find next to nothing: the import makes
    almost no reference cycles, and reference counting frees the rest at once.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _record_completion(run: ImportRun, filename: str) -> None:
    result = run.result
    run.audit(
        "import.completed",
        "import",
        None,
        kind=result.kind,
        filename=filename,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
    )
    run.flush_audit()
