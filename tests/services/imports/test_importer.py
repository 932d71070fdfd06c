"""The entry point and its report: kinds, row errors in two languages, the collector."""

from __future__ import annotations

import pytest

from portal.services.errors import N_
from portal.services.imports.report import RowError

from .conftest import INVOICES_HEADER, run, run_file


def test_unknown_kind_is_a_programming_error(app):
    with pytest.raises(ValueError):
        run("credit_notes", "number\n")


def test_row_error_reads_as_a_spreadsheet_location_and_keeps_its_template():
    error = RowError.of(3, "quantity", N_("not a number: %(value)s"), value="abc")
    assert str(error) == "row 3, column quantity: not a number: abc"
    assert error.template % error.params == error.message == "not a number: abc"


def test_error_templates_translate_with_gettext(app):
    from flask_babel import gettext, refresh

    result = run("invoices", INVOICES_HEADER + "A,B,2026-01-05,2026-02-04,EUR,x,1,1,abc\n")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh()  # the locale is cached on the app context these tests share
        assert [gettext(e.template) % e.params for e in result.errors] == [
            e.message for e in result.errors
        ]
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        refresh()
        french = gettext(result.errors[0].template) % result.errors[0].params
        assert result.errors[0].translated() == french
    assert french != result.errors[0].message
    assert french.endswith("abc")
    plain = RowError(2, "amount", "amount too large")
    assert (plain.template, str(plain)) == (
        "amount too large",
        "row 2, column amount: amount too large",
    )


def test_garbage_collector_is_back_as_it_was_after_an_import(app, sample_customers):
    import gc

    assert gc.isenabled()
    run_file("invoices", "invoices.csv")
    assert gc.isenabled()
    with pytest.raises(ValueError):
        run("nonsense", b"")
    assert gc.isenabled()
    gc.disable()
    try:
        run_file("invoices", "invoices.csv")
        assert not gc.isenabled()
    finally:
        gc.enable()
