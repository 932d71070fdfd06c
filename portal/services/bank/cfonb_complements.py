"""The 05 records of a CFONB 120 statement: what completes the movement before them.

Before SEPA, a 05 record only continued the movement's 31-character label.
Since SEPA, banks also qualify each complement (columns 46-48) to pass on
what the payment carried: LIB for a line of remittance information, NPY and
NBE for the payer's and the beneficiary's names, IPY and IBE for their
identifiers (an IBAN, when it is one), RCN for the end-to-end reference, REF
for a reference. An unqualified or unknown complement is read as label text,
so nothing the bank wrote is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.values.banking import iban_is_valid, normalise_iban

NOT_PROVIDED = "NOTPROVIDED"
#: Complements that add nothing a person or the matching reads (mandate, creditor id, amounts).
IGNORED = {"RUM", "ICS", "MMO", "CBE"}
#: Qualifiers read as values rather than label text: names, identifiers, references.
KNOWN = {"NPY", "NBE", "IPY", "IBE", "RCN", "REF", "NPO", "NBU", "IPO", "IBU"}


@dataclass
class Complements:
    """The qualified values of a movement's 05 records, in file order."""

    label_lines: list[str] = field(default_factory=list)
    values: dict[str, list[str]] = field(default_factory=dict)

    def add(self, qualifier: str, information: str) -> None:
        qualifier, information = qualifier.strip().upper(), information.strip()
        if not information or qualifier in IGNORED:
            return
        if qualifier not in KNOWN:  # LIB, blank (a plain continuation) or unknown
            self.label_lines.append(information)
        else:
            self.values.setdefault(qualifier, []).append(information)

    def _first(self, qualifier: str) -> str:
        return self.values.get(qualifier, [""])[0]

    def counterparty_name(self, credit: bool) -> str:
        """The payer for a credit, the beneficiary for a debit (the other when one is missing)."""
        ours, other = ("NPY", "NBE") if credit else ("NBE", "NPY")
        return self._first(ours) or self._first(other)

    def counterparty_iban(self, credit: bool) -> str:
        for qualifier in ("IPY", "IBE") if credit else ("IBE", "IPY"):
            candidate = normalise_iban(self._first(qualifier))
            if iban_is_valid(candidate):
                return candidate
        return ""

    @property
    def end_to_end_id(self) -> str:
        value = self._first("RCN")
        return "" if value.upper() == NOT_PROVIDED else value

    @property
    def references(self) -> list[str]:
        return self.values.get("REF", [])
