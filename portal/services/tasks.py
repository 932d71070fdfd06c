"""The creditor's to-do list.

A task that asks for a decision (a dispute, a plan to review, an "I have already
paid" declaration) is closed by that decision, never by a "Done" or "Dismiss"
click: otherwise the question would vanish from the list while it is still
open, with nothing left to find it by.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    DeclarationStatus,
    Dispute,
    DisputeStatus,
    InstalmentPlan,
    PaidDeclaration,
    PlanStatus,
    Task,
    TaskStatus,
)
from portal.services import audit
from portal.services.errors import N_, DomainError, NotFound

#: The objects whose task waits for a decision, and the status that means "not decided yet".
_DECISIONS = {
    "dispute": (Dispute, DisputeStatus.OPEN),
    "instalment_plan": (InstalmentPlan, PlanStatus.PROPOSED),
    "paid_declaration": (PaidDeclaration, DeclarationStatus.PENDING),
}


class DecisionStillOpen(DomainError):
    """The task is closed by its decision (accept, reject, approve...), not by a click."""


def awaits_decision(task: Task) -> bool:
    """Whether the task is about a decision the creditor has not made yet."""
    model, undecided = _DECISIONS.get(task.object_type, (None, None))
    if model is None or task.object_id is None:
        return False
    thing = db.session.get(model, task.object_id)
    return thing is not None and thing.status == undecided


def create(
    *,
    kind: str,
    title: str,
    due_date: date,
    now: datetime,
    actor: audit.Actor,
    body: str = "",
    customer_id: int | None = None,
    invoice_id: int | None = None,
    object_type: str = "",
    object_id: int | None = None,
) -> Task:
    task = Task(
        kind=kind,
        title=title,
        body=body,
        due_date=due_date,
        customer_id=customer_id,
        invoice_id=invoice_id,
        object_type=object_type,
        object_id=object_id,
        status=TaskStatus.OPEN,
        created_at=now,
    )
    db.session.add(task)
    db.session.flush()
    audit.record(
        actor,
        "task.created",
        "task",
        task.id,
        at=now,
        customer_id=customer_id,
        invoice_id=invoice_id,
        kind=kind,
        title=title,
    )
    return task


def close(task: Task, *, status: TaskStatus, actor: audit.Actor, now: datetime) -> Task:
    """Mark a task done or dismissed (closing twice changes nothing)."""
    if task.status is not TaskStatus.OPEN:
        return task
    if awaits_decision(task):
        raise DecisionStillOpen(N_("Decide first: this task closes with your decision."))
    task.status = status
    task.closed_at = now
    audit.record(
        actor,
        f"task.{status}",
        "task",
        task.id,
        at=now,
        customer_id=task.customer_id,
        invoice_id=task.invoice_id,
        title=task.title,
    )
    return task


def close_for(object_type: str, object_id: int, *, actor: audit.Actor, now: datetime) -> None:
    """Close the open tasks about one object once its decision is made elsewhere."""
    for task in db.session.scalars(
        select(Task).where(
            Task.object_type == object_type,
            Task.object_id == object_id,
            Task.status == TaskStatus.OPEN,
        )
    ):
        task.status = TaskStatus.DONE
        task.closed_at = now


def close_customer_tasks(
    customer_id: int, kinds: Sequence[str], *, actor: audit.Actor, now: datetime
) -> int:
    """Close a customer's open tasks of some kinds once what they asked is settled; how many."""
    open_ones = db.session.scalars(
        select(Task).where(
            Task.customer_id == customer_id,
            Task.kind.in_(kinds),
            Task.status == TaskStatus.OPEN,
        )
    ).all()
    for task in open_ones:
        close(task, status=TaskStatus.DONE, actor=actor, now=now)
    return len(open_ones)


def get(task_id: int) -> Task:
    task = db.session.get(Task, task_id)
    if task is None:
        raise NotFound("No such task.")
    return task


def open_tasks(limit: int = 200) -> list[Task]:
    return list(
        db.session.scalars(
            select(Task)
            .where(Task.status == TaskStatus.OPEN)
            .order_by(Task.due_date, Task.id)
            .limit(limit)
        )
    )


def open_count() -> int:
    return db.session.scalar(select(func.count(Task.id)).where(Task.status == TaskStatus.OPEN))


def about(object_type: str, object_id: int) -> Task | None:
    """The latest task about one object, to redraw it once its decision is made."""
    return db.session.scalars(
        select(Task)
        .where(Task.object_type == object_type, Task.object_id == object_id)
        .order_by(Task.id.desc())
        .limit(1)
    ).first()


def subjects(task_list: Sequence[Task]) -> dict[int, Dispute | InstalmentPlan]:
    """The dispute or plan each task is about, by task id: the task shows what to decide."""
    found: dict[int, Dispute | InstalmentPlan] = {}
    for object_type, model in (("dispute", Dispute), ("instalment_plan", InstalmentPlan)):
        wanted = {t.object_id: t.id for t in task_list if t.object_type == object_type}
        wanted.pop(None, None)
        if wanted:
            for thing in db.session.scalars(select(model).where(model.id.in_(wanted))):
                found[wanted[thing.id]] = thing
    return found
