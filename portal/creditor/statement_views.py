"""Importing a bank statement from the dashboard: upload, preview, confirm.

Like the CSV import, nothing is written before the creditor has seen what the
file would do: the upload is stashed in the instance folder and read as a dry
run, which reports the figures, every problem of a file that cannot be read, or
an account that is not the organisation's. While no account is set up yet, the
preview offers to add the statement's own, so the first import needs no detour
through the settings. Only the confirmation imports, then lands on the inbox.

A bank CSV export whose columns are not recognised keeps its upload stashed
and asks which column holds what; the answer is checked on this very file,
remembered for the bank's next exports, and the preview goes on as usual.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock
from portal.adapters import import_files
from portal.creditor.forms import CsvColumnsForm, StatementConfirmForm, StatementUploadForm
from portal.creditor.views import bp
from portal.services.audit import Actor
from portal.services.bank.bank_csv import CsvColumnsUnknown
from portal.services.bank.csv_columns import CsvMapping
from portal.services.bank.problems import PLACES, Problem, StatementInvalid
from portal.services.reconciliation import csv_mappings, statement_import
from portal.services.reconciliation.statement_import import AccountNotOurs, ImportSummary


@dataclass
class Outcome:
    """What reading the file gave: a summary, or the reasons it cannot be imported."""

    summary: ImportSummary | None = None
    problems: list[str] = field(default_factory=list)
    refusal: str = ""
    add_accounts: bool = False
    #: The column names of a CSV export whose columns were not recognised.
    headers: list[str] = field(default_factory=list)

    @property
    def importable(self) -> bool:
        return self.summary is not None


def _statements_folder() -> Path:
    return Path(current_app.instance_path) / "bank_statements"


@bp.route("/bank/import", methods=["GET"])
def bank_statement_start():
    """Upload a bank statement file."""
    return render_template("creditor/statement.html", form=StatementUploadForm())


@bp.route("/bank/import/preview", methods=["POST"])
def bank_statement_preview():
    """Read the statement as a dry run and show what it would do; nothing is written."""
    form = StatementUploadForm()
    if not form.validate_on_submit():
        return render_template("creditor/statement.html", form=form), 422
    filename = (form.file.data.filename or "")[:255]
    token = import_files.stash(_statements_folder(), form.file.data.stream, **_file_limits())
    outcome = _read(_stashed_bytes(token), filename, dry_run=True)
    if outcome.headers:
        form = CsvColumnsForm(token=token, filename=filename)
        form.offer(outcome.headers)
        return _columns_page(form, outcome.headers)
    return _preview_page(outcome, token, filename)


def _preview_page(outcome: Outcome, token: str, filename: str, columns: str = ""):
    """The dry run's figures and the confirmation; a file that cannot be imported is let go."""
    if not outcome.importable:
        import_files.discard(_statements_folder(), token)
    confirm = StatementConfirmForm(
        token=token,
        filename=filename,
        add_accounts="1" if outcome.add_accounts else "",
        columns=columns,
    )
    status = 200 if outcome.importable else 422
    return render_template(
        "creditor/statement_preview.html", outcome=outcome, confirm=confirm, filename=filename
    ), status


@bp.route("/bank/import/columns", methods=["POST"])
def bank_statement_columns():
    """Say which CSV column holds what, then preview with it and remember it for this bank."""
    form = CsvColumnsForm()
    try:
        data = _stashed_bytes(form.token.data or "")
    except FileNotFoundError:
        flash(_("This upload has expired: please choose the file again."), "error")
        return redirect(url_for("creditor.bank_statement_start"), code=303)
    headers = csv_mappings.headers_of(data)
    form.offer(headers)
    if not form.validate_on_submit():
        return _columns_page(form, headers), 422
    try:
        mapping = csv_mappings.mapping_from(headers, form.chosen())
    except csv_mappings.MappingInvalid as exc:
        return _columns_page(
            form, headers, [_(t, **p) if p else _(t) for t, p in exc.problems]
        ), 422
    filename = form.filename.data or ""
    outcome = _read(data, filename, dry_run=True, csv_mapping=mapping)
    if outcome.problems:  # most likely a column chosen for the wrong role
        return _columns_page(form, headers, outcome.problems), 422
    if outcome.importable:
        csv_mappings.remember(headers, mapping, actor=Actor.user(current_user), now=clock.now())
    return _preview_page(outcome, form.token.data, filename, json.dumps(form.chosen()))


