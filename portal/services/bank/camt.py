"""ISO 20022 camt.053 statements and camt.054 notifications, versions 001.02 to 001.08.

French banks send camt.053 for the day's statement (EBICS, or a download in
their web banking) and camt.054 to notify credits as they arrive. Uploaded
XML is untrusted: it is parsed with defusedxml, which refuses a DTD, and
with it entity expansion ("billion laughs") and external entities, before
anything is expanded; a bank statement never needs one. Elements are read by
their local names, so the version's namespace only has to be recognised,
not threaded through every lookup. Only booked entries are read (`Sts`
BOOK, or none given): pending ones are not on the account yet, and are not
part of the balances the statement states, which are checked against the
entries when both are given.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element, ParseError
from xml.parsers.expat import ErrorString

import defusedxml.ElementTree as safe_tree
from defusedxml import DefusedXmlException

from portal.services.bank.camt_entries import date_of, read_entry, signed_cents, text_of
from portal.services.bank.problems import (
    Problem,
    Problems,
    StatementInvalid,
    balance_params,
)
from portal.services.bank.statement import Balance, Statement, StatementFormat
from portal.services.errors import N_
from portal.values.banking import iban_is_valid, normalise_iban
from portal.values.rib import french_account_to_iban

_NAMESPACE = re.compile(r"\{urn:iso:std:iso:20022:tech:xsd:(camt\.05[34])\.001\.([0-9]{2})\}")
VERSIONS = range(2, 9)
#: The message's root under `Document`, and the element of each statement in it.
MESSAGES = {
    "camt.053": ("BkToCstmrStmt", "Stmt", StatementFormat.CAMT_053),
    "camt.054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn", StatementFormat.CAMT_054),
}
OPENING_CODES = ("OPBD", "PRCD")
CLOSING_CODES = ("CLBD",)

MALFORMED = N_("the XML is malformed (%(reason)s)")
DTD_REFUSED = N_(
    "the file declares a DTD or XML entities, which bank statements never do; it was not read"
)
NOT_CAMT = N_("this XML is not a camt.053 statement or a camt.054 notification")
VERSION_NOT_READ = N_("%(message)s version 001.%(version)s is not read (versions 02 to 08 are)")
NO_STATEMENT = N_("the file holds no statement")
NO_IBAN = N_('statement %(statement)s: its account "%(account)s" is not an IBAN')
BAD_BALANCE = N_("statement %(statement)s: the %(code)s balance cannot be read")
STATEMENT_UNBALANCED = N_(
    "statement %(statement)s: the entries (%(total)s) do not take the opening balance"
    " (%(opening)s) to the closing balance (%(closing)s)"
)


def looks_like_camt(head: bytes) -> bool:
    """Whether the start of a file names a camt.053 or camt.054 namespace."""
    return b"camt.053.001." in head or b"camt.054.001." in head


def _parse(data: bytes, problems: Problems) -> Element | None:
    try:
        return safe_tree.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        where = data.find(b"<!DOCTYPE")
        problems.at_line(data.count(b"\n", 0, max(where, 0)) + 1, DTD_REFUSED)
    except ParseError as exc:
        problems.at_line(exc.position[0], MALFORMED, reason=ErrorString(exc.code))
    return None


def _local_names(root: Element) -> None:
    """Drop the namespace from every tag: one version's element names read them all."""
    for element in root.iter():
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = element.tag.rsplit("}", 1)[1]


def _document(data: bytes) -> tuple[Element, str, str]:
    """The parsed root, the message ("camt.053") and its version ("08"); refuses anything else."""
    problems = Problems()
    root = _parse(data, problems)
    problems.raise_if_any()
    match = _NAMESPACE.match(root.tag) if root is not None else None
    if root is None or match is None or match.group(1) not in MESSAGES:
        raise StatementInvalid([Problem("", 0, NOT_CAMT)])
    message, version = match.groups()
    if int(version) not in VERSIONS:
        params = {"message": message, "version": version}
        raise StatementInvalid([Problem("", 0, VERSION_NOT_READ, params)])
    return root, message, version


def read_camt(data: bytes) -> Statement:
    """The entries of every statement (or notification) in a camt.053 or camt.054 file."""
    root, message, version = _document(data)
    problems = Problems()
    _local_names(root)
    container, report_tag, statement_format = MESSAGES[message]
    reports = root.findall(f"{container}/{report_tag}")
    if not reports:
        problems.in_file(NO_STATEMENT)
    statement = Statement(statement_format, version=f"001.{version}")
    position = 0
    for report in reports:
        name = text_of(report, "Id") or str(len(statement.accounts) + 1)
        account = _account(report, name, problems)
        opening, closing = _balances(report, account, name, problems)
        total, known_problems = 0, len(problems.found)
        for ntry in report.findall("Ntry"):
            position += 1
            entries = read_entry(ntry, position, account, problems)
            total += sum(entry.amount_cents for entry in entries)
            statement.entries.extend(entries)
        balanced = not (opening and closing) or opening.amount_cents + total == closing.amount_cents
        if not balanced and len(problems.found) == known_problems:
            params = balance_params(opening.amount_cents, total, closing.amount_cents)
            problems.in_file(STATEMENT_UNBALANCED, statement=name, **params)
        statement.accounts.add(account)
        statement.add_balances(opening, closing)
    problems.raise_if_any()
    return statement


def _account(report: Element, name: str, problems: Problems) -> str:
    iban = normalise_iban(text_of(report, "Acct/Id/IBAN"))
    if iban_is_valid(iban):
        return iban
    other = text_of(report, "Acct/Id/Othr/Id")
    from_rib = french_account_to_iban(other) if other else None
    if from_rib:
        return from_rib
    problems.in_file(NO_IBAN, statement=name, account=iban or other)
    return iban or other


def _balances(
    report: Element, account: str, name: str, problems: Problems
) -> tuple[Balance | None, Balance | None]:
    """The opening (OPBD, else PRCD) and closing (CLBD) booked balances, when stated."""
    found: dict[str, Balance] = {}
    for balance in report.findall("Bal"):
        code = text_of(balance, "Tp/CdOrPrtry/Cd")
        if code not in OPENING_CODES + CLOSING_CODES or code in found:
            continue
        quiet = Problems()
        amount = signed_cents(balance, quiet, 0)
        try:
            on = date_of(balance, "Dt")
        except ValueError:
            on = None
        if amount is None or on is None:
            problems.in_file(BAD_BALANCE, statement=name, code=code)
            continue
        found[code] = Balance(account, on, amount[0], amount[1])
    opening = found.get("OPBD") or found.get("PRCD")
    return opening, found.get("CLBD")
