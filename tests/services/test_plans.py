"""Instalment plans with explicit dates: arithmetic, policy, review, dunning interplay, reminders."""

from datetime import date, timedelta

import pytest

from portal.extensions import db
from portal.models import (
    AuditEvent,
    DunningAction,
    InstalmentPlan,
    OutboxMessage,
    PaymentMethod,
    PlanStatus,
    Task,
)
from portal.services import organisation
from portal.services.audit import Actor
from portal.services.dunning import dunning_pass
from portal.services.errors import NotFound
from portal.services.payments import ledger
from portal.services.plans import follow_up, holds, instalments, proposals, reviews, schedule

from ..factories import make_customer, make_invoice
from .test_dunning import MONDAY, at, settings  # noqa: F401 - the fixture

BASE = "https://portal.example.test"


def wanted(invoices, count=3, first=None, **kw) -> schedule.Request:
    return schedule.Request(
        invoice_ids=tuple(i.id for i in invoices),
        count=count,
        first_date=first if first is not None else MONDAY + timedelta(days=7),
        **kw,
    )


def propose(customer, request, today=MONDAY):
    return proposals.propose(
        customer,
        request,
        today=today,
        now=at(today),
        actor=Actor.debtor(customer),
        base_url=BASE,
        link_days=30,
    )


def messages(preview) -> list[str]:
    return [p.message for p in preview.problems]


def overdue_invoice(customer, amount="1000.00", days_late=20):
    return make_invoice(
        customer,
        amount=amount,
        tax_rate="0",
        issue_date=MONDAY - timedelta(days=30 + days_late),
        due_date=MONDAY - timedelta(days=days_late),
    )


# ---------------------------------------------------------------- arithmetic


def test_split_gives_the_rounding_to_the_last_instalment():
    assert schedule.split(100001, 3) == [33333, 33333, 33335]
    assert sum(schedule.split(100001, 3)) == 100001
    assert schedule.split(90000, 3) == [30000, 30000, 30000]
    assert schedule.amounts(100000, 3, 40000) == [40000, 30000, 30000]


def test_weekly_and_monthly_dates():
    first = date(2026, 3, 10)
    weeks = [date(2026, 3, 10), date(2026, 3, 17), date(2026, 3, 24)]
    months = [date(2026, 3, 10), date(2026, 4, 10), date(2026, 5, 10)]
    assert schedule.dates_for(first, 3, "weekly") == weeks
    assert schedule.dates_for(first, 3, "monthly") == months


def test_month_end_first_date_stays_on_month_ends():
    month_ends = [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]
    assert schedule.dates_for(date(2026, 1, 31), 4, "monthly") == month_ends
    # the 30th is not a month end in January: clamped in February, back to the 30th after
    thirtieths = [date(2026, 1, 30), date(2026, 2, 28), date(2026, 3, 30)]
    assert schedule.dates_for(date(2026, 1, 30), 3, "monthly") == thirtieths


# ---------------------------------------------------------------- policy


def test_preview_sums_exactly_to_the_total(settings):  # noqa: F811
    customer = make_customer()
    invoice = overdue_invoice(customer, amount="1000.01")
    result = proposals.preview(customer, wanted([invoice]), today=MONDAY)
    assert result.ok, messages(result)
    assert [c for _, c in result.schedule] == [33333, 33333, 33335]
    assert result.schedule[0][0] == MONDAY + timedelta(days=7)


NOT_AVAILABLE = "Payment plans are not available at the moment."
TOO_MANY = "You can spread the payment over at most %(max)d instalments."
TOO_LONG = "The plan lasts too long: the last instalment must be at most %(days)d days from today."
TOO_SMALL = "Each instalment must be at least %(amount)s: choose fewer instalments."
DOWN_PAYMENT = "The first instalment must be at least %(amount)s (%(pct)d%% of the total)."
IN_THE_PAST = "The first instalment cannot be in the past."


@pytest.mark.parametrize(
    ("field", "value", "request_kw", "expected"),
    [
        ("plans_enabled", False, {}, NOT_AVAILABLE),
        ("plan_max_instalments", 2, {}, TOO_MANY),
        ("plan_max_days", 30, {}, TOO_LONG),
        ("plan_min_instalment_cents", 40000, {}, TOO_SMALL),
        ("plan_min_down_payment_pct", 50, {}, DOWN_PAYMENT),
        (None, None, {"first": MONDAY - timedelta(days=1)}, IN_THE_PAST),
    ],
)
def test_each_rule_is_explained(settings, field, value, request_kw, expected):  # noqa: F811
    org = organisation.get()
    if field:
        setattr(org, field, value)
        db.session.commit()
    customer = make_customer()
    invoice = overdue_invoice(customer)
    result = proposals.preview(customer, wanted([invoice], **request_kw), today=MONDAY)
    assert messages(result) == [expected]
    with pytest.raises(schedule.PlanRefused):
        propose(customer, wanted([invoice], **request_kw))
    assert db.session.query(InstalmentPlan).count() == 0


