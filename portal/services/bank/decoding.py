"""Bytes to text for the bank formats that are text: CFONB, OFX 1.x, MT940, CSV.

Banks write UTF-8 (with or without a BOM) or Windows-1252, and do not always
say which, or say it wrongly: an OFX header announcing CHARSET:1252 over
UTF-8 bytes is common. Valid UTF-8 with accents is practically never meant as
anything else, so the bytes decide first; a declared charset only chooses
among the single-byte ones (ISO-8859-15 puts the euro sign elsewhere than
Windows-1252), and Windows-1252 is the fallback, as Excel and most French
banking software write it.
"""

from __future__ import annotations

import codecs

#: Charsets OFX and CSV files declare, as Python names them.
SINGLE_BYTE = {
    "1252": "cp1252",
    "WINDOWS-1252": "cp1252",
    "CP1252": "cp1252",
    "ISO-8859-1": "cp1252",
    "8859-1": "cp1252",
    "LATIN-1": "cp1252",
    "ISO-8859-15": "iso8859_15",
    "8859-15": "iso8859_15",
    "LATIN-9": "iso8859_15",
}


def decode_text(data: bytes, declared: str = "") -> str:
    """The text of `data`: UTF-8 when it is (BOM dropped), else the declared charset or cp1252."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    encoding = SINGLE_BYTE.get(declared.strip().upper(), "cp1252")
    return data.decode(encoding, errors="replace")
