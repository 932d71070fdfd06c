"""The matcher's choices on their own, without a database."""

from datetime import date

from portal.models import MatchRule
from portal.services.bank.references import find_rf_references, rf_candidates
from portal.services.reconciliation.invoice_numbers import OpenInvoice
from portal.services.reconciliation.matching import IssuedReference, Matcher

#: A reference whose longest reading with the next word also passes the check.
AMBIGUOUS = "RF223EB57NQ7V2HR"


def test_a_reference_that_reads_two_ways_is_matched_by_the_one_issued():
    lines = ["PAIEMENT RF223EB57", "NQ7V2HR MERCI"]
    assert find_rf_references(lines) == ("RF223EB57NQ7V2HRMERCI",)  # the longest reading
    assert rf_candidates(lines) == ("RF223EB57NQ7V2HRMERCI", AMBIGUOUS)
    invoice = OpenInvoice(1, "F-1", 7, 12_000, date(2026, 10, 1), "EUR")
    matcher = Matcher([invoice], {AMBIGUOUS: IssuedReference(AMBIGUOUS, 7, (1,))}, {}, [])
    match = matcher.match(
        12_000, "EUR", references=[], text="\n".join(lines), payer_iban="", payer_name=""
    )
    assert (match.rule, match.customer_id, match.shares, match.excess_cents) == (
        MatchRule.RF_REFERENCE,
        7,
        [(1, 12_000)],
        0,
    )


def test_two_sets_of_invoices_fitting_the_amount_are_only_a_suggestion():
    invoices = [
        OpenInvoice(1, "F-1", 7, 5_000, date(2026, 9, 1), "EUR"),
        OpenInvoice(2, "F-2", 7, 5_000, date(2026, 10, 1), "EUR"),
    ]
    matcher = Matcher(invoices, {}, {"FR7610107001011234567890129": 7}, [])
    match = matcher.match(
        5_000,
        "EUR",
        references=[],
        text="",
        payer_iban="FR7610107001011234567890129",
        payer_name="",
    )
    assert match.rule is MatchRule.PAYER and match.automatic is False
