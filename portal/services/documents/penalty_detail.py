"""How the penalties of a formal notice were computed: each invoice's segments and the conventions.

A debtor, or a judge, can check every figure by hand: the period, the balance,
the annual rate and the days of each segment, and the conventions the portal
follows where the texts leave a choice.
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from reportlab.platypus import Flowable

from portal.services.claims.claim import Claim
from portal.services.claims.interest import round_half_up
from portal.services.documents import layout
from portal.services.documents.document_text import Formats


def conventions(owed: Claim) -> str:
    """The conventions, as the README states them."""
    start = (
        _("Interest runs from the day after the due date.")
        if owed.business
        else _("Interest runs from the day after our first formal notice.")
    )
    return " ".join(
        [
            start,
            _(
                "Each day bears interest on the balance due at the end of the previous day, so "
                "a payment still bears interest on its own date; a day is the annual rate "
                "divided by 365, in leap years too; each half-year uses the rate in force on "
                "1 January or 1 July; each invoice's interest is summed exactly and rounded to "
                "the nearest cent once."
            ),
        ]
    )


def segments(owed: Claim, f: Formats) -> list[Flowable]:
    """One row per segment of every invoice that bears interest."""
    rows = []
    for line in owed.invoices:
        currency = line.invoice.currency
        for segment in line.segments:
            rows.append(
                [
                    line.invoice.number,
                    _(
                        "%(start)s to %(end)s",
                        start=f.day(segment.start, "short"),
                        end=f.day(segment.end, "short"),
                    ),
                    f.money(segment.balance_cents, currency),
                    f.rate(Decimal(segment.rate_bp or 0).scaleb(-2)),
                    str(segment.days),
                    f.money(round_half_up(segment.amount), currency),
                ]
            )
    if not rows:
        return []
    header = [_("Invoice"), _("Period"), _("Balance"), _("Annual rate"), _("Days"), _("Interest")]
    return [
        layout.para(_("Detail of the late-payment interest"), layout.LABEL),
        layout.grid(header, rows, widths=[27, 46, 27, 24, 16, 24], numeric={2, 3, 4, 5}),
        layout.para(conventions(owed), layout.SMALL),
        layout.space(3),
    ]
