from datetime import timedelta

from portal.services.dunning import dunning_pass, reminder_forecast

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
