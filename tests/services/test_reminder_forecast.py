from datetime import timedelta

from portal.extensions import db
from portal.models import (
    AttemptStatus,
    CheckoutAttempt,
    DeclarationStatus,
    Dispute,
    DisputeReason,
    DisputeStatus,
    InstalmentPlan,
    PaidDeclaration,
    PlanInvoice,
    PlanStatus,
    Promise,
)
from portal.services.dunning import dunning_pass, holds, reminder_forecast

from ..factories import make_customer, make_invoice
from .test_dunning import MONDAY, at, settings  # noqa: F401 - fixture


def test_upcoming_week_and_customer_outlook(settings):  # noqa: F811
    customer = make_customer()
    soon = make_invoice(
        customer, issue_date=MONDAY - timedelta(days=25), due_date=MONDAY + timedelta(days=5)
    )
    late = make_invoice(
        customer, issue_date=MONDAY - timedelta(days=31), due_date=MONDAY - timedelta(days=1)
    )
    week = reminder_forecast.upcoming(MONDAY, settings)
    assert [d.day for d in week] == [MONDAY + timedelta(days=n) for n in range(7)]
    # today: the first reminder of `late`; Wednesday (D-3 of `soon`): its courtesy notice
    assert week[0].emails == 1 and week[0].steps == {"First reminder": 1}
    assert week[2].steps == {"Courtesy notice": 1}
    outlook = reminder_forecast.for_customer(customer, MONDAY, settings)
    assert outlook[soon.id].next_step == "Courtesy notice" and outlook[
        soon.id
    ].next_date == MONDAY + timedelta(days=2)
    assert outlook[late.id].next_date == MONDAY

    dunning_pass.run_pass(at(MONDAY), settings)
    outlook = reminder_forecast.for_customer(customer, MONDAY, settings)
    # the second reminder waits for D+8, a Tuesday
    assert outlook[late.id].next_step == "Second reminder"
    assert outlook[late.id].next_date == MONDAY + timedelta(days=7)
    done = reminder_forecast.done_for_invoice(late.id)
    assert [(d.step_name, str(d.action.status)) for d in done] == [
        ("Courtesy notice", "skipped"),
        ("First reminder", "sent"),
    ]
    assert done[1].action.message_id is not None


def hold_every_way(customer, now) -> dict[str, int]:
    """One overdue invoice of `customer` per kind of hold, written as the features write them."""

    def overdue():
        return make_invoice(
            customer, issue_date=MONDAY - timedelta(days=60), due_date=MONDAY - timedelta(days=30)
        )

    invoices = {kind: overdue() for kind in ("checkout", "dispute", "plan", "promise", "declared")}
    invoices["free"] = overdue()
    invoices["refused"] = overdue()  # a refused dispute: its amount waits a week, not the rest
    ids = {kind: invoice.id for kind, invoice in invoices.items()}
    db.session.add_all(
        [
            CheckoutAttempt(
                customer_id=customer.id,
                idempotency_key=f"k{ids['checkout']}",
                amount_cents=100,
                currency="EUR",
                allocations={str(ids["checkout"]): 100},
                status=AttemptStatus.PROCESSING,
                created_at=now,
                updated_at=now,
            ),
            Dispute(
                customer_id=customer.id,
                invoice_id=ids["dispute"],
                reason=DisputeReason.NOT_RECEIVED,
                amount_cents=invoices["dispute"].outstanding_cents,
                created_at=now,
            ),
            Dispute(
                customer_id=customer.id,
                invoice_id=ids["refused"],
                reason=DisputeReason.NOT_RECEIVED,
                status=DisputeStatus.REJECTED,
                amount_cents=500,
                resume_on=MONDAY + timedelta(days=7),
                created_at=now,
            ),
            InstalmentPlan(
                customer_id=customer.id,
                status=PlanStatus.ACTIVE,
                total_cents=100,
                created_at=now,
                invoices=[PlanInvoice(invoice_id=ids["plan"], amount_cents=100)],
            ),
            Promise(
                customer_id=customer.id,
                invoice_ids=[ids["promise"]],
                invoice_key=str(ids["promise"]),
                promised_date=MONDAY + timedelta(days=3),
                created_at=now,
            ),
            PaidDeclaration(
                customer_id=customer.id,
                invoice_ids=[ids["declared"]],
                paid_on=MONDAY,
                amount_cents=100,
                currency="EUR",
                method="transfer",
                status=DeclarationStatus.PENDING,
                pause_until=MONDAY + timedelta(days=7),
                created_at=now,
            ),
        ]
    )
    db.session.commit()
    return ids


def test_one_customers_outlook_reads_only_its_own_holds(settings):  # noqa: F811
    """The debtor's page asks for one customer: same holds as the pass sees for it, no others."""
    mine, other = make_customer(), make_customer()
    my_ids = hold_every_way(mine, at(MONDAY))
    other_ids = hold_every_way(other, at(MONDAY))

    everyone = holds.for_today(MONDAY)
    just_mine = holds.for_today(MONDAY, [mine.id])
    held = {my_ids[k] for k in ("checkout", "dispute", "plan", "promise", "declared")}
    assert held <= everyone.invoice_ids and held == just_mine.invoice_ids
    assert not set(other_ids.values()) & just_mine.invoice_ids
    assert just_mine.amounts_on_hold == {
        i: c for i, c in everyone.amounts_on_hold.items() if i in set(my_ids.values())
    }
    assert just_mine.amounts_on_hold[my_ids["refused"]] == 500

    outlook = reminder_forecast.for_customer(mine, MONDAY, settings)
    assert set(outlook) == {my_ids["free"], my_ids["refused"]}
