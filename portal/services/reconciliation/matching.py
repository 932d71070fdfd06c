"""Deciding what one credit pays, most certain evidence first.

1. An RF reference the portal issued names the exact invoices it was given for.
2. Invoice numbers in the remittance text name invoices of one customer.
3. A payer the creditor already confirmed (by IBAN), or a close name, with one
   open invoice or a set of them whose outstanding equals the amount: a
   suggestion, recorded without asking only when the IBAN is known and the
   match is unique.
4. Anything else waits in the inbox.

A reference or invoice numbers are strong enough to record a partial payment
(oldest due date first) or an overpayment (the excess stays as the customer's
credit). The matcher keeps what each invoice still owes as it goes, so two
transfers for the same invoice in one statement cannot both pay it in full.
Nothing here writes: `recording` applies the decisions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

from portal.models import MatchRule
from portal.services.bank.references import rf_candidates
from portal.services.reconciliation.invoice_numbers import InvoiceNumberIndex, OpenInvoice
from portal.services.reconciliation.payer_names import NameIndex
from portal.values.banking import normalise_iban

#: A customer's open invoices tried as sets whose outstanding may equal a transfer.
MAX_SUBSET_INVOICES = 12


@dataclass
class Match:
    rule: MatchRule
    customer_id: int
    shares: list[tuple[int, int]]
    """(invoice id, cents) paid by the credit, oldest due date first."""
    excess_cents: int = 0
    """What the credit brings beyond what the invoices owe: the customer's credit."""
    automatic: bool = True
    """Recorded at once; otherwise a suggestion the creditor confirms."""
    why: str = ""
    reference: str = ""


@dataclass(frozen=True)
class IssuedReference:
    """An RF reference the portal gave a debtor, and the invoices it stands for."""

    reference: str
    customer_id: int
    invoice_ids: tuple[int, ...]


@dataclass
class Matcher:
    invoices: list[OpenInvoice]
    references: dict[str, IssuedReference]
    payer_ibans: dict[str, int]
    customer_names: list[tuple[int, str]]
    outstanding: dict[int, int] = field(init=False)

    def __post_init__(self) -> None:
        self.outstanding = {i.id: i.outstanding_cents for i in self.invoices}
        self.numbers = InvoiceNumberIndex(self.invoices)
        self.names = NameIndex(self.customer_names)
        self.by_customer: dict[int, list[OpenInvoice]] = {}
        for invoice in sorted(self.invoices, key=lambda i: (i.due_date, i.id)):
            self.by_customer.setdefault(invoice.customer_id, []).append(invoice)

    def match(
        self,
        amount_cents: int,
        currency: str,
        *,
        references: list[str],
        text: str,
        payer_iban: str,
        payer_name: str,
    ) -> Match | None:
        """The decision for one credit, or None when it must wait in the inbox."""
        return (
            self._by_reference(amount_cents, references, text)
            or self._by_numbers(amount_cents, currency, text)
            or self._by_payer(amount_cents, currency, payer_iban, payer_name)
        )

    def settle(self, match: Match) -> None:
        """Count a recorded match, so later entries see what is left to pay."""
        for invoice_id, cents in match.shares:
            self.outstanding[invoice_id] -= cents

    def _by_reference(self, amount: int, references: list[str], text: str) -> Match | None:
        for found in rf_candidates([*references, *text.split("\n")]):
            issued = self.references.get(found)
            if issued is None:
                continue
            invoices = [self._invoice(i) for i in issued.invoice_ids if i in self.outstanding]
            shares, excess = self._allocate(amount, [i for i in invoices if i is not None])
            return Match(
                MatchRule.RF_REFERENCE,
                issued.customer_id,
                shares,
                excess,
                why=found,
                reference=found,
            )
        return None

    def _by_numbers(self, amount: int, currency: str, text: str) -> Match | None:
        named = [i for i in self.numbers.find(text) if i.currency == currency]
        named = [i for i in named if self.outstanding.get(i.id, 0) > 0]
        if not named or len({i.customer_id for i in named}) != 1:
            return None
        shares, excess = self._allocate(amount, named)
        numbers = ", ".join(i.number for i in named)
        return Match(MatchRule.INVOICE_NUMBER, named[0].customer_id, shares, excess, why=numbers)

    def _by_payer(self, amount: int, currency: str, iban: str, name: str) -> Match | None:
        known = self.payer_ibans.get(normalise_iban(iban)) if iban else None
        customer_id = known or (self.names.find(name) if name else None)
        if customer_id is None:
            return None
        open_ = [
            i
            for i in self.by_customer.get(customer_id, [])
            if i.currency == currency and self.outstanding[i.id] > 0
        ]
        sets = self._sets_equal_to(amount, open_)
        if not sets:
            return None
        chosen = sets[0]
        return Match(
            MatchRule.PAYER,
            customer_id,
            [(i.id, self.outstanding[i.id]) for i in chosen],
            automatic=known is not None and len(sets) == 1,
            why="iban" if known else "name",
        )

    def _sets_equal_to(self, amount: int, invoices: list[OpenInvoice]) -> list[list[OpenInvoice]]:
        """Sets of invoices whose outstanding equals the amount: one invoice, then the oldest
        first, then any combination of a few (at most two sets: two mean ambiguous)."""
        found: list[list[OpenInvoice]] = []
        singles = [[i] for i in invoices if self.outstanding[i.id] == amount]
        found += singles[:2]
        running = 0
        for n, invoice in enumerate(invoices, 1):
            running += self.outstanding[invoice.id]
            if running == amount and n > 1:
                found.append(invoices[:n])
                break
        if not found and len(invoices) <= MAX_SUBSET_INVOICES:
            for size in range(2, len(invoices) + 1):
                for subset in combinations(invoices, size):
                    if sum(self.outstanding[i.id] for i in subset) == amount:
                        found.append(list(subset))
                        if len(found) > 1:
                            return found
        return found

    def _allocate(
        self, amount: int, invoices: list[OpenInvoice]
    ) -> tuple[list[tuple[int, int]], int]:
        """Oldest due date first, never more than each invoice still owes; the rest is excess."""
        shares, left = [], amount
        for invoice in sorted(invoices, key=lambda i: (i.due_date, i.id)):
            cents = min(left, max(self.outstanding.get(invoice.id, 0), 0))
            if cents > 0:
                shares.append((invoice.id, cents))
                left -= cents
        return shares, left

    def _invoice(self, invoice_id: int) -> OpenInvoice | None:
        return self.numbers.by_id.get(invoice_id)
