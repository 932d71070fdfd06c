"""One camt `Ntry` to bank entries: amounts, dates, parties, references and codes.

A camt entry is what was booked; its transaction details (`TxDtls`) say what
it was made of. A batch (several direct debits collected, several transfers
received at once) is one entry of several details: each detail becomes its
own BankEntry, since each pays different invoices, provided the details give
amounts that add up to the entry. A batch whose details have no amounts
stays one entry carrying every detail's references. The names of elements
changed little across versions; where they did (`Dbtr/Nm` became
`Dbtr/Pty/Nm` in .08), both are read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from xml.etree.ElementTree import Element

from portal.services.bank import entry_kinds
from portal.services.bank.amounts import exact_cents
from portal.services.bank.problems import Problems, amount_text
from portal.services.bank.statement import BankEntry, Direction, EntryKind
from portal.services.errors import N_
from portal.values.banking import normalise_iban

_AMOUNT = re.compile(r"[0-9]{1,18}(\.[0-9]{0,5})?")
NOT_PROVIDED = "NOTPROVIDED"

BAD_AMOUNT = N_('the amount "%(amount)s" is not a number of euros and cents')
NO_AMOUNT = N_("the entry has no amount")
BAD_DIRECTION = N_('"%(mark)s" is neither CRDT (credit) nor DBIT (debit)')
BAD_DATE = N_('"%(date)s" is not a date')
NO_DATE = N_("the entry has no booking date")
BATCH_MISMATCH = N_(
    "its %(count)s transactions add up to %(total)s, not to the entry's amount %(amount)s"
)


def text_of(element: Element | None, path: str) -> str:
    """The text at `path`, whitespace collapsed; "" when absent."""
    if element is None:
        return ""
    value = element.findtext(path)
    return " ".join(value.split()) if value else ""


def date_of(element: Element | None, path: str) -> date | None:
    """A `Dt` or `DtTm` under `path`; None when absent, ValueError when it is not a date."""
    value = date_text(element, path)
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        raise ValueError(value) from None


def date_text(element: Element | None, path: str) -> str:
    return text_of(element, f"{path}/Dt") or text_of(element, f"{path}/DtTm")


def signed_cents(element: Element, problems: Problems, position: int) -> tuple[int, str] | None:
    """(cents, currency) of an `Amt` beside a `CdtDbtInd`, or None after noting the problem."""
    amount = element.find("Amt")
    if amount is None or not text_of(amount, "."):
        problems.at_entry(position, NO_AMOUNT)
        return None
    text = text_of(amount, ".")
    mark = text_of(element, "CdtDbtInd")
    try:
        if not _AMOUNT.fullmatch(text):
            raise ValueError(text)
        cents = exact_cents(Decimal(text.rstrip(".")))
    except ValueError:
        problems.at_entry(position, BAD_AMOUNT, amount=text)
        return None
    if mark not in ("CRDT", "DBIT"):
        problems.at_entry(position, BAD_DIRECTION, mark=mark)
        return None
    return (cents if mark == "CRDT" else -cents), amount.get("Ccy", "")


@dataclass(frozen=True)
class EntryContext:
    """What every BankEntry of one `Ntry` shares."""

    position: int
    account_iban: str
    booking_date: date
    value_date: date | None
    currency: str
    bank_reference: str
    label: str
    credit: bool
    reversal: bool
    code: str
    code_kind: EntryKind | None


def bank_code(element: Element | None) -> tuple[str, EntryKind | None]:
    """A `BkTxCd` as one string ("PMNT/RCDT/ESCT", or the proprietary code) and its kind."""
    domain = text_of(element, "Domn/Cd")
    family = text_of(element, "Domn/Fmly/Cd")
    subfamily = text_of(element, "Domn/Fmly/SubFmlyCd")
    if domain:
        return f"{domain}/{family}/{subfamily}", entry_kinds.from_iso_code(family, subfamily)
    proprietary = text_of(element, "Prtry/Cd")
    return proprietary, entry_kinds.from_swift_type(proprietary)


def _party(details: Element, role: str) -> tuple[str, str]:
    """(name, IBAN) of the debtor or creditor (`role`) of a transaction."""
    parties = details.find("RltdPties")
    name = (
        text_of(parties, f"{role}/Nm")
        or text_of(parties, f"{role}/Pty/Nm")
        or text_of(parties, f"Ultmt{role}/Nm")
        or text_of(parties, f"Ultmt{role}/Pty/Nm")
    )
    return name, normalise_iban(text_of(parties, f"{role}Acct/Id/IBAN"))


def _remittance(details: Element) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(structured references, unstructured lines) of a transaction's `RmtInf`."""
    structured: list[str] = []
    unstructured = [text_of(u, ".") for u in details.findall("RmtInf/Ustrd")]
    for block in details.findall("RmtInf/Strd"):
        structured += [text_of(r, ".") for r in block.findall("CdtrRefInf/Ref")]
        structured += [text_of(n, ".") for n in block.findall("RfrdDocInf/Nb")]
        unstructured += [text_of(a, ".") for a in block.findall("AddtlRmtInf")]
    return tuple(filter(None, structured)), tuple(filter(None, unstructured))


@dataclass(frozen=True)
class TransactionDetails:
    """What one `TxDtls` says; all empty for an entry without details."""

    counterparty_name: str = ""
    counterparty_iban: str = ""
    end_to_end_id: str = ""
    bank_reference: str = ""
    structured: tuple[str, ...] = ()
    unstructured: tuple[str, ...] = ()
    code: str = ""
    code_kind: EntryKind | None = None
    returned: bool = False
    return_reason: str = ""
    label: str = ""