def _columns_page(form: CsvColumnsForm, headers: list[str], problems: list[str] | None = None):
    return render_template(
        "creditor/statement_columns.html",
        form=form,
        headers=headers,
        problems=problems or [],
        filename=form.filename.data,
    )


@bp.route("/bank/import/confirm", methods=["POST"])
def bank_statement_confirm():
    """Import the previewed statement for real, then open the inbox."""
    form = StatementConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        data = _stashed_bytes(form.token.data)
    except FileNotFoundError:
        flash(_("This upload has expired: please choose the file again."), "error")
        return redirect(url_for("creditor.bank_statement_start"), code=303)
    mapping = _chosen_columns(data, form.columns.data)
    outcome = _read(
        data,
        form.filename.data or "",
        dry_run=False,
        add_accounts=form.add_accounts.data == "1",
        csv_mapping=mapping,
    )
    if mapping is not None and outcome.importable:
        headers = csv_mappings.headers_of(data)
        csv_mappings.remember(headers, mapping, actor=Actor.user(current_user), now=clock.now())
    import_files.discard(_statements_folder(), form.token.data)
    if not outcome.importable:
        return render_template(
            "creditor/statement_preview.html",
            outcome=outcome,
            confirm=None,
            filename=form.filename.data,
        ), 422
    flash(_summary_message(outcome.summary), "success")
    return redirect(url_for("creditor.bank_entry_list"), code=303)


def _chosen_columns(data: bytes, columns: str | None) -> CsvMapping | None:
    """The columns the preview was read with, carried by the confirmation; 400 if tampered."""
    if not columns:
        return None
    try:
        chosen = json.loads(columns)
        return csv_mappings.mapping_from(csv_mappings.headers_of(data), dict(chosen))
    except (ValueError, TypeError, csv_mappings.MappingInvalid):
        abort(400)


def _file_limits() -> dict:
    """The portal's clock, and how long an upload waits for its confirmation."""
    return {
        "now": clock.now().timestamp(),
        "max_age": current_app.config["IMPORT_PREVIEW_MAX_AGE_SECONDS"],
    }


def _stashed_bytes(token: str) -> bytes:
    with import_files.open_stashed(_statements_folder(), token, **_file_limits()) as stream:
        return stream.read()


def _read(
    data: bytes,
    filename: str,
    *,
    dry_run: bool,
    add_accounts: bool = False,
    csv_mapping: CsvMapping | None = None,
) -> Outcome:
    try:
        summary = statement_import.import_statement(
            data,
            filename=filename,
            actor=Actor.user(current_user),
            now=clock.now(),
            dry_run=dry_run,
            add_accounts=add_accounts,
            csv_mapping=csv_mapping,
        )
    except CsvColumnsUnknown as exc:
        problems = [problem_text(p) for p in exc.problems]
        return Outcome(problems=problems, headers=[] if csv_mapping else exc.headers)
    except StatementInvalid as exc:
        return Outcome(problems=[problem_text(p) for p in exc.problems])
    except AccountNotOurs as exc:
        if exc.none_yet and dry_run and not add_accounts:
            # First statement ever: preview it as if its account were added.
            outcome = _read(
                data, filename, dry_run=True, add_accounts=True, csv_mapping=csv_mapping
            )
            outcome.refusal = _(str(exc), **exc.params())
            return outcome
        return Outcome(refusal=_(str(exc), **exc.params()))
    return Outcome(summary=summary, add_accounts=add_accounts)


def problem_text(problem: Problem) -> str:
    """A problem in the viewer's language, with the line or entry where it is."""
    message = _(problem.template, **problem.params) if problem.params else _(problem.template)
    if not problem.place:
        return message
    return _(PLACES[problem.place], number=problem.number, message=message)


def _summary_message(summary: ImportSummary) -> str:
    return _(
        "Statement imported: %(matched)d matched, %(to_review)d to review,"
        " %(unmatched)d unmatched, %(ignored)d ignored, %(already)d already imported.",
        matched=summary.matched,
        to_review=summary.to_review,
        unmatched=summary.unmatched,
        ignored=summary.ignored,
        already=summary.already,
    )
