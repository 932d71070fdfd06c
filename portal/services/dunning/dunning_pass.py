"""The dunning pass: decide which reminder step is due for each open invoice, and act.

`run_pass(now)` is one pass over the database. It may run every few minutes,
twice by mistake, or after a week of downtime:

- for each open invoice, the next step not done whose day has come; steps meant
  for before the due date are skipped once it has passed; when several are due
  at once only the earliest goes, the next waits for its own day and a minimum
  gap after the previous one (no burst, no skipped reminder);
- nothing for a paid invoice, a paused customer, an invoice being paid online
  (SEPA takes days) or whose "already paid" declaration is being checked;
- one email per customer per day at most, grouping every invoice with a step
  due, each with a fresh link to the account;
- only inside the sending window (08:00-20:00, creditor's timezone, not on
  Sundays or French public holidays): outside it, everything waits;
- each step is a DunningAction row unique on (invoice, step), written in the
  same transaction as its outbox message, so a second pass or a second process
  can never send it twice, and a crash half-way loses nothing;
- no customer can stop the pass: each is drafted in memory first, and one whose
  email cannot be written (a template that fails for their data, no address, a
  formal notice without the creditor's identity) has those steps skipped with
  the reason, the creditor gets a task, and the others go out.

The rules live in `decisions`, the snapshot they read in `pass_data`, the
writes in `pass_writer`; this module runs them in order and reports.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from portal.extensions import db
from portal.models import Customer, Organisation, StepKind
from portal.services.dunning import notice_letters
from portal.services.dunning.decisions import EMAIL_KINDS, Decision, decide
from portal.services.dunning.dunning_settings import DunningSettings
from portal.services.dunning.pass_data import PassData, gc_paused
from portal.services.dunning.pass_writer import PassWriter
from portal.services.dunning.reminder_drafts import CustomerDraft

#: Customers written per transaction, in one savepoint; when it fails, one savepoint
#: each, so a conflict on one (another pass got there first) leaves the others untouched.
WRITE_BATCH = 200


@dataclass(slots=True)
class ActionLine:
    """One line of a pass's report (printed by `portal reminders run`)."""

    customer_ref: str
    invoice_number: str
    step: str
    outcome: str


@dataclass
class PassResult:
    today: date
    emails: int = 0
    tasks: int = 0
    skipped: int = 0
    failed: int = 0
    """Customers whose email could not be written (the creditor has a task for each)."""
    waiting_for_window: bool = False
    lines: list[ActionLine] = field(default_factory=list)


def run_pass(now: datetime, settings: DunningSettings, *, dry_run: bool = False) -> PassResult:
    """One pass: decide, then (unless dry_run) write actions and messages customer by customer."""
    today = now.astimezone(settings.timezone).date()
    result = PassResult(today)
    if not settings.window.is_open(now):
        result.waiting_for_window = True
        return result
    data = PassData(today, settings.timezone)
    per_customer: dict[int, list[Decision]] = defaultdict(list)
    skipped_per_customer: dict[int, list[Decision]] = defaultdict(list)
    with gc_paused():
        for invoice, scenario in data.invoices:
            skipped, chosen = decide(invoice, scenario, data.history[invoice.id], today)
            if skipped:
                skipped_per_customer[invoice.customer_id].extend(skipped)
            if chosen is not None:
                per_customer[invoice.customer_id].append(chosen)
    customer_ids = sorted(set(per_customer) | set(skipped_per_customer))
    refs = _customer_refs(customer_ids)
    post_only = notice_letters.channel(db.session.scalar(select(Organisation).limit(1))) == "post"
    writer = None if dry_run else PassWriter(now, today, settings, data.amounts_on_hold)
    for batch_start in range(0, len(customer_ids), WRITE_BATCH):
        batch = customer_ids[batch_start : batch_start + WRITE_BATCH]
        if writer is None:
            for customer_id in batch:
                decisions, skipped = _today(customer_id, per_customer, skipped_per_customer, data)
                _report(
                    result, refs.get(customer_id, str(customer_id)), decisions, skipped, post_only
                )
            continue
        writer.load(batch, [d.invoice.id for c in batch for d in per_customer.get(c, [])])
        drafts = [
            writer.draft(
                customer_id, *_today(customer_id, per_customer, skipped_per_customer, data)
            )
            for customer_id in batch
        ]
        done_elsewhere = writer.write(drafts)
        db.session.commit()
        if writer.growth.refresh():
            db.session.commit()
        for draft in drafts:
            ref = refs.get(draft.customer_id, str(draft.customer_id))
            if draft.customer_id in done_elsewhere:
                result.lines.append(ActionLine(ref, "", "", "already done by another pass"))
            elif draft.held_for is not None:
                result.lines.append(ActionLine(ref, "", "", "waiting for reference rates"))
                _report_draft(result, ref, draft, post_only)
            else:
                _report_draft(result, ref, draft, post_only)
    return result


def _today(
    customer_id: int,
    per_customer: dict[int, list[Decision]],
    skipped_per_customer: dict[int, list[Decision]],
    data: PassData,
) -> tuple[list[Decision], list[Decision]]:
    """(steps to carry out, steps to record as skipped) for one customer on this pass."""
    decisions = per_customer.get(customer_id, [])
    if customer_id in data.emailed_today:
        decisions = [d for d in decisions if d.step.kind not in EMAIL_KINDS]
    return decisions, skipped_per_customer.get(customer_id, [])


def _customer_refs(customer_ids: list[int], chunk: int = 5000) -> dict[int, str]:
    refs: dict[int, str] = {}
    for start in range(0, len(customer_ids), chunk):
        part = customer_ids[start : start + chunk]
        refs.update(
            db.session.execute(select(Customer.id, Customer.ref).where(Customer.id.in_(part))).all()
        )
    return refs


def _report_draft(result: PassResult, ref: str, draft: CustomerDraft, post_only: bool) -> None:
    failure = draft.failure
    failed = {(d.invoice.id, d.step.id) for d in failure.decisions} if failure else set()
    skipped = [d for d in draft.skipped if (d.invoice.id, d.step.id) not in failed]
    done = [d for d, _, _ in draft.tasks] + (draft.email.decisions if draft.email else [])
    if draft.post_only:
        done += draft.to_post
    _report(result, ref, done, skipped, post_only)
    if failure is not None:
        result.failed += 1
        for d in failure.decisions:
            result.lines.append(
                ActionLine(ref, d.invoice.number, d.step.name, f"failed: {_words(failure.reason)}")
            )


def _words(reason: str) -> str:
    """A reason key as the command line and the log show it (`no_email`: `no email`)."""
    return reason.replace("_", " ")


def _report(
    result: PassResult,
    ref: str,
    decisions: list[Decision],
    skipped: list[Decision],
    post_only: bool = False,
) -> None:
    """Count and list what was done; a formal notice sent by post only is a letter to post."""
    for d in skipped:
        result.skipped += 1
        result.lines.append(
            ActionLine(ref, d.invoice.number, d.step.name, f"skipped: {_words(d.skip_reason)}")
        )
    by_letter = {StepKind.FORMAL_NOTICE} if post_only else set()
    if any(d.step.kind in EMAIL_KINDS and d.step.kind not in by_letter for d in decisions):
        result.emails += 1
    for d in decisions:
        outcome = str(d.step.kind)
        if d.step.kind is StepKind.TASK or d.step.kind in by_letter:
            result.tasks += 1
            outcome = "letter to post" if d.step.kind in by_letter else outcome
        result.lines.append(ActionLine(ref, d.invoice.number, d.step.name, outcome))
