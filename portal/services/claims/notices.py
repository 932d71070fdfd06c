"""When a customer was put on notice: the day a consumer's legal interest starts (Code civil 1231-6).

One function, so that every way a formal notice can be given answers here
and the claim, the letter and the pages agree on the same day.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    ActionStatus,
    Customer,
    DunningAction,
    Organisation,
    ScenarioStep,
    StepKind,
)


def formal_notice_sent_on(customer: Customer) -> date | None:
    """The day the first formal notice went to this customer (by email), in the creditor's timezone."""
    sent_at = db.session.scalar(
        select(func.min(DunningAction.done_at))
        .join(ScenarioStep, ScenarioStep.id == DunningAction.step_id)
        .where(
            DunningAction.customer_id == customer.id,
            DunningAction.status == ActionStatus.SENT,
            ScenarioStep.kind == StepKind.FORMAL_NOTICE,
        )
    )
    if sent_at is None:
        return None
    timezone = db.session.scalar(select(Organisation.timezone).limit(1)) or "Europe/Paris"
    return sent_at.astimezone(ZoneInfo(timezone)).date()
