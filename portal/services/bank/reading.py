"""One entry point for every bank file: the content says which format it is.

People upload what their bank gave them, named as the bank or their browser
chose ("releve.txt", "export.dat", "Document (3).xml"), so the name is no
guide: the first few kilobytes are. XML naming a camt.053 or camt.054
namespace is camt; an OFX header or <OFX> element is OFX; a :20: field
followed by :25: is MT940; a first record "01" with a bank code, branch code
and currency where CFONB puts them is CFONB 120; other text with a bank's
header, or with two lines cut by the same delimiter, is a CSV export.
Anything else is refused, saying which formats are read.
"""

from __future__ import annotations

import re

from portal.services.bank.bank_csv import read_bank_csv
from portal.services.bank.camt import looks_like_camt, read_camt
from portal.services.bank.cfonb120 import looks_like_cfonb120, read_cfonb120
from portal.services.bank.csv_columns import CsvMapping, detect
from portal.services.bank.decoding import decode_text
from portal.services.bank.mt940 import looks_like_mt940, read_mt940
from portal.services.bank.ofx import looks_like_ofx, read_ofx
from portal.services.bank.problems import Problem, StatementInvalid
from portal.services.bank.statement import Statement, StatementFormat
from portal.services.errors import N_

#: How much of the start of a file decides its format.
HEAD = 8192
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

NOT_A_STATEMENT = N_(
    "this file is not a bank statement the portal reads: camt.053 or camt.054 (XML),"
    " CFONB 120, OFX, MT940 or CSV"
)
NAMED_NOT_A_STATEMENT = N_(
    "%(filename)s is not a bank statement the portal reads: camt.053 or camt.054 (XML),"
    " CFONB 120, OFX, MT940 or CSV"
)


def detect_format(data: bytes) -> StatementFormat | None:
    """The format the start of `data` shows, or None when it is none the portal reads."""
    head = data[:HEAD]
    if looks_like_camt(head):
        return StatementFormat.CAMT_053 if b"camt.053" in head else StatementFormat.CAMT_054
    text = decode_text(head).lstrip("\ufeff")
    if looks_like_ofx(text):
        return StatementFormat.OFX
    if looks_like_mt940(text):
        return StatementFormat.MT940
    if looks_like_cfonb120(text):
        return StatementFormat.CFONB_120
    if text.lstrip().startswith("<") or _CONTROL.search(text):
        return None
    return StatementFormat.CSV if _looks_like_csv(text) else None


def _looks_like_csv(text: str) -> bool:
    """A header a bank would write, or at least two lines cut by the same delimiter."""
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    for delimiter in ";,\t":
        split = [line.split(delimiter) for line in lines if delimiter in line]
        if len(split) >= 2 or any(detect(fields) for fields in split):
            return True
    return False


def read_statement(
    data: bytes, *, csv_mapping: CsvMapping | None = None, filename: str = ""
) -> Statement:
    """The statement in `data`, whatever its format; StatementInvalid lists every problem.

    `csv_mapping` names the columns of a CSV export (when they were not
    recognised before, and the person said which is which); it is ignored
    for the other formats. `filename` only names the file in a refusal.
    """
    found = detect_format(data)
    if found is None:
        if filename:
            problem = Problem("", 0, NAMED_NOT_A_STATEMENT, {"filename": filename})
        else:
            problem = Problem("", 0, NOT_A_STATEMENT)
        raise StatementInvalid([problem])
    if found in (StatementFormat.CAMT_053, StatementFormat.CAMT_054):
        return read_camt(data)
    if found is StatementFormat.OFX:
        return read_ofx(data)
    if found is StatementFormat.MT940:
        return read_mt940(data)
    if found is StatementFormat.CFONB_120:
        return read_cfonb120(data)
    return read_bank_csv(data, csv_mapping)
