"""The information to the account owner (:86:) of an MT940 movement, in its three layouts.

SWIFT leaves :86: free (6 lines of 65 characters), and banks fill it in one
of three ways. Most French banks write the label as their other channels do
("VIR SEPA RECU /DE … /MOTIF … /REF …"), wrapped mechanically at 65
characters: the lines are joined back as they were cut. Some use the
structured subfields ?00 (posting text), ?20-?29 and ?60-?63 (remittance
lines), ?30 (BIC), ?31 (IBAN), ?32-?33 (name), after a three-digit
transaction code. Others use SWIFT's /CODE/value pairs (/EREF/, /REMI/,
/NAME/, /IBAN/, /RTRN/…). Each is read into the same few fields; what is not
understood stays in the remittance lines, so nothing the bank wrote is lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from portal.values.banking import iban_is_valid, normalise_iban

NOT_PROVIDED = "NOTPROVIDED"
_SUBFIELDS = re.compile(r"^(?:[0-9]{3})?\?[0-9]{2}")
_SUBFIELD = re.compile(r"\?([0-9]{2})")
_SLASH_CODES = (
    "EREF|REMI|ORDP|BENM|NAME|IBAN|BIC|ADDR|CSID|MARF|RTRN|PREF|TRCD|PURP|CDTRREFTP|CDTRREF"
    "|ULTD|ULTB|ISDT|OCMT|CHGS|RREF|SVCL|CREF|BUSP"
)
_SLASHED = re.compile(rf"^/(?:{_SLASH_CODES})/")
_SLASH_CODE = re.compile(rf"/({_SLASH_CODES})/")
_SEPA_TAG = re.compile(r"(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE)\+")
_FREE_NAME = re.compile(r"/DE:? (.+?)(?: /|$)")


@dataclass(frozen=True)
class Details:
    label: str = ""
    unstructured: tuple[str, ...] = ()
    structured: tuple[str, ...] = ()
    counterparty_name: str = ""
    counterparty_iban: str = ""
    end_to_end_id: str = ""
    return_reason: str = ""


def _iban(value: str) -> str:
    candidate = normalise_iban(value)
    return candidate if iban_is_valid(candidate) else ""


def _end_to_end(value: str) -> str:
    value = value.strip()
    return "" if value.upper() == NOT_PROVIDED else value


def read_details(lines: list[str]) -> Details:
    """What the :86: lines of a movement say (lines as in the file, wrapped at 65)."""
    joined = "".join(lines)
    if _SUBFIELDS.match(joined):
        return _subfields(joined)
    if _SLASHED.match(joined):
        return _slashed(joined)
    label = " ".join(joined.split())
    name = _FREE_NAME.search(label)
    return Details(
        label=label,
        unstructured=tuple(line.strip() for line in lines if line.strip()),
        counterparty_name=name.group(1).strip() if name else "",
    )


def _subfields(joined: str) -> Details:
    """?NN subfields: ?00 posting text, ?20-?29 and ?60-?63 remittance, ?31 IBAN, ?32-?33 name."""
    parts = _SUBFIELD.split(joined)[1:]
    fields = list(zip(parts[::2], parts[1::2], strict=True))
    remittance = [value for key, value in fields if "20" <= key <= "29" or "60" <= key <= "63"]
    name = "".join(value for key, value in fields if key in ("32", "33")).strip()
    posting = " ".join(value.strip() for key, value in fields if key == "00")
    unstructured = [line.strip() for line in remittance if line.strip()]
    end_to_end = ""
    tagged = _SEPA_TAG.split("".join(remittance))
    if len(tagged) > 1:
        values = dict(zip(tagged[1::2], tagged[2::2], strict=True))
        end_to_end = _end_to_end(values.get("EREF", ""))
        unstructured = [values["SVWZ"].strip()] if values.get("SVWZ", "").strip() else []
    return Details(
        label=" ".join(filter(None, (posting, name, *unstructured))),
        unstructured=tuple(unstructured),
        counterparty_name=name,
        counterparty_iban=next((_iban(v) for k, v in fields if k == "31" and _iban(v)), ""),
        end_to_end_id=end_to_end,
    )


def _slashed(joined: str) -> Details:
    """SWIFT /CODE/value pairs: /EREF/, /REMI/ (USTD or STRD), /NAME/, /IBAN/, /RTRN/."""
    parts = _SLASH_CODE.split(joined)[1:]
    values: dict[str, str] = {}
    for code, value in zip(parts[::2], parts[1::2], strict=True):
        values.setdefault(code, value.strip("/ "))
    remittance = values.get("REMI", "")
    structured = [values["CDTRREF"]] if values.get("CDTRREF") else []
    unstructured: list[str] = []
    if remittance.startswith("STRD"):
        structured.append(remittance.split("/")[-1])
    elif remittance:
        unstructured.append(re.sub(r"^USTD/+", "", remittance))
    name = values.get("NAME", "")
    return Details(
        label=" ".join(filter(None, (name, *unstructured))),
        unstructured=tuple(unstructured),
        structured=tuple(structured),
        counterparty_name=name,
        counterparty_iban=_iban(values.get("IBAN", "")),
        end_to_end_id=_end_to_end(values.get("EREF", "")),
        return_reason=values.get("RTRN", "").split("/")[0],
    )
