"""What one scheduler tick decides, in order: promises, reminders, plans, the week ahead.

The scheduler and `portal reminders run` must behave the same, or a creditor who
tries a day by hand sees something the scheduler would not do. Both call
`run_decisions` with the moment to act at; neither edits the app's clock.

Promise reviews and plan reminders write to debtors too, so they run only while
the sending window is open, like reminders. A dry run decides the dunning pass
without writing anything; the reviews change state as they decide, so a dry run
leaves them out and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from portal.services import promises
from portal.services.dunning import dunning_pass, reminder_forecast
from portal.services.dunning.dunning_settings import DunningSettings
from portal.services.plans import follow_up


@dataclass
class Decisions:
    reminders: dunning_pass.PassResult
    promises: dict[str, int] | None
    """Promises settled ({"kept": n, "broken": m}); None when the reviews did not run."""
    plans: follow_up.ReminderResult | None
    """Instalment reminders and breaches; None when the reviews did not run."""


def run_decisions(now: datetime, settings: DunningSettings, *, dry_run: bool = False) -> Decisions:
    """Review promises, run the dunning pass, remind plan instalments, refresh the forecast."""
    reviews = settings.window.is_open(now) and not dry_run
    kept_or_broken = None
    if reviews:
        today = now.astimezone(settings.timezone).date()
        kept_or_broken = promises.review(
            today, now, base_url=settings.base_url, link_days=settings.link_days
        )
    result = dunning_pass.run_pass(now, settings, dry_run=dry_run)
    plan_result = follow_up.run_plan_reminders(now, settings) if reviews else None
    if not dry_run:
        reminder_forecast.refresh(result.today, settings, now)
    return Decisions(reminders=result, promises=kept_or_broken, plans=plan_result)


def describe(decisions: Decisions) -> list[str]:
    """A line for the reminders, and one per review that did something (heartbeat, command)."""
    result = decisions.reminders
    if result.waiting_for_window:
        lines = ["reminders: outside the sending window"]
    else:
        line = (
            f"reminders: {result.emails} email(s), {result.tasks} task(s), {result.skipped} skipped"
        )
        failed = result.failed
        lines = [f"{line}, {failed} could not be written (see tasks)" if failed else line]
    if decisions.promises and any(decisions.promises.values()):
        lines.append(
            f"promises: {decisions.promises['kept']} kept, {decisions.promises['broken']} broken"
        )
    p = decisions.plans
    if p is not None and (p.before or p.after or p.broken or p.completed):
        lines.append(
            f"plans: {p.before + p.after} reminder(s), {p.broken} broken, {p.completed} completed"
        )
    return lines
