"""The creditor's review of instalment plans: approve, modify or reject, on the creditor blueprint."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock
from portal.creditor.task_views import answer_for_task, task_from_form
from portal.creditor.views import bp
from portal.services.audit import Actor
from portal.services.errors import NotFound
from portal.services.plans import reviews
from portal.services.plans.instalments import OBJECT_TYPE
from portal.services.plans.schedule import PlanRefused
from portal.values.dates import parse_date


def _links() -> dict:
    return {
        "base_url": current_app.config["BASE_URL"],
        "link_days": current_app.config["LINK_VALIDITY_DAYS"],
    }


def _decided(plan_id: int, action):
    """Run one decision; a refused one says why and changes nothing."""
    try:
        action()
    except NotFound:
        abort(404)
    except PlanRefused as exc:
        return _said(plan_id, " ".join(p.text() for p in exc.problems), "error")
    return _said(plan_id, _("Decision saved; the customer is told by email."), "success")


def _said(plan_id: int, message: str, category: str):
    """Back to the plans, or to the task list when decided there."""
    task = task_from_form(OBJECT_TYPE, plan_id)
    if task is not None:
        return answer_for_task(task, message, category)
    flash(message, category)
    return redirect(url_for("creditor.plan_list"), code=303)


@bp.context_processor
def inject_plans_to_review() -> dict:
    """Lazy: only the nav calls it, once per full page."""
    return {"plans_to_review_count": reviews.to_review_count}


@bp.route("/plans")
def plan_list():
    """Plans waiting for a decision first, then the others."""
    return render_template("creditor/plans.html", plans=reviews.for_review(), today=clock.today())


@bp.route("/plans/<int:plan_id>/approve", methods=["POST"])
def plan_approve(plan_id: int):
    """Accept the plan as proposed."""
    actor = Actor.user(current_user)
    return _decided(
        plan_id, lambda: reviews.approve(plan_id, actor=actor, now=clock.now(), **_links())
    )


@bp.route("/plans/<int:plan_id>/modify", methods=["POST"])
def plan_modify(plan_id: int):
    """Accept with another number of instalments or first date."""
    actor = Actor.user(current_user)
    try:
        count = int(request.form.get("count", ""))
        first = parse_date(request.form.get("first_date", "").strip())
    except ValueError:
        return _said(plan_id, _("Give a number of instalments and a first date."), "error")
    return _decided(
        plan_id,
        lambda: reviews.modify(
            plan_id,
            count=count,
            first_date=first,
            today=clock.today(),
            actor=actor,
            now=clock.now(),
            **_links(),
        ),
    )


@bp.route("/plans/<int:plan_id>/reject", methods=["POST"])
def plan_reject(plan_id: int):
    """Refuse the plan with a written answer to the customer."""
    actor = Actor.user(current_user)
    message = request.form.get("message", "")
    return _decided(
        plan_id, lambda: reviews.reject(plan_id, message, actor=actor, now=clock.now(), **_links())
    )
