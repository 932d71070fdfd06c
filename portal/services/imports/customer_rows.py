"""Checking one row of a customers file, and what the file may write in it.

Customer files are the ones people fill in by hand, in French or in English:
"particulier" is a consumer, "France" is FR, a SIREN may be written with
spaces. Each row is checked in full and turned into the model's values;
only the columns present in the file are kept, so an absent column never
overwrites what is stored.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from portal.models import CustomerKind
from portal.services.customers import invalid_emails, split_emails, valid_timezone
from portal.services.errors import N_
from portal.services.imports import cells
from portal.services.imports.report import ImportRun

CUSTOMER_KINDS = {
    "business": CustomerKind.BUSINESS,
    "entreprise": CustomerKind.BUSINESS,
    "professionnel": CustomerKind.BUSINESS,
    "consumer": CustomerKind.CONSUMER,
    "particulier": CustomerKind.CONSUMER,
}
LANGUAGES = ("fr", "en")
_CUSTOMER_TEXT_LIMITS = {
    "name": 200,
    "phone": 40,
    "address": 300,
    "postcode": 20,
    "city": 100,
    "segment": 64,
}
_COUNTRY_RE = re.compile(r"[A-Z]{2}")
_SIREN_RE = re.compile(r"[0-9]{9}")


@dataclass
class CustomerRow:
    """One checked row: the customer's ref, the model values the file gives, its addresses."""

    row: int
    ref: str
    fields: dict[str, Any]
    """Model columns present in the file; absent columns keep their stored value."""
    emails: list[str]

    def digest(self) -> bytes:
        """Equal for two rows that say the same thing (a ref given twice must)."""
        data = repr((sorted((k, str(v)) for k, v in self.fields.items()), self.emails))
        return hashlib.blake2b(data.encode(), digest_size=16).digest()


def parse_customer(run: ImportRun, row: int, values: dict[str, str]) -> CustomerRow | None:
    errors_before = len(run.result.errors)
    ref = cells.text(run, row, "ref", cells.required(run, row, "ref", values["ref"]), 64)
    fields: dict[str, Any] = {"name": cells.required(run, row, "name", values["name"])}
    for column, limit in _CUSTOMER_TEXT_LIMITS.items():
        if column in values:
            fields[column] = cells.text(run, row, column, values[column], limit)
    # An empty kind is no kind: a stored customer keeps theirs, a new one is a business,
    # and the preview says how many (their wording and the 40 € indemnity depend on it).
    if values.get("kind", "").strip():
        fields["kind"] = _customer_kind(run, row, values["kind"].strip())
    if "language" in values:
        fields["language"] = _language(run, row, values["language"])
    if "country" in values:
        fields["country"] = _country(run, row, values["country"])
    if "siren" in values:
        fields["siren"] = _siren(run, row, values["siren"])
    if "timezone" in values:
        fields["timezone"] = _timezone(run, row, values["timezone"])
    emails = split_emails(cells.required(run, row, "email", values["email"]))
    bad = invalid_emails(emails) + [e for e in emails if len(e) > 254]
    if bad:
        run.error(row, "email", N_("not a valid email address: %(emails)s"), emails=", ".join(bad))
    if len(run.result.errors) > errors_before:
        return None
    return CustomerRow(row, ref, fields, emails)


def _customer_kind(run: ImportRun, row: int, value: str) -> CustomerKind:
    kind = CUSTOMER_KINDS.get(value.lower())
    if kind is None:
        run.error(
            row,
            "kind",
            N_("not a valid customer kind (business or consumer): %(value)s"),
            value=value,
        )
        return CustomerKind.BUSINESS
    return kind


def _timezone(run: ImportRun, row: int, value: str) -> str:
    """Where the debtor lives (America/Martinique); empty: the organisation's."""
    zone = value.strip()
    if zone and not valid_timezone(zone):
        run.error(
            row, "timezone", N_("not a known timezone (as Europe/Paris): %(value)s"), value=value
        )
    return zone


def _language(run: ImportRun, row: int, value: str) -> str:
    language = value.lower() or "fr"
    if language not in LANGUAGES:
        run.error(row, "language", N_("not a valid language (fr or en): %(value)s"), value=value)
    return language


def _country(run: ImportRun, row: int, value: str) -> str:
    country = "FR" if not value or value.lower() == "france" else value.upper()
    if not _COUNTRY_RE.fullmatch(country):
        run.error(
            row,
            "country",
            N_("not a valid country code (two letters, as FR): %(value)s"),
            value=value,
        )
    return country


def _siren(run: ImportRun, row: int, value: str) -> str:
    siren = value.replace(" ", "").replace("\u00a0", "")
    if siren and not _SIREN_RE.fullmatch(siren):
        run.error(row, "siren", N_("not a valid SIREN (9 digits): %(value)s"), value=value)
    return siren
