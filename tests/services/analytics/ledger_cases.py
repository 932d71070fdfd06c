"""A small hand-made ledger whose figures were worked out on paper.

Period: the 30 days ending 2026-06-30, so the window is (2026-05-31, 2026-06-30].
Every invoice is tax-free so its total is its amount.

| invoice | issued | due   | total | what happened                              | owed at T | owed at T-30 |
|---------|--------|-------|-------|--------------------------------------------|-----------|--------------|
| A       | 04-01  | 05-01 | 1 000 | paid 400 on 05-20, 600 on 06-15            | 0         | 600          |
| B       | 05-15  | 06-14 | 500   | credit note of 100 on 06-20                | 400 (16 d late) | 500    |
| C       | 06-10  | 07-10 | 2 000 | paid 500 on 06-25                          | 1 500 (not due) | -      |
| D       | 06-05  | 06-20 | 300   | nothing; 50 sent unallocated on 06-28      | 300 (10 d late) | -      |
| F       | 06-01  | 06-15 | 100   | paid in full on 06-10                      | 0         | -            |
| E       | 07-05  | 08-04 | 999   | issued after T: counts nowhere             | -         | -            |

S = 2 000 + 300 + 100 - 100 = 2 300; AR(T) = 2 200; CAR(T) = 1 500; AR(T-30) = 1 100.
DSO = 2 200 / 2 300 × 30 = 28.695…; best = 1 500 / 2 300 × 30 = 19.565…;
DBT = 9.130…; CEI = (1 100 + 2 300 - 2 200) / (1 100 + 2 300 - 1 500) × 100 = 63.157…;
ADD = (400 × 16 + 300 × 10) / 700 = 13.428…; overdue share = 700 / 2 200 × 100 = 31.818…
"""

from __future__ import annotations

from datetime import date

from portal.extensions import db
from portal.models import PaymentMethod
from portal.services.audit import Actor
from portal.services.payments import ledger

from ...conftest import NOW
from ...factories import make_customer, make_invoice

T = date(2026, 6, 30)
DAYS = 30
ACTOR = Actor.system()


def _invoice(customer, amount: str, issued: date, due: date):
    return make_invoice(customer, amount=amount, tax_rate="0", issue_date=issued, due_date=due)


def pay(invoice, cents: int, on: date) -> None:
    ledger.record_payment(
        invoice,
        amount_cents=cents,
        paid_on=on,
        method=PaymentMethod.TRANSFER,
        reference="",
        actor=ACTOR,
        now=NOW,
    )


def build() -> dict:
    first, second = make_customer(), make_customer()
    a = _invoice(first, "1000.00", date(2026, 4, 1), date(2026, 5, 1))
    b = _invoice(first, "500.00", date(2026, 5, 15), date(2026, 6, 14))
    c = _invoice(second, "2000.00", date(2026, 6, 10), date(2026, 7, 10))
    d = _invoice(second, "300.00", date(2026, 6, 5), date(2026, 6, 20))
    f = _invoice(first, "100.00", date(2026, 6, 1), date(2026, 6, 15))
    e = _invoice(second, "999.00", date(2026, 7, 5), date(2026, 8, 4))
    pay(a, 40_000, date(2026, 5, 20))
    pay(a, 60_000, date(2026, 6, 15))
    ledger.record_credit_note(
        b, amount_cents=10_000, issued_on=date(2026, 6, 20), reason="", actor=ACTOR, now=NOW
    )
    pay(c, 50_000, date(2026, 6, 25))
    pay(f, 10_000, date(2026, 6, 10))
    ledger.record_received_payment(
        [(d, 0)],
        customer_id=second.id,
        currency="EUR",
        amount_cents=5_000,
        paid_on=date(2026, 6, 28),
        method=PaymentMethod.TRANSFER,
        reference="",
        actor=ACTOR,
        now=NOW,
        source="bank",
    )
    db.session.commit()
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "first": first, "second": second}
