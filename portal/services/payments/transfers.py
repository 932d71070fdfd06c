"""Paying by bank transfer: structured references and the EPC ("GiroCode") QR code.

Each selection of invoices gets its own ISO 11649 creditor reference (RF…), so
the transfer can be matched to exactly those invoices when it arrives.
"""

from __future__ import annotations

import secrets
from datetime import datetime

import qrcode
import qrcode.image.svg
from sqlalchemy import select

from portal.extensions import db
from portal.models import Customer, Organisation, TransferReference
from portal.services import audit
from portal.services.payments.selection import Selection
from portal.values.banking import normalise_iban
from portal.values.creditor_references import make_rf

#: Letters and digits that cannot be misread when typed from a phone screen.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
REFERENCE_BODY_LENGTH = 12


def reference_for(
    customer: Customer, selection: Selection, *, now: datetime, actor: audit.Actor
) -> TransferReference:
    """The reference for this exact selection: the same selection gets the same reference."""
    for existing in db.session.scalars(
        select(TransferReference)
        .where(
            TransferReference.customer_id == customer.id,
            TransferReference.amount_cents == selection.total_cents,
            TransferReference.matched_payment_id.is_(None),
        )
        .order_by(TransferReference.id.desc())
        .limit(20)
    ):
        if {int(k): v for k, v in existing.allocations.items()} == selection.allocations:
            return existing
    while True:
        body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_BODY_LENGTH))
        reference = make_rf(body)
        if not db.session.scalar(
            select(TransferReference.id).where(TransferReference.reference == reference)
        ):
            break
    row = TransferReference(
        reference=reference,
        customer_id=customer.id,
        amount_cents=selection.total_cents,
        currency=selection.currency,
        allocations={str(k): v for k, v in selection.allocations.items()},
        created_at=now,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        actor,
        "transfer_reference.created",
        "transfer_reference",
        row.id,
        at=now,
        customer_id=customer.id,
        reference=reference,
        amount_cents=row.amount_cents,
        currency=row.currency,
    )
    return row


def epc_payload(
    organisation: Organisation, amount_cents: int, currency: str, reference: str, *, text: str = ""
) -> str:
    """EPC069-12 version 002 payload (the SEPA credit transfer QR code banking apps scan).

    `reference` is a structured (RF) reference; without one, `text` is the free remittance text.
    """
    if currency != "EUR":
        raise ValueError("EPC QR codes are for euro transfers only")
    amount = f"EUR{amount_cents // 100}.{amount_cents % 100:02d}"
    lines = [
        "BCD",
        "002",
        "1",
        "SCT",
        (organisation.bic or "").upper(),
        (organisation.legal_name or "")[:70],
        normalise_iban(organisation.iban),
        amount,
        "",  # purpose
        reference,  # structured remittance information
        "" if reference else text[:140],  # unstructured: exclusive with the structured one
    ]
    return "\n".join(lines)


def qr_svg(payload: str) -> str:
    """An SVG QR code (error correction M, as the EPC guidelines ask)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(payload.encode("utf-8"))
    code.make(fit=True)
    image = code.make_image(image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode")
