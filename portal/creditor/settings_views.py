"""The creditor's settings page: identity, bank details and late-payment policy.

The form speaks euros, points and a grouped IBAN; the organisation stores
cents, basis points and a bare IBAN. A new IBAN or BIC asks for the user's
password again, since it sends every customer's payment elsewhere. The conversions both ways live here, next
to the one view that needs them, so the service receives stored values only.
"""

from __future__ import annotations

from decimal import Decimal

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock
from portal.creditor.forms import SettingsForm
from portal.creditor.views import bp
from portal.models import Organisation, PenaltyRateBasis
from portal.services import accounts, organisation
from portal.services.audit import Actor
from portal.services.dunning import scenarios
from portal.values.banking import format_iban, iban_is_valid, normalise_iban
from portal.values.money import from_cents, to_cents


@bp.route("/settings", methods=["GET", "POST"])
def settings_update():
    """The creditor's identity, bank details and late-payment policy."""
    org = organisation.get()
    form = SettingsForm(obj=org)
    form.risk_scenario_id.choices = [("", _("No stricter scenario"))] + [
        (scenario.id, scenario.name) for scenario in scenarios.all_scenarios()
    ]
    if request.method == "GET" and org is not None:
        _show_stored_amounts(form, org)
    if request.method == "POST" and form.validate_on_submit():
        if form.iban.data and not iban_is_valid(form.iban.data):
            form.iban.errors.append(_("This IBAN is not valid (check the digits)."))
        elif form.penalty_rate_basis.data == "fixed" and form.penalty_fixed_rate.data is None:
            form.penalty_fixed_rate.errors.append(_("Enter the fixed rate of your terms."))
        elif form.risk_threshold.data is not None and form.risk_scenario_id.data is None:
            form.risk_scenario_id.errors.append(_("Choose the scenario risky customers follow."))
        elif _new_bank_details(form, org) and not accounts.verify_password(
            current_user, form.current_password.data or ""
        ):
            form.current_password.errors.append(
                _("Type your password to send your customers' payments to another account.")
            )
        else:
            values = _values_to_store(form)
            organisation.update(values, actor=Actor.user(current_user), now=clock.now())
            flash(_("Settings saved."), "success")
            return redirect(url_for("creditor.settings_update"), code=303)
    return render_template("creditor/settings.html", form=form), 422 if form.errors else 200


def _new_bank_details(form: SettingsForm, org: Organisation | None) -> bool:
    """A new IBAN or BIC redirects every payment: an open session alone must not do it."""
    iban = normalise_iban(form.iban.data or "")
    bic = (form.bic.data or "").upper()
    return bool(
        (iban and iban != (org.iban if org else "")) or (bic and bic != (org.bic if org else ""))
    )


def _show_stored_amounts(form: SettingsForm, org: Organisation) -> None:
    form.iban.data = format_iban(org.iban)
    form.penalty_margin_points.data = Decimal(org.penalty_margin_bp).scaleb(-2)
    form.recovery_indemnity.data = from_cents(org.recovery_indemnity_cents)
    form.penalty_rate_basis.data = str(org.penalty_rate_basis)
    if org.penalty_fixed_rate_bp is not None:
        form.penalty_fixed_rate.data = Decimal(org.penalty_fixed_rate_bp).scaleb(-2)
    form.plan_min_instalment.data = from_cents(org.plan_min_instalment_cents)
    form.plan_auto_accept.data = from_cents(org.plan_auto_accept_cents)


def _values_to_store(form: SettingsForm) -> dict:
    """The editable fields as the organisation stores them; an empty plan amount is kept as is."""
    values = {
        name: field.data
        for name, field in form._fields.items()
        if name in organisation.EDITABLE_FIELDS
    }
    values["iban"] = normalise_iban(form.iban.data or "")
    values["bic"] = (form.bic.data or "").upper()
    values["penalty_margin_bp"] = to_cents(form.penalty_margin_points.data or Decimal(0))
    values["recovery_indemnity_cents"] = to_cents(form.recovery_indemnity.data or Decimal(0))
    values["penalty_rate_basis"] = PenaltyRateBasis(form.penalty_rate_basis.data or "statutory")
    fixed = form.penalty_fixed_rate.data
    values["penalty_fixed_rate_bp"] = None if fixed is None else to_cents(fixed)
    plan_amounts = {
        "plan_min_instalment_cents": form.plan_min_instalment.data,
        "plan_auto_accept_cents": form.plan_auto_accept.data,
    }
    for cents, amount in plan_amounts.items():
        values[cents] = None if amount is None else to_cents(amount)
    values = {
        k: v
        for k, v in values.items()
        if v is not None or not k.startswith("plan") or k == "penalty_fixed_rate_bp"
    }
    values = {
        k: ("" if v is None and k != "penalty_fixed_rate_bp" else v) for k, v in values.items()
    }
    values["risk_threshold"] = form.risk_threshold.data
    values["risk_scenario_id"] = form.risk_scenario_id.data
    return values
