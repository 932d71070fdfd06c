"""Reminder scenarios in the dashboard: steps, messages, live preview, test sends."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock, labels
from portal.creditor.views import bp
from portal.models import StepKind
from portal.services import customers, organisation
from portal.services.audit import Actor
from portal.services.dunning import scenario_editing, scenarios
from portal.services.dunning.message_templates import CHIPS, VARIABLES, TemplateInvalid
from portal.services.errors import DomainError, NotFound


def _scenario_or_404(scenario_id: int):
    try:
        return scenario_editing.get(scenario_id)
    except NotFound:
        abort(404)


def _step_or_404(scenario, step_id: int):
    try:
        return scenario_editing.get_step(scenario, step_id)
    except NotFound:
        abort(404)


def _int(value, default: int | None = None) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@bp.route("/scenarios")
def scenario_list():
    """Every reminder scenario and who it applies to."""
    return render_template("creditor/scenarios.html", scenarios=scenarios.all_scenarios())


@bp.route("/scenarios/<int:scenario_id>", methods=["GET", "POST"])
def scenario_show(scenario_id: int):
    """A scenario's settings and its steps."""
    scenario = _scenario_or_404(scenario_id)
    if request.method == "POST":
        try:
            scenario_editing.update_settings(
                scenario,
                name=request.form.get("name", ""),
                customer_kind=request.form.get("customer_kind", ""),
                segment=request.form.get("segment", ""),
                min_gap_days=_int(request.form.get("min_gap_days"), -1),
                actor=Actor.user(current_user),
                now=clock.now(),
            )
        except DomainError as exc:
            flash(_(str(exc)), "error")
        else:
            flash(_("Scenario saved."), "success")
        return redirect(url_for("creditor.scenario_show", scenario_id=scenario.id), code=303)
    return render_template(
        "creditor/scenario.html",
        scenario=scenario,
        steps=scenario_editing.live_steps(scenario),
        kinds=list(StepKind),
    )


@bp.route("/scenarios/<int:scenario_id>/steps", methods=["POST"])
def scenario_step_create(scenario_id: int):
    """Add a step (its messages start as a copy of the previous step's)."""
    scenario = _scenario_or_404(scenario_id)
    try:
        kind = StepKind(request.form.get("kind", "email"))
        day = _int(request.form.get("day_offset"))
        if day is None:
            raise DomainError(_("Give the day of the step, relative to the due date."))
        step = scenario_editing.add_step(
            scenario,
            name=request.form.get("name", ""),
            day_offset=day,
            kind=kind,
            actor=Actor.user(current_user),
            now=clock.now(),
        )
    except (DomainError, ValueError) as exc:
        flash(_(str(exc)), "error")
        return redirect(url_for("creditor.scenario_show", scenario_id=scenario.id), code=303)
    return redirect(
        url_for("creditor.scenario_step_show", scenario_id=scenario.id, step_id=step.id), code=303
    )


@bp.route("/scenarios/<int:scenario_id>/steps/<int:step_id>/move", methods=["POST"])
def scenario_step_move(scenario_id: int, step_id: int):
    """Swap a step with the one before or after it."""
    scenario = _scenario_or_404(scenario_id)
    step = _step_or_404(scenario, step_id)
    scenario_editing.move_step(
        step,
        -1 if request.form.get("direction") == "up" else 1,
        actor=Actor.user(current_user),
        now=clock.now(),
    )
    return redirect(url_for("creditor.scenario_show", scenario_id=scenario.id), code=303)


@bp.route("/scenarios/<int:scenario_id>/steps/<int:step_id>/remove", methods=["POST"])
def scenario_step_remove(scenario_id: int, step_id: int):
    """Remove a step from the scenario (past reminders keep their history)."""
    scenario = _scenario_or_404(scenario_id)
    step = _step_or_404(scenario, step_id)
    scenario_editing.remove_step(step, actor=Actor.user(current_user), now=clock.now())
    flash(_("Step removed."), "success")
    return redirect(url_for("creditor.scenario_show", scenario_id=scenario.id), code=303)


