"""The creditor: the one business this portal collects for."""

from __future__ import annotations

import enum

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import enum_column


class PenaltyRateBasis(enum.StrEnum):
    """Where the late-payment penalty rate between businesses comes from (L441-10)."""

    STATUTORY = "statutory"
    """No rate in the contract: ECB + 10 points, with no floor."""
    ECB_MARGIN = "ecb_margin"
    """The contract's ECB + a margin, never below 3 × the legal rate."""
    FIXED = "fixed"
    """The contract's fixed rate, never below 3 × the legal rate."""


class Organisation(db.Model):
    """Identity, bank details and late-payment policy of the creditor.

    A deployment serves one creditor, so there is one row; it is created by the
    setup page or the demo loader.
    """

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    legal_name: Mapped[str] = mapped_column(String(200))
    trade_name: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    postcode: Mapped[str] = mapped_column(String(20), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(2), default="FR")
    siren: Mapped[str] = mapped_column(String(9), default="")
    siret: Mapped[str] = mapped_column(String(14), default="")
    vat_number: Mapped[str] = mapped_column(String(20), default="")
    iban: Mapped[str] = mapped_column(String(34), default="")
    bic: Mapped[str] = mapped_column(String(11), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    logo_filename: Mapped[str] = mapped_column(String(100), default="")
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    language: Mapped[str] = mapped_column(String(2), default="fr")
    alsace_moselle_holidays: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    """Good Friday and 26 December are public holidays too (Bas-Rhin, Haut-Rhin, Moselle)."""
    formal_notice_channel: Mapped[str] = mapped_column(
        String(10), default="email", server_default="email"
    )
    """How formal notices go out: email, post (a letter to post and a task), or both."""
    risk_threshold: Mapped[int | None] = mapped_column(Integer)
    """A payer-risk score (1–100) from which customers follow `risk_scenario_id`; None is off."""
    risk_scenario_id: Mapped[int | None] = mapped_column(ForeignKey("scenarios.id"))
    """The stricter scenario for risky customers who have no scenario chosen on their page."""

    # Late-payment policy (defaults from the French Code de commerce).
    payment_terms_days: Mapped[int] = mapped_column(Integer, default=30)
    penalty_rate_basis: Mapped[PenaltyRateBasis] = mapped_column(
        enum_column(PenaltyRateBasis), default=PenaltyRateBasis.STATUTORY
    )
    penalty_margin_bp: Mapped[int] = mapped_column(Integer, default=1000)
    """The contract's points above the ECB rate, in basis points (10 points = 1000)."""
    penalty_fixed_rate_bp: Mapped[int | None] = mapped_column(Integer)
    """The contract's fixed annual rate, in basis points (12 % = 1200)."""
    recovery_indemnity_cents: Mapped[int] = mapped_column(Integer, default=4000)
    """At most the 40 € of D441-5 (less is a waiver); higher costs are claimed apart, justified."""
    charge_penalties: Mapped[bool] = mapped_column(Boolean, default=True)
    policy_notes: Mapped[str] = mapped_column(Text, default="")

    # Self-service rules for debtors (instalment plans and promises to pay).
    plans_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    plan_max_instalments: Mapped[int] = mapped_column(Integer, default=6)
    plan_max_days: Mapped[int] = mapped_column(Integer, default=180)
    plan_min_instalment_cents: Mapped[int] = mapped_column(Integer, default=5000)
    plan_min_down_payment_pct: Mapped[int] = mapped_column(Integer, default=0)
    plan_frequency: Mapped[str] = mapped_column(String(20), default="monthly")
    """weekly, monthly, or chosen (dates chosen by the debtor)."""
    plan_auto_accept_cents: Mapped[int] = mapped_column(Integer, default=200000)
    promise_max_days: Mapped[int] = mapped_column(Integer, default=30)

    require_two_factor: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Every dashboard user must use an authenticator app (set by the owner on the users page)."""

    @property
    def display_name(self) -> str:
        return self.trade_name or self.legal_name

    @property
    def address_lines(self) -> list[str]:
        city = " ".join(part for part in (self.postcode, self.city) if part)
        return [line for line in (self.address, city) if line]
