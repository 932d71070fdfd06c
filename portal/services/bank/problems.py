"""What is wrong with a bank file: every problem, where it is, in words that translate.

A statement is read all or nothing: a file with one bad entry would leave a
hole in the account's history that no one notices. So a parser keeps going
after a problem, collects them all, and refuses the file once at the end,
and the person fixes (or asks the bank about) everything at once. Line
formats say `line N: ...`, XML and OFX say `entry N: ...`, the way a person
would look for it in the file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from portal.services.errors import N_, DomainError

#: How a place is written before its message; the web layer translates these too.
PLACES = {
    "line": N_("line %(number)s: %(message)s"),
    "entry": N_("entry %(number)s: %(message)s"),
}


@dataclass(frozen=True)
class Problem:
    """One problem: `place` is "line", "entry" or "" (the whole file).

    `template` is an English msgid and `params` its values, so the web layer
    can show `gettext(template) % params` in the user's language; `str()`
    is the English message with its place, for the CLI and the logs.
    """

    place: str
    number: int
    template: str
    params: dict[str, Any] = field(default_factory=dict, hash=False)

    @property
    def message(self) -> str:
        return self.template % self.params

    def __str__(self) -> str:
        if not self.place:
            return self.message
        return PLACES[self.place] % {"number": self.number, "message": self.message}


class StatementInvalid(DomainError):
    """The file was not read: `problems` lists everything found wrong with it."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


class Problems:
    """The problems a parser finds as it goes; `raise_if_any` refuses the file at the end."""

    def __init__(self) -> None:
        self.found: list[Problem] = []

    def __bool__(self) -> bool:
        return bool(self.found)

    def at_line(self, number: int, template: str, **params: Any) -> None:
        self.found.append(Problem("line", number, template, params))

    def at_entry(self, number: int, template: str, **params: Any) -> None:
        self.found.append(Problem("entry", number, template, params))

    def in_file(self, template: str, **params: Any) -> None:
        self.found.append(Problem("", 0, template, params))

    def raise_if_any(self) -> None:
        if self.found:
            raise StatementInvalid(self.found)


UNBALANCED = N_(
    "the entries (%(total)s) do not take the opening balance (%(opening)s)"
    " to the closing balance (%(closing)s)"
)


def amount_text(cents: int) -> str:
    """Cents as a plain decimal ("-1234.56") for messages: no locale, the file's own way."""
    return f"{Decimal(cents).scaleb(-2):.2f}"


def balance_params(opening: int, total: int, closing: int) -> dict[str, str]:
    """The placeholders of UNBALANCED."""
    return {
        "opening": amount_text(opening),
        "total": amount_text(total),
        "closing": amount_text(closing),
    }
