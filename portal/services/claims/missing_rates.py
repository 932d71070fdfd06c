"""A half-year without reference rates: warn the owner before it starts, ask once when it blocks.

Penalties for a half-year need its own rates, published around 1 January and
1 July. The dashboard warns from 15 days before (`rate_table.missing_soon`);
a formal notice that would state penalties for a missing half-year waits, and
the owner gets one task for that half-year, however many notices wait on it.
Saving the rates closes the task, and the next dunning pass sends what waited.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.models import Organisation, Task, TaskStatus
from portal.services import audit, notifications, tasks

OBJECT_TYPE = "reference_rates"
TASK_KIND = "reference_rates"


def object_id(half_year: date) -> int:
    """20260701 for the second half of 2026: a task names its half-year by a number."""
    return int(half_year.strftime("%Y%m%d"))


def ask_owner(
    half_year: date, organisation: Organisation | None, *, now: datetime, today: date
) -> Task:
    """The open task asking for this half-year's rates, created the first time only."""
    existing = db.session.scalar(
        select(Task).where(
            Task.object_type == OBJECT_TYPE,
            Task.object_id == object_id(half_year),
            Task.status == TaskStatus.OPEN,
        )
    )
    if existing is not None:
        return existing
    with force_locale(organisation.language if organisation else "fr"):
        title = _(
            "Enter the reference rates from %(day)s: formal notices wait for them",
            day=half_year.strftime("%d/%m/%Y"),
        )
        body = _(
            "The ECB refinancing rate and the legal interest rate (all other cases) of this "
            "half-year are needed to compute late-payment penalties. Enter them in Settings, "
            "Reference rates; the formal notices that wait go out at the next run."
        )
    return notifications.ask_creditor(
        TASK_KIND,
        title,
        now=now,
        due_date=today,
        about=(OBJECT_TYPE, object_id(half_year)),
        body=body,
    )


def rates_entered(half_year: date, *, actor: audit.Actor, now: datetime) -> None:
    tasks.close_for(OBJECT_TYPE, object_id(half_year), actor=actor, now=now)
