"""Settings: the half-year reference rates behind late-payment penalties."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.numbers import format_percent
from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock
from portal.creditor.views import bp
from portal.services import organisation
from portal.services.audit import Actor
from portal.services.claims import rate_table, reference_rates, terms

FIELDS = ("semester_start", "rate", "legal_professional", "legal_consumer")


@bp.route("/settings/rates")
def settings_rates_show():
    """Every half-year's rates and the penalty rate they give; `?semester=` fills the form."""
    return _page(_prefill(request.args.get("semester", "")), errors={})


@bp.route("/settings/rates", methods=["POST"])
def settings_rates_update():
    """Add or change the rates of one half-year."""
    try:
        row = reference_rates.save(
            request.form, today=clock.today(), actor=Actor.user(current_user), now=clock.now()
        )
    except reference_rates.InvalidRate as exc:
        values = {name: request.form.get(name, "") for name in FIELDS}
        return _page(values, errors={exc.field: _(str(exc))}), 422
    flash(_("Rates saved: %(half_year)s.", half_year=half_year(row.semester_start)), "success")
    return redirect(url_for("creditor.settings_rates_show"), code=303)


def _page(values: dict[str, str], errors: dict[str, str]):
    org = organisation.get()
    return render_template(
        "creditor/rates.html",
        half_years=reference_rates.half_years(org, clock.today()),
        missing=rate_table.missing_soon(clock.today()),
        terms=terms.organisation_terms(org),
        margin=format_decimal(Decimal(org.penalty_margin_bp if org else 1000).scaleb(-2)),
        values=values,
        errors=errors,
        percent=_percent,
        half_year=half_year,
    )


def _prefill(semester: str) -> dict[str, str]:
    """The form filled with a half-year's rates to edit it, or empty."""
    empty = dict.fromkeys(FIELDS, "")
    try:
        start = date.fromisoformat(semester)
    except ValueError:
        return empty
    for half in reference_rates.half_years(organisation.get(), clock.today()):
        if half.start == start:
            return {
                "semester_start": start.isoformat(),
                "rate": _number(half.rate_bp),
                "legal_professional": _number(half.legal_professional_bp),
                "legal_consumer": _number(half.legal_consumer_bp),
            }
    return empty


def half_year(start: date) -> str:
    """ "2e semestre 2026": how French accountants name a half-year."""
    if start.month == 1:
        return _("First half of %(year)d", year=start.year)
    return _("Second half of %(year)d", year=start.year)


def _number(basis_points: int | None) -> str:
    """2,15 in French, 2.15 in English: what the creditor would type."""
    if basis_points is None:
        return ""
    return format_decimal(Decimal(basis_points).scaleb(-2), format="0.00")


def _percent(basis_points: int | None) -> str:
    if basis_points is None:
        return "—"
    return format_percent(
        Decimal(basis_points).scaleb(-4), locale=get_locale(), decimal_quantization=False
    )
