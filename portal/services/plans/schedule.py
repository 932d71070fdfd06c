"""The schedule of an instalment plan and the creditor's rules, checked without the database.

What the debtor asks for (`Request`) becomes dates and amounts here, and every
rule the request breaks becomes a `Problem` in plain words. Nothing is read or
written, so the debtor's preview, the proposal and the creditor's changes all
compute the same schedule, and the arithmetic is tested on its own.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import get_locale, gettext

from portal.models import Organisation
from portal.services.errors import N_, DomainError
from portal.values.money import format_money

FREQUENCIES = ("weekly", "monthly", "chosen")
MAX_MESSAGE_LENGTH = 2000
#: Far beyond any creditor's policy (at most 60 in the settings), before a schedule is built.
MAX_INSTALMENTS = 120
TOO_MANY_TO_COMPUTE = N_("Choose at most %(count)d instalments.")


@dataclass(frozen=True)
class Problem:
    """A rule the proposal breaks, in plain words (an msgid and its values)."""

    message: str
    params: dict = field(default_factory=dict)
    amount: tuple[int, str] | None = None
    """Cents and currency, formatted in the reader's language when shown."""

    def text(self) -> str:
        extra = {}
        if self.amount:
            cents, currency = self.amount
            extra["amount"] = format_money(cents, currency, str(get_locale() or "fr"))
        return gettext(self.message, **self.params, **extra)


class PlanRefused(DomainError):
    """The proposal breaks at least one rule; nothing was written."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems[0].message)
        self.problems = problems


@dataclass(frozen=True)
class Request:
    """What the debtor asks for, once parsed."""

    invoice_ids: tuple[int, ...]
    count: int
    first_date: date | None
    down_payment_cents: int | None = None
    dates: tuple[date, ...] = ()
    message: str = ""


# ---------------------------------------------------------------- arithmetic


def split(total_cents: int, count: int) -> list[int]:
    """Equal parts in cents; the last takes the rounding, so they sum exactly to the total."""
    if count < 1:
        return []
    base = total_cents // count
    return [base] * (count - 1) + [total_cents - base * (count - 1)]


def amounts(total_cents: int, count: int, down_payment_cents: int | None = None) -> list[int]:
    """A chosen down payment first, the rest in equal parts; or equal parts throughout."""
    if down_payment_cents is None or count < 2:
        return split(total_cents, count)
    return [down_payment_cents] + split(total_cents - down_payment_cents, count - 1)


def add_months(day: date, months: int, *, end_of_month: bool = False) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, last if end_of_month else min(day.day, last))


def dates_for(first: date, count: int, frequency: str) -> list[date]:
    """Weekly or monthly dates from `first`; a month-end first date stays on month ends."""
    if frequency == "weekly":
        return [first + timedelta(weeks=k) for k in range(count)]
    end_of_month = first.day == calendar.monthrange(first.year, first.month)[1]
    return [add_months(first, k, end_of_month=end_of_month) for k in range(count)]


# ---------------------------------------------------------------- the request and the rules


def schedule_for(
    wanted: Request, total: int, frequency: str, problems: list[Problem]
) -> list[tuple[date, int]]:
    """(date, cents) of each instalment; empty, with the reason added to `problems`, if none."""
    count = wanted.count
    if count < 1:
        problems.append(Problem(N_("Choose at least one instalment.")))
        return []
    if count > MAX_INSTALMENTS:
        problems.append(Problem(TOO_MANY_TO_COMPUTE, {"count": MAX_INSTALMENTS}))
        return []
    if wanted.down_payment_cents is not None and not 0 < wanted.down_payment_cents < total:
        problems.append(
            Problem(N_("The down payment must be more than zero and less than the total."))
        )
        return []
    if frequency == "chosen":
        days = sorted(wanted.dates)
        if len(days) != count or len(set(days)) != count:
            problems.append(
                Problem(
                    N_("Give one different date for each of the %(count)d instalments."),
                    {"count": count},
                )
            )
            return []
    elif wanted.first_date is None:
        problems.append(Problem(N_("Choose the date of the first instalment.")))
        return []
    else:
        days = dates_for(wanted.first_date, count, frequency)
    return list(zip(days, amounts(total, count, wanted.down_payment_cents), strict=True))


def policy_problems(
    org: Organisation,
    wanted: Request,
    schedule: list[tuple[date, int]],
    total: int,
    currency: str,
    today: date,
) -> list[Problem]:
    """The organisation's limits the schedule goes beyond: length, count, minimum amounts."""
    problems: list[Problem] = []
    if wanted.count > org.plan_max_instalments:
        problems.append(
            Problem(
                N_("You can spread the payment over at most %(max)d instalments."),
                {"max": org.plan_max_instalments},
            )
        )
    if not schedule:
        return problems
    first, last = schedule[0][0], schedule[-1][0]
    if first < today:
        problems.append(Problem(N_("The first instalment cannot be in the past.")))
    if (last - today).days > org.plan_max_days:
        problems.append(
            Problem(
                N_(
                    "The plan lasts too long: the last instalment must be at most %(days)d days from today."
                ),
                {"days": org.plan_max_days},
            )
        )
    down_chosen = wanted.down_payment_cents is not None and len(schedule) > 1
    rest = schedule[1:] if down_chosen else schedule
    if rest and min(cents for _, cents in rest) < org.plan_min_instalment_cents:
        problems.append(
            Problem(
                N_("Each instalment must be at least %(amount)s: choose fewer instalments."),
                amount=(org.plan_min_instalment_cents, currency),
            )
        )
    needed = -(-total * org.plan_min_down_payment_pct // 100)
    first_cents = schedule[0][1]
    if down_chosen and first_cents < org.plan_min_instalment_cents and needed <= first_cents:
        # A first payment the debtor chose: the advice is about it, not the number of instalments.
        problems.append(
            Problem(
                N_("The first payment must be at least %(amount)s."),
                amount=(org.plan_min_instalment_cents, currency),
            )
        )
    elif first_cents < needed:
        problems.append(
            Problem(
                N_("The first instalment must be at least %(amount)s (%(pct)d%% of the total)."),
                {"pct": org.plan_min_down_payment_pct},
                amount=(max(needed, org.plan_min_instalment_cents if down_chosen else 0), currency),
            )
        )
    return problems
