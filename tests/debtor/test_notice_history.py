"""A formal notice the creditor posted shows in the debtor's own history, with its date."""

from __future__ import annotations

from datetime import date

from portal.extensions import db
from portal.services.audit import Actor
from portal.services.dunning import notice_letters

from ..conftest import NOW, TODAY
from ..factories import make_customer


def test_the_posting_date_and_tracking_number_show_in_the_debtors_history(app, debtor_client):
    customer = make_customer(language="en")
    notice_letters.record_posted(
        customer,
        posted_on=date(2026, 11, 20),
        registered=True,
        tracking_number="1A23456789012",
        actor=Actor.cli(),
        now=NOW,
        today=TODAY,
    )
    db.session.commit()

    page = debtor_client(customer).get("/account/history").get_data(as_text=True)

    assert "Formal notice posted" in page
    assert "posted on 20 Nov 2026, registered letter" in page
    assert "tracking number 1A23456789012" in page