def test_down_payment_meets_the_minimum(settings):  # noqa: F811
    org = organisation.get()
    org.plan_min_down_payment_pct = 40
    db.session.commit()
    customer = make_customer()
    invoice = overdue_invoice(customer)
    result = proposals.preview(customer, wanted([invoice], down_payment_cents=40000), today=MONDAY)
    assert result.ok, messages(result)
    assert [c for _, c in result.schedule] == [40000, 30000, 30000]


def test_chosen_dates_need_one_date_per_instalment(settings):  # noqa: F811
    org = organisation.get()
    org.plan_frequency = "chosen"
    db.session.commit()
    customer = make_customer()
    invoice = overdue_invoice(customer)
    days = (MONDAY + timedelta(days=20), MONDAY + timedelta(days=3))
    bad = proposals.preview(customer, wanted([invoice], count=3, dates=days), today=MONDAY)
    assert messages(bad) == ["Give one different date for each of the %(count)d instalments."]
    good = proposals.preview(customer, wanted([invoice], count=2, dates=days), today=MONDAY)
    assert good.ok and [d for d, _ in good.schedule] == sorted(days)


def test_second_open_plan_on_the_same_invoice_is_refused(settings):  # noqa: F811
    customer = make_customer()
    invoice = overdue_invoice(customer)
    propose(customer, wanted([invoice]))
    with pytest.raises(schedule.PlanRefused) as refused:
        propose(customer, wanted([invoice]))
    assert refused.value.problems[0].message == "Invoice %(number)s is already in a payment plan."
    assert db.session.query(InstalmentPlan).count() == 1
    assert proposals.eligible_invoices(customer, MONDAY) == []


def test_another_customers_invoice_is_not_found(settings):  # noqa: F811
    customer, other = make_customer(), make_customer()
    invoice = overdue_invoice(other)
    with pytest.raises(NotFound):
        propose(customer, wanted([invoice]))
    assert db.session.query(InstalmentPlan).count() == 0


# ---------------------------------------------------------------- acceptance


def test_small_plan_is_accepted_at_once_with_a_confirmation(settings):  # noqa: F811
    customer = make_customer()
    invoice = overdue_invoice(customer)
    plan = propose(customer, wanted([invoice]))
    assert plan.status is PlanStatus.ACTIVE and plan.auto_accepted
    email = db.session.query(OutboxMessage).filter_by(kind="plan_accepted").one()
    assert email.to_addresses == customer.email_addresses
    assert "333,33" in email.text_body and "333,34" in email.text_body
    actions = [
        e.action for e in db.session.query(AuditEvent).filter_by(object_type="instalment_plan")
    ]
    assert actions == ["plan.proposed", "plan.accepted"]
    assert db.session.query(Task).filter_by(kind="instalment_plan").count() == 0


def test_large_plan_or_broken_history_goes_to_review(settings):  # noqa: F811
    customer = make_customer()
    invoice = overdue_invoice(customer, amount="2500.00")
    plan = propose(customer, wanted([invoice], count=5))
    assert plan.status is PlanStatus.PROPOSED
    assert db.session.query(Task).filter_by(kind="instalment_plan", object_id=plan.id).count() == 1
    assert db.session.query(OutboxMessage).filter_by(kind="plan_accepted").count() == 0

    other = make_customer()
    broken = overdue_invoice(other, amount="100.00")
    old = propose(other, wanted([broken], count=1))
    old.status = PlanStatus.BROKEN
    db.session.commit()
    small = overdue_invoice(other, amount="100.00")
    assert propose(other, wanted([small], count=1)).status is PlanStatus.PROPOSED


