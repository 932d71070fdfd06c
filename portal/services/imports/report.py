"""What an import reports, and the run that gathers the report as rows go by.

Imports are all or nothing, and the user fixes the whole file at once: every
row is checked even after the first problem, and each problem is kept where a
spreadsheet shows it (`row N, column C: message`). The dashboard, the CLI and
the logs all read the same ImportResult. ImportRun is what the importers of
each kind write into: errors, counts, samples for the preview page, and the
audit rows that go to the database with each chunk.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext

from portal.models import AuditEvent
from portal.services.audit import Actor
from portal.services.imports import bulk_sql

#: Rows described in the result for the preview page.
SAMPLE_LIMIT = 20


@dataclass(frozen=True)
class RowError:
    """One problem in the file, where a spreadsheet shows it (the header is row 1).

    `template` and `params` let the dashboard translate the message with
    `gettext(error.template) % error.params`; `str(error)` stays English so
    the CLI and logs work outside a request.
    """

    row: int
    column: str
    message: str
    template: str = ""
    params: dict[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if not self.template:  # built from a plain message: translate the message itself
            object.__setattr__(self, "template", self.message.replace("%", "%%"))

    @classmethod
    def of(cls, row: int, column: str, template: str, **params: Any) -> RowError:
        return cls(row, column, template % params, template, params)

    def __str__(self) -> str:
        where = f"row {self.row}, column {self.column}" if self.column else f"row {self.row}"
        return f"{where}: {self.message}"

    def translated(self) -> str:
        """The message in the viewer's language (inside a request, as on the dashboard)."""
        return gettext(self.template) % self.params


@dataclass
class ImportResult:
    """What an import did (or, for a dry run, would do).

    When there are errors nothing was written and the counts are zero.
    """

    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    samples: list[dict[str, Any]] = field(default_factory=list)
    """Up to SAMPLE_LIMIT objects created or updated, for the preview page."""
    kind_missing: int = 0
    """New customers the file gives no kind: created as businesses, which the preview says."""

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportRun:
    """The state of one import: who, when, the result so far and pending audit rows."""

    actor: Actor
    now: datetime
    result: ImportResult
    audit_rows: list[dict[str, Any]] = field(default_factory=list)
    time_limit: float | None = None
    """Seconds the import may take (a web request must answer before its worker is killed)."""
    started: float = field(default_factory=time.monotonic)

    def out_of_time(self) -> bool:
        return self.time_limit is not None and time.monotonic() - self.started > self.time_limit

    @property
    def writing(self) -> bool:
        """Writes stop at the first error: the transaction will be rolled back anyway."""
        return not self.result.errors

    def error(self, row: int, column: str, template: str, **params: Any) -> None:
        self.result.errors.append(RowError.of(row, column, template, **params))

    def count(self, action: str, sample: dict[str, Any] | None = None) -> None:
        result = self.result
        if action == "create":
            result.created += 1
        elif action == "update":
            result.updated += 1
        else:
            result.unchanged += 1
            return
        if sample is not None and len(result.samples) < SAMPLE_LIMIT:
            result.samples.append({"action": action, **sample})

    def audit(
        self,
        action: str,
        object_type: str,
        object_id: int | None,
        *,
        customer_id: int | None = None,
        invoice_id: int | None = None,
        **details: Any,
    ) -> None:
        self.audit_rows.append(
            {
                "at": self.now,
                "actor": self.actor.label,
                "action": action,
                "object_type": object_type,
                "object_id": object_id,
                "customer_id": customer_id,
                "invoice_id": invoice_id,
                "details": details,
            }
        )

    def flush_audit(self) -> None:
        if self.audit_rows and self.writing:
            bulk_sql.insert_rows(AuditEvent, self.audit_rows)
        self.audit_rows = []
