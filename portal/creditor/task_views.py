"""The creditor's task list, and deciding on "I have already paid" declarations.

Every action is a POST that works as a plain form (303 back to the list) and,
for htmx, answers with the task's fragment so the row is replaced in place; an
`HX-Trigger: tasks-changed` event then refreshes the open-task badge in the nav.
A task about a dispute or a plan carries that decision's own forms; they post to
the dispute and plan views with the task's id, which answer through
`answer_for_task` the same way.
"""

from __future__ import annotations

from pathlib import Path

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock
from portal.adapters import uploads
from portal.creditor.views import bp
from portal.i18n import money
from portal.models import DeclarationStatus, Task, TaskStatus
from portal.services import tasks
from portal.services.audit import Actor
from portal.services.declarations import declaring, reviews
from portal.services.errors import DomainError, NotFound
from portal.templating import render_page_or_fragment, wants_fragment

TASKS_CHANGED = "tasks-changed"


@bp.context_processor
def inject_open_task_count() -> dict:
    """Lazy: only the nav calls it, once per full page."""
    return {"open_task_count": tasks.open_count}


@bp.route("/tasks")
def task_list():
    """Open tasks, soonest due first, with what to do about each."""
    open_tasks = tasks.open_tasks()
    return render_page_or_fragment(
        "creditor/tasks.html",
        "creditor/_task_list.html",
        tasks=open_tasks,
        details=_details(open_tasks),
        subjects=tasks.subjects(open_tasks),
        today=clock.today(),
    )


@bp.route("/tasks/badge")
def task_badge_show():
    """The nav entry alone, refreshed after a task changes."""
    response = make_response(render_template("creditor/_tasks_nav.html"))
    response.headers.add("Vary", "HX-Request")
    return response


@bp.route("/tasks/<int:task_id>/close", methods=["POST"])
def task_close(task_id: int):
    """Mark a task done, or dismiss it."""
    task = _task_or_404(task_id)
    status = TaskStatus.DISMISSED if request.form.get("status") == "dismissed" else TaskStatus.DONE
    try:
        tasks.close(task, status=status, actor=_actor(), now=clock.now())
    except tasks.DecisionStillOpen as exc:
        return _answer(task, _(str(exc)), category="error")
    message = _("Task done.") if status is TaskStatus.DONE else _("Task dismissed.")
    return _answer(task, message)


@bp.route("/declarations/<int:declaration_id>/confirm", methods=["POST"])
def declaration_confirm(declaration_id: int):
    """Record the declared payment on its invoices, oldest first, and close the task."""
    task = _declaration_task(declaration_id)
    try:
        result = reviews.confirm(declaration_id, actor=_actor(), now=clock.now())
    except NotFound:
        abort(404)
    except DomainError as exc:
        return _answer(task, _(str(exc)), category="error")
    decl = result.declaration
    if not result.decided_now:
        message = _("This declaration was already decided.")
    elif result.payment is None:
        message = _("Nothing was still due on these invoices: no payment was recorded.")
    else:
        message = _(
            "Payment of %(amount)s recorded.", amount=money(result.allocated_cents, decl.currency)
        )
        if result.excess_cents:
            message += " " + _(
                "%(excess)s more than what was still due was declared: it was not allocated.",
                excess=money(result.excess_cents, decl.currency),
            )
    return _answer(task, message, category="success" if result.decided_now else "info")


@bp.route("/declarations/<int:declaration_id>/reject", methods=["POST"])
def declaration_reject(declaration_id: int):
    """Refuse the declaration: reminders resume and the debtor is told why."""
    task = _declaration_task(declaration_id)
    try:
        declaration = reviews.reject(
            declaration_id,
            message=request.form.get("message", ""),
            actor=_actor(),
            now=clock.now(),
            base_url=current_app.config["BASE_URL"],
            link_days=current_app.config["LINK_VALIDITY_DAYS"],
        )
    except NotFound:
        abort(404)
    if declaration.status is DeclarationStatus.REJECTED:
        return _answer(task, _("Declaration rejected: reminders resume and the customer is told."))
    return _answer(task, _("This declaration was already decided."), category="info")


@bp.route("/declarations/<int:declaration_id>/proof")
def declaration_proof_download(declaration_id: int):
    """The debtor's proof file, as a download of the kind its content was checked to be."""
    try:
        path, content_type, name = reviews.proof_file(declaration_id, uploads_folder())
    except NotFound:
        abort(404)
    response = send_file(path, mimetype=content_type, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


def uploads_folder() -> Path:
    return Path(current_app.instance_path) / uploads.FOLDER_NAME


def _actor() -> Actor:
    return Actor.user(current_user)


def _task_or_404(task_id: int) -> Task:
    try:
        return tasks.get(task_id)
    except NotFound:
        abort(404)


def _declaration_task(declaration_id: int) -> Task | None:
    """The task about a declaration, to redraw its row afterwards."""
    return reviews.task_for(declaration_id)


def _details(task_list: list[Task]) -> dict[int, reviews.Details]:
    """Declaration details by task id, for the paid_declaration tasks."""
    wanted = {
        t.object_id: t.id
        for t in task_list
        if t.object_type == declaring.OBJECT_TYPE and t.object_id
    }
    found = reviews.details_for(wanted)
    return {
        task_id: found[object_id] for object_id, task_id in wanted.items() if object_id in found
    }


def task_from_form(object_type: str, object_id: int) -> Task | None:
    """The task a decision was made from (its form sends `from_task`), else None."""
    if not request.form.get("from_task"):
        return None
    return tasks.about(object_type, object_id)


def answer_for_task(task: Task, message: str, category: str = "success"):
    """Answer a decision made from the task list: the task redrawn, or back to the list."""
    return _answer(task, message, category)


def _answer(task: Task | None, message: str, category: str = "success"):
    """The task's new fragment for htmx; otherwise a flash and back to the list."""
    if task is not None and wants_fragment():
        page = render_template(
            "creditor/_task.html",
            task=task,
            detail=_details([task]).get(task.id),
            subject=tasks.subjects([task]).get(task.id),
            today=clock.today(),
            outcome=message,
            outcome_category=category,
        )
        response = make_response(page)
        response.headers.add("Vary", "HX-Request")
        response.headers["HX-Trigger"] = TASKS_CHANGED
        return response
    flash(message, category)
    if wants_fragment():  # no row to redraw: reload the list
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url_for("creditor.task_list")
        return response
    return redirect(url_for("creditor.task_list"), code=303)
