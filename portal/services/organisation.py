"""The creditor's identity and policy: first-run setup and settings."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from portal.extensions import db
from portal.models import Organisation, Role
from portal.services import accounts, audit
from portal.services.errors import N_, SetupAlreadyDone
from portal.statements import built_once

#: Settings the creditor can edit (the form and the service agree on these).
EDITABLE_FIELDS = (
    "legal_name",
    "trade_name",
    "address",
    "postcode",
    "city",
    "country",
    "siren",
    "siret",
    "vat_number",
    "iban",
    "bic",
    "contact_email",
    "contact_phone",
    "currency",
    "timezone",
    "language",
    "payment_terms_days",
    "penalty_rate_basis",
    "penalty_margin_bp",
    "penalty_fixed_rate_bp",
    "recovery_indemnity_cents",
    "charge_penalties",
    "policy_notes",
    "alsace_moselle_holidays",
    "formal_notice_channel",
    "risk_threshold",
    "risk_scenario_id",
    "plans_enabled",
    "plan_max_instalments",
    "plan_max_days",
    "plan_min_instalment_cents",
    "plan_min_down_payment_pct",
    "plan_frequency",
    "plan_auto_accept_cents",
)


def get() -> Organisation | None:
    return db.session.scalar(_the_organisation())


@built_once
def _the_organisation() -> Select:
    return select(Organisation).limit(1)


def setup(
    *,
    legal_name: str,
    owner_email: str,
    owner_password: str,
    actor: audit.Actor,
    now: datetime,
    language: str = "fr",
    **identity: Any,
) -> Organisation:
    """First run: create the organisation and its owner, once."""
    if accounts.has_users():
        raise SetupAlreadyDone("The portal is already set up.")
    accounts.check_new_password(owner_password)
    organisation = get() or Organisation(legal_name=legal_name)
    organisation.legal_name = legal_name.strip()
    organisation.language = language
    for key, value in identity.items():
        if key in EDITABLE_FIELDS:
            setattr(organisation, key, value)
    db.session.add(organisation)
    db.session.flush()
    audit.record(actor, "organisation.created", "organisation", organisation.id, at=now)
    accounts.create_user(
        owner_email, owner_password, role=Role.OWNER, actor=actor, now=now, language=language
    )
    from portal.services.dunning import scenarios

    scenarios.install_defaults(now=now, actor=actor)
    return organisation


def update(values: dict[str, Any], *, actor: audit.Actor, now: datetime) -> Organisation:
    """Change settings; the audit event lists each field's old and new value."""
    organisation = get()
    if organisation is None:
        organisation = Organisation(legal_name=values.get("legal_name", ""))
        db.session.add(organisation)
    changes = {}
    for key, value in values.items():
        if key not in EDITABLE_FIELDS:
            continue
        old = getattr(organisation, key)
        if old != value:
            changes[key] = [old, value]
            setattr(organisation, key, value)
    db.session.flush()
    if changes:
        audit.record(
            actor, "organisation.updated", "organisation", organisation.id, at=now, changes=changes
        )
    return organisation


LOGO_MAX_BYTES = 1024 * 1024


def set_logo(stream, folder, *, actor: audit.Actor, now: datetime) -> Organisation:
    """Replace the logo shown to debtors (PNG or JPEG, checked by content, at most 1 MB)."""
    from portal.adapters import uploads

    data, kind = uploads.check(stream, LOGO_MAX_BYTES)
    if kind not in ("png", "jpeg"):
        raise uploads.ProofRefused(N_("The logo must be a PNG or JPEG image."))
    stored = uploads.store_proof(io.BytesIO(data), folder, max_bytes=LOGO_MAX_BYTES)
    organisation = get()
    old = organisation.logo_filename
    organisation.logo_filename = stored.filename
    audit.record(actor, "organisation.logo_changed", "organisation", organisation.id, at=now)
    if old:
        uploads.discard(folder, old)
    return organisation


def remove_logo(folder, *, actor: audit.Actor, now: datetime) -> None:
    from portal.adapters import uploads

    organisation = get()
    if organisation is None or not organisation.logo_filename:
        return
    uploads.discard(folder, organisation.logo_filename)
    organisation.logo_filename = ""
    audit.record(actor, "organisation.logo_removed", "organisation", organisation.id, at=now)