def test_creditor_approves_modifies_or_rejects(settings):  # noqa: F811
    customer = make_customer()
    kw = {"actor": Actor.system(), "now": at(MONDAY), "base_url": BASE, "link_days": 30}
    first = propose(customer, wanted([overdue_invoice(customer, amount="3000.00")]))
    reviews.approve(first.id, **kw)
    assert first.status is PlanStatus.ACTIVE
    with pytest.raises(schedule.PlanRefused):
        reviews.approve(first.id, **kw)

    second = propose(customer, wanted([overdue_invoice(customer, amount="3000.00")]))
    reviews.modify(second.id, count=2, first_date=MONDAY + timedelta(days=1), today=MONDAY, **kw)
    assert [i.amount_cents for i in second.instalments] == [150000, 150000]
    assert second.status is PlanStatus.ACTIVE
    with pytest.raises(schedule.PlanRefused):
        third = propose(customer, wanted([overdue_invoice(customer, amount="3000.00")]))
        reviews.modify(third.id, count=2, first_date=MONDAY - timedelta(days=1), today=MONDAY, **kw)
    assert third.status is PlanStatus.PROPOSED

    with pytest.raises(schedule.PlanRefused):
        reviews.reject(third.id, "  ", **kw)
    reviews.reject(third.id, "Too long for us.", **kw)
    assert third.status is PlanStatus.REJECTED
    email = db.session.query(OutboxMessage).filter_by(kind="plan_rejected").one()
    assert "Too long for us." in email.text_body
    assert third.invoices[0].invoice_id not in holds.held_invoice_ids()


# ---------------------------------------------------------------- dunning and payments


def test_plan_pauses_dunning_for_its_invoices_only(settings):  # noqa: F811
    customer = make_customer()
    covered = overdue_invoice(customer)
    other = overdue_invoice(customer)
    propose(customer, wanted([covered]))
    dunning_pass.run_pass(at(MONDAY), settings)
    assert db.session.query(DunningAction).filter_by(invoice_id=covered.id).count() == 0
    assert db.session.query(DunningAction).filter_by(invoice_id=other.id).count() > 0


def test_proposed_plan_also_pauses_dunning(settings):  # noqa: F811
    customer = make_customer()
    covered = overdue_invoice(customer, amount="3000.00")
    assert propose(customer, wanted([covered])).status is PlanStatus.PROPOSED
    dunning_pass.run_pass(at(MONDAY), settings)
    assert db.session.query(DunningAction).filter_by(invoice_id=covered.id).count() == 0


def test_payments_apply_to_instalments_in_order(settings):  # noqa: F811
    customer = make_customer()
    invoice = overdue_invoice(customer, amount="900.00")
    plan = propose(customer, wanted([invoice]))
    ledger.record_payment(
        invoice,
        amount_cents=40000,
        paid_on=MONDAY,
        method=PaymentMethod.TRANSFER,
        reference="VIR",
        actor=Actor.system(),
        now=at(MONDAY),
    )
    db.session.commit()
    assert instalments.apply_payments(plan) == 40000
    assert [i.paid_cents for i in plan.instalments] == [30000, 10000, 0]
    assert instalments.next_instalment(plan).position == 2


def test_reminders_before_and_after_go_once_each(settings):  # noqa: F811
    customer = make_customer()
    invoice = overdue_invoice(customer)
    first = MONDAY + timedelta(days=10)
    plan = propose(customer, wanted([invoice], first=first))

    def kinds():
        return [m.kind for m in db.session.query(OutboxMessage).order_by(OutboxMessage.id)]

    follow_up.run_plan_reminders(at(first - timedelta(days=4)), settings)
    assert kinds() == ["plan_accepted"]
    follow_up.run_plan_reminders(at(first - timedelta(days=3)), settings)
    follow_up.run_plan_reminders(at(first - timedelta(days=2)), settings)
    assert kinds() == ["plan_accepted", "plan_reminder"]
    follow_up.run_plan_reminders(at(first), settings)
    assert kinds() == ["plan_accepted", "plan_reminder"]
    follow_up.run_plan_reminders(at(first + timedelta(days=1)), settings)
    follow_up.run_plan_reminders(at(first + timedelta(days=2)), settings)
    assert kinds() == ["plan_accepted", "plan_reminder", "plan_missed"]
    assert plan.instalments[0].reminded_before_at is not None
    assert plan.instalments[0].reminded_after_at is not None
    assert plan.status is PlanStatus.ACTIVE


def test_unpaid_seven_days_after_breaks_the_plan_and_dunning_resumes(settings):  # noqa: F811
    customer = make_customer()
    invoice = overdue_invoice(customer)
    first = MONDAY + timedelta(days=2)
    plan = propose(customer, wanted([invoice], first=first))
    follow_up.run_plan_reminders(at(first + timedelta(days=6)), settings)
    assert plan.status is PlanStatus.ACTIVE
    dunning_pass.run_pass(at(first + timedelta(days=6)), settings)
    assert db.session.query(DunningAction).filter_by(invoice_id=invoice.id).count() == 0

    breach = first + timedelta(days=7)
    follow_up.run_plan_reminders(at(breach), settings)
    assert plan.status is PlanStatus.BROKEN and plan.broken_at is not None
    assert db.session.query(Task).filter_by(kind="instalment_plan", object_id=plan.id).count() == 1
    assert db.session.query(OutboxMessage).filter_by(kind="plan_broken").count() == 1
    assert invoice.id not in holds.held_invoice_ids()
    dunning_pass.run_pass(at(breach), settings)
    assert db.session.query(DunningAction).filter_by(invoice_id=invoice.id).count() > 0
    # a broken plan now sends the next proposal to review
    assert proposals.has_broken_plan(customer)