@bp.route("/scenarios/<int:scenario_id>/steps/<int:step_id>", methods=["GET", "POST"])
def scenario_step_show(scenario_id: int, step_id: int):
    """Edit one step and its message in one language, with a live preview."""
    scenario = _scenario_or_404(scenario_id)
    step = _step_or_404(scenario, step_id)
    language = request.values.get("language", "fr")
    if language not in scenario_editing.LANGUAGES:
        language = "fr"
    error = None
    if request.method == "POST":
        try:
            day = _int(request.form.get("day_offset"))
            if day is None:
                raise DomainError(_("Give the day of the step, relative to the due date."))
            scenario_editing.update_step(
                step,
                name=labels.step_name_from_form(request.form.get("name", ""), step.name),
                day_offset=day,
                kind=StepKind(request.form.get("kind", step.kind)),
                actor=Actor.user(current_user),
                now=clock.now(),
            )
            scenario_editing.save_template(
                step,
                language,
                subject=request.form.get("subject", ""),
                text_body=request.form.get("text_body", ""),
                html_body=request.form.get("html_body", ""),
                organisation=organisation.get(),
                today=clock.today(),
                actor=Actor.user(current_user),
                now=clock.now(),
            )
        except TemplateInvalid as exc:
            error = exc
        except (DomainError, ValueError) as exc:
            flash(_(str(exc)), "error")
        else:
            flash(_("Message saved."), "success")
            return redirect(
                url_for(
                    "creditor.scenario_step_show",
                    scenario_id=scenario.id,
                    step_id=step.id,
                    language=language,
                ),
                code=303,
            )
    template = step.template_for(language)
    values = (
        request.form
        if request.method == "POST"
        else {
            "subject": template.subject,
            "text_body": template.text_body,
            "html_body": template.html_body,
        }
    )
    preview_customers = scenario_editing.preview_customers()
    return render_template(
        "creditor/scenario_step.html",
        scenario=scenario,
        step=step,
        language=language,
        values=values,
        error=error,
        error_text=explain(error) if error else "",
        variables=VARIABLES,
        blocks=scenario_editing.blocks(language),
        chips=CHIPS,
        kinds=list(StepKind),
        preview_customers=preview_customers,
        preview=_preview(
            values, language, preview_customers[0] if preview_customers else None, step
        ),
    ), (422 if error else 200)


@bp.route("/scenarios/<int:scenario_id>/steps/<int:step_id>/preview", methods=["POST"])
def scenario_step_preview(scenario_id: int, step_id: int):
    """The message as the chosen customer would receive it (htmx fragment)."""
    scenario = _scenario_or_404(scenario_id)
    step = _step_or_404(scenario, step_id)
    language = request.form.get("language", "fr")
    customer = None
    customer_id = _int(request.form.get("customer_id"))
    if customer_id:
        try:
            customer = customers.get(customer_id)
        except NotFound:
            abort(404)
    return render_template(
        "creditor/_scenario_preview.html", preview=_preview(request.form, language, customer, step)
    )


@bp.route("/scenarios/<int:scenario_id>/steps/<int:step_id>/test", methods=["POST"])
def scenario_step_test(scenario_id: int, step_id: int):
    """Send the saved message to my own address."""
    scenario = _scenario_or_404(scenario_id)
    step = _step_or_404(scenario, step_id)
    language = request.form.get("language", "fr")
    customer_id = _int(request.form.get("customer_id"))
    customer = None
    if customer_id:
        try:
            customer = customers.get(customer_id)
        except NotFound:
            abort(404)
    scenario_editing.send_test(
        step,
        language if language in scenario_editing.LANGUAGES else "fr",
        to=current_user.email,
        customer=customer,
        organisation=organisation.get(),
        today=clock.today(),
        now=clock.now(),
        base_url=current_app.config["BASE_URL"],
        actor=Actor.user(current_user),
    )
    flash(_("A test message is on its way to %(email)s.", email=current_user.email), "success")
    return redirect(
        url_for(
            "creditor.scenario_step_show",
            scenario_id=scenario.id,
            step_id=step.id,
            language=language,
        ),
        code=303,
    )


def _preview(values, language: str, customer, step) -> dict:
    try:
        rendered, html = scenario_editing.preview(
            values.get("subject", ""),
            values.get("text_body", ""),
            values.get("html_body", ""),
            language=language,
            customer=customer,
            organisation=organisation.get(),
            today=clock.today(),
            base_url=current_app.config["BASE_URL"],
            formal_notice=step.kind is StepKind.FORMAL_NOTICE,
        )
    except TemplateInvalid as exc:
        return {"error": explain(exc), "customer": customer}
    return {"subject": rendered.subject, "text": rendered.text, "html": html, "customer": customer}


def explain(error: TemplateInvalid) -> str:
    """Where the mistake is (part and line) and what it is, in the reader's language."""
    part = {"subject": _("Subject"), "text_body": _("Message"), "html_body": _("HTML version")}
    where = part.get(error.field, "")
    if error.line and error.field != "subject":
        where = _("%(part)s, line %(line)d", part=where, line=error.line)
    what = _(error.message_id, **error.params) if error.params else _(error.message_id)
    return _("%(where)s: %(what)s", where=where, what=what) if where else what
