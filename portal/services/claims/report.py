"""A claim as plain data and as text: what `portal claim` prints, and the JSON scripts read."""

from __future__ import annotations

from decimal import Decimal

from portal.services.claims.claim import Claim, InvoiceClaim
from portal.services.claims.rate_table import half_year_end


def as_json(owed: Claim) -> dict:
    """Amounts in cents; a segment's exact amount as a decimal string (rounded once per invoice)."""
    invoices = [_invoice(line) for line in owed.invoices]
    principal = sum(i["principal_cents"] for i in invoices)
    penalty = sum(i["penalty_cents"] for i in invoices)
    indemnity = sum(i["indemnity_cents"] for i in invoices)
    return {
        "customer_ref": owed.customer.ref,
        "as_of": owed.as_of.isoformat(),
        "invoices": invoices,
        "total_principal_cents": principal,
        "total_penalty_cents": penalty,
        "total_indemnity_cents": indemnity,
        "total_cents": principal + penalty + indemnity,
    }


def _invoice(line: InvoiceClaim) -> dict:
    return {
        "number": line.invoice.number,
        "principal_cents": line.principal_cents,
        "penalty_cents": line.penalty_cents,
        "indemnity_cents": line.indemnity_cents,
        "paid_late": line.paid_late,
        "segments": [
            {
                "start": s.start.isoformat(),
                "end": s.end.isoformat(),
                "balance_cents": s.balance_cents,
                "annual_rate_bp": s.rate_bp,
                "days": s.days,
                "amount_cents": str(s.amount.quantize(Decimal("0.000001"))),
            }
            for s in line.segments
        ],
    }


def missing_text(owed: Claim) -> str:
    halves = ", ".join(
        f"{d.isoformat()} to {half_year_end(d).isoformat()}" for d in owed.missing_half_years
    )
    return (
        f"Penalties cannot be computed: the reference rates of {halves} are missing."
        " Enter them in Settings > Reference rates."
    )


def as_text(owed: Claim) -> list[str]:
    """One line per invoice and per segment, then the totals."""
    lines = [f"Claim on {owed.customer.ref} ({owed.customer.name}) as of {owed.as_of.isoformat()}"]
    for line in owed.invoices:
        state = "paid late" if line.paid_late else "unpaid"
        lines.append(
            f"{line.invoice.number} ({state}, due {line.invoice.due_date.isoformat()}, "
            f"{line.days_late} days late): principal {_euros(line.principal_cents)}, "
            f"penalty {_euros(line.penalty_cents)}, indemnity {_euros(line.indemnity_cents)}"
        )
        for s in line.segments:
            rate = "missing rate" if s.rate_bp is None else f"{Decimal(s.rate_bp) / 100:.2f} %"
            lines.append(
                f"  {s.start.isoformat()} to {s.end.isoformat()}: {_euros(s.balance_cents)}"
                f" at {rate} for {s.days} days = {s.amount / 100:.6f}"
            )
    data = as_json(owed)
    lines.append(
        f"Total: principal {_euros(data['total_principal_cents'])}, penalties "
        f"{_euros(data['total_penalty_cents'])}, indemnities "
        f"{_euros(data['total_indemnity_cents'])}, total {_euros(data['total_cents'])}"
    )
    return lines


def _euros(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"