def test_paid_plan_completes(settings):  # noqa: F811
    customer = make_customer()
    invoice = overdue_invoice(customer, amount="300.00")
    plan = propose(customer, wanted([invoice], count=2))
    ledger.record_payment(
        invoice,
        amount_cents=30000,
        paid_on=MONDAY,
        method=PaymentMethod.TRANSFER,
        reference="VIR",
        actor=Actor.system(),
        now=at(MONDAY),
    )
    db.session.commit()
    result = follow_up.run_plan_reminders(at(MONDAY + timedelta(days=1)), settings)
    assert result.completed == 1 and plan.status is PlanStatus.COMPLETED


def test_select_instalment_allocates_oldest_invoice_first(settings):  # noqa: F811
    from portal.services.payments import selection

    customer = make_customer()
    older = overdue_invoice(customer, amount="100.00", days_late=30)
    newer = overdue_invoice(customer, amount="500.00", days_late=5)
    plan = propose(customer, wanted([newer, older], count=2))
    chosen = selection.select_instalment(customer, plan)
    assert chosen.allocations == {older.id: 10000, newer.id: 20000}
    assert chosen.total_cents == 30000
    with pytest.raises(NotFound):
        selection.select_instalment(make_customer(), plan)


# ---------------------------------------------------------------- disputes


def test_a_plan_leaves_out_the_amount_under_an_open_dispute(settings, tmp_path):  # noqa: F811
    from .test_disputes import open_on, two_line_invoice

    customer = make_customer()
    invoice = two_line_invoice(customer)  # 120,00 + 60,00
    delivery = invoice.lines[1]
    open_on(customer, invoice, {delivery.id: 6000}, tmp_path)
    db.session.commit()

    result = proposals.preview(customer, wanted([invoice], count=2), today=MONDAY)
    assert result.ok, messages(result)
    assert result.amounts == {invoice.id: 12000}
    assert (result.total_cents, result.disputed_cents) == (12000, 6000)
    assert [c for _, c in result.schedule] == [6000, 6000]

    plan = propose(customer, wanted([invoice], count=2))

    assert plan.total_cents == 12000
    assert [(p.invoice_id, p.amount_cents) for p in plan.invoices] == [(invoice.id, 12000)]


def test_an_invoice_wholly_under_dispute_cannot_be_put_in_a_plan(settings, tmp_path):  # noqa: F811
    from .test_disputes import open_on, two_line_invoice

    customer = make_customer()
    invoice = two_line_invoice(customer)
    other = overdue_invoice(customer, amount="300.00")
    open_on(customer, invoice, {line.id: line.total_cents for line in invoice.lines}, tmp_path)
    db.session.commit()

    eligible = proposals.eligible_invoices(customer, MONDAY)
    assert [row.invoice for row in eligible] == [other]
    result = proposals.preview(customer, wanted([invoice, other], count=2), today=MONDAY)
    assert (
        "Invoice %(number)s is wholly disputed: nothing to spread until we answer."
    ) in messages(result)
    assert (result.total_cents, result.disputed_cents) == (30000, 18000)
    with pytest.raises(schedule.PlanRefused):
        propose(customer, wanted([invoice, other], count=2))


def test_a_small_first_payment_is_told_the_first_payment_minimum(settings):  # noqa: F811
    org = organisation.get()
    org.plan_min_instalment_cents = 5000
    db.session.commit()
    customer = make_customer()
    invoice = overdue_invoice(customer)
    result = proposals.preview(customer, wanted([invoice], down_payment_cents=1000), today=MONDAY)
    assert messages(result) == ["The first payment must be at least %(amount)s."]
    assert result.schedule == []


def test_over_the_maximum_names_only_the_creditors_maximum(settings):  # noqa: F811
    customer = make_customer()
    invoice = overdue_invoice(customer)
    result = proposals.preview(customer, wanted([invoice], count=500), today=MONDAY)
    assert messages(result) == [TOO_MANY]
    assert result.schedule == []
