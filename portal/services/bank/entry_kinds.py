"""What kind of movement an entry is, from the codes banks put on it.

Each format has its own vocabulary: ISO 20022 bank transaction codes in camt
(domain, family, sub-family), SWIFT transaction types in MT940 (NTRF, NCHG…),
TRNTYPE in OFX. Where the code says nothing useful (OFX's CREDIT and DEBIT,
MT940's NMSC, CFONB whose operation codes differ from bank to bank) the label
decides: French banks start it with the same few abbreviations (VIR, PRLV,
CB, FRAIS, IMPAYE…). Only the first words of a label are read, the bank's
own; what follows is often the payer's free text, which must not turn a
transfer that mentions "frais" into a bank fee.
"""

from __future__ import annotations

import re
import unicodedata

from portal.services.bank.statement import EntryKind

#: ISO 20022 sub-families that undo an earlier payment (returns, reversals, unpaid items).
RETURN_SUBFAMILIES = {"RRTN", "RPCR", "UPDD", "PRDD", "ARET", "AREV", "UPCQ"}
#: ISO 20022 sub-families that are the bank's charges.
FEE_SUBFAMILIES = {"CHRG", "FEES", "COMM"}
#: ISO 20022 families, by kind.
ISO_FAMILIES = {
    "RCDT": EntryKind.TRANSFER,
    "ICDT": EntryKind.TRANSFER,
    "RDDT": EntryKind.DIRECT_DEBIT,
    "IDDT": EntryKind.DIRECT_DEBIT,
    "CCRD": EntryKind.CARD,
    "MCRD": EntryKind.CARD,
}

#: SWIFT MT940 transaction types (after the N, F or S).
SWIFT_TYPES = {
    "TRF": EntryKind.TRANSFER,
    "STO": EntryKind.TRANSFER,
    "DDT": EntryKind.DIRECT_DEBIT,
    "CHG": EntryKind.FEE,
    "COM": EntryKind.FEE,
    "RTI": EntryKind.RETURN,
}

#: OFX TRNTYPE values that say something (CREDIT, DEBIT, OTHER… leave it to the label).
OFX_TYPES = {
    "XFER": EntryKind.TRANSFER,
    "DIRECTDEP": EntryKind.TRANSFER,
    "DIRECTDEBIT": EntryKind.DIRECT_DEBIT,
    "REPEATPMT": EntryKind.DIRECT_DEBIT,
    "POS": EntryKind.CARD,
    "ATM": EntryKind.CARD,
    "FEE": EntryKind.FEE,
    "SRVCHG": EntryKind.FEE,
}

#: The first words of French (and English) bank labels, by kind.
LABEL_WORDS = {
    EntryKind.RETURN: {
        "IMPAYE",
        "IMPAYES",
        "REJET",
        "REJETE",
        "RETOUR",
        "RETURN",
        "RETURNED",
        "REVERSAL",
        "ANNULATION",
        "CONTREPASSATION",
    },
    EntryKind.FEE: {
        "FRAIS",
        "COMMISSION",
        "COMMISSIONS",
        "COM",
        "COTISATION",
        "AGIOS",
        "FEE",
        "FEES",
        "CHARGES",
    },
    EntryKind.TRANSFER: {"VIR", "VIRT", "VIREMENT", "TRANSFER", "SCT"},
    EntryKind.DIRECT_DEBIT: {"PRLV", "PRLVT", "PRELEVEMENT", "PRELEVT", "SDD"},
    EntryKind.CARD: {"CB", "CARTE", "CARD", "TPE"},
}
#: How many of a label's first words are the bank's own.
LABEL_WORDS_READ = 3


def from_iso_code(family: str, subfamily: str) -> EntryKind | None:
    """The kind an ISO 20022 bank transaction code names, or None when it names none."""
    if subfamily in RETURN_SUBFAMILIES:
        return EntryKind.RETURN
    if subfamily in FEE_SUBFAMILIES:
        return EntryKind.FEE
    return ISO_FAMILIES.get(family)


def from_swift_type(code: str) -> EntryKind | None:
    """The kind of a SWIFT transaction type ("NTRF", "NCHG"…), or None."""
    code = code.upper()
    if len(code) == 4 and code[0] in "NFS":
        return SWIFT_TYPES.get(code[1:])
    return None


def from_ofx_type(trntype: str) -> EntryKind | None:
    return OFX_TYPES.get(trntype.upper())


def _words(label: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().upper()
    return re.findall(r"[A-Z0-9]+", folded)


def from_label(label: str) -> EntryKind:
    """The kind the bank's first words name ("PRLV SEPA …", "FRAIS REJET …"), else OTHER."""
    for word in _words(label)[:LABEL_WORDS_READ]:
        for kind, words in LABEL_WORDS.items():
            if word in words:
                return kind
    return EntryKind.OTHER


def decide(*candidates: EntryKind | None, label: str = "") -> EntryKind:
    """The first kind a code named, else what the label says."""
    for kind in candidates:
        if kind is not None:
            return kind
    return from_label(label)