def read_details(details: Element, account: str, credit: bool) -> TransactionDetails:
    """A transaction's parties, references and codes; the counterparty is whichever is not us."""
    debtor, creditor = _party(details, "Dbtr"), _party(details, "Cdtr")
    if creditor[1] == account:
        other = debtor
    elif debtor[1] == account:
        other = creditor
    else:
        other = debtor if credit else creditor
    structured, unstructured = _remittance(details)
    end_to_end = text_of(details, "Refs/EndToEndId")
    code, code_kind = bank_code(details.find("BkTxCd"))
    return_info = details.find("RtrInf")
    return TransactionDetails(
        counterparty_name=other[0],
        counterparty_iban=other[1],
        end_to_end_id="" if end_to_end.upper() == NOT_PROVIDED else end_to_end,
        bank_reference=text_of(details, "Refs/AcctSvcrRef"),
        structured=structured,
        unstructured=unstructured,
        code=code,
        code_kind=code_kind,
        returned=return_info is not None,
        return_reason=text_of(return_info, "Rsn/Cd") or text_of(return_info, "Rsn/Prtry"),
        label=text_of(details, "AddtlTxInf"),
    )


def build_entry(
    context: EntryContext, cents: int, details: Element | None, detail: int
) -> BankEntry:
    """The BankEntry for `cents` of the entry, told by one transaction's `details` (if any)."""
    credit = cents > 0 or (cents == 0 and context.credit)
    told = TransactionDetails()
    if details is not None:
        told = read_details(details, context.account_iban, credit)
    code, code_kind = (
        (told.code, told.code_kind) if told.code else (context.code, context.code_kind)
    )
    returned = context.reversal or told.returned or code_kind is EntryKind.RETURN
    label = (
        told.label
        or context.label
        or " ".join(filter(None, (told.counterparty_name, *told.unstructured)))
    )
    return BankEntry(
        position=context.position,
        line=None,
        account_iban=context.account_iban,
        booking_date=context.booking_date,
        value_date=context.value_date,
        amount_cents=cents,
        currency=context.currency,
        direction=Direction.CREDIT if credit else Direction.DEBIT,
        kind=EntryKind.RETURN if returned else entry_kinds.decide(code_kind, label=label),
        label=label,
        counterparty_name=told.counterparty_name,
        counterparty_iban=told.counterparty_iban,
        end_to_end_id=told.end_to_end_id,
        bank_reference=told.bank_reference or context.bank_reference,
        structured_references=told.structured,
        unstructured=told.unstructured,
        original_end_to_end_id=told.end_to_end_id if returned else "",
        return_reason=told.return_reason,
        transaction_code=code,
        detail=detail,
    )


def _detail_cents(details: Element, context: EntryContext) -> int | None:
    """A transaction's own amount in the entry's currency, signed; None when it gives none."""
    for path in ("Amt", "AmtDtls/TxAmt/Amt", "AmtDtls/InstdAmt/Amt"):
        amount = details.find(path)
        text = text_of(amount, ".")
        if amount is None or amount.get("Ccy") != context.currency or not _AMOUNT.fullmatch(text):
            continue
        try:
            cents = exact_cents(Decimal(text.rstrip(".")))
        except ValueError:
            continue
        mark = text_of(details, "CdtDbtInd") or ("CRDT" if context.credit else "DBIT")
        return cents if mark == "CRDT" else -cents
    return None


def read_entry(ntry: Element, position: int, account: str, problems: Problems) -> list[BankEntry]:
    """The bank entries of one booked `Ntry` (none for a pending one, or after a problem)."""
    status = text_of(ntry, "Sts/Cd") or text_of(ntry, "Sts")
    if status and status != "BOOK":
        return []
    amount = signed_cents(ntry, problems, position)
    try:
        value_date = date_of(ntry, "ValDt")
        booking_date = date_of(ntry, "BookgDt") or value_date
    except ValueError as exc:
        problems.at_entry(position, BAD_DATE, date=str(exc))
        return []
    if booking_date is None:
        problems.at_entry(position, NO_DATE)
    if amount is None or booking_date is None:
        return []
    cents, currency = amount
    code, code_kind = bank_code(ntry.find("BkTxCd"))
    context = EntryContext(
        position=position,
        account_iban=account,
        booking_date=booking_date,
        value_date=value_date,
        currency=currency,
        bank_reference=text_of(ntry, "AcctSvcrRef"),
        label=text_of(ntry, "AddtlNtryInf"),
        credit=text_of(ntry, "CdtDbtInd") == "CRDT",
        reversal=text_of(ntry, "RvslInd").lower() in ("true", "1"),
        code=code,
        code_kind=code_kind,
    )
    details = ntry.findall("NtryDtls/TxDtls")
    if len(details) <= 1:
        return [build_entry(context, cents, details[0] if details else None, 0)]
    parts = [_detail_cents(d, context) for d in details]
    known = [part for part in parts if part is not None]
    if len(known) < len(parts):
        return [_merged(context, cents, details)]
    if sum(known) != cents:
        problems.at_entry(
            position,
            BATCH_MISMATCH,
            count=len(known),
            total=amount_text(sum(known)),
            amount=amount_text(cents),
        )
        return []
    return [
        build_entry(context, part, d, number)
        for number, (part, d) in enumerate(zip(known, details, strict=True), 1)
    ]


def _merged(context: EntryContext, cents: int, details: list[Element]) -> BankEntry:
    """A batch whose transactions give no amounts: one entry with all their references."""
    structured: list[str] = []
    unstructured: list[str] = []
    for d in details:
        more_structured, more_unstructured = _remittance(d)
        structured += more_structured
        unstructured += more_unstructured
    entry = build_entry(context, cents, None, 0)
    return replace(entry, structured_references=tuple(structured), unstructured=tuple(unstructured))
