"""The creditor's to-do list."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Task, TaskStatus
from portal.services import audit
from portal.services.errors import NotFound


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
