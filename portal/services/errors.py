"""Domain errors. Views turn them into messages and status codes.

Messages are English msgids marked with `N_` so the catalog extracts them; views
show them with `gettext(str(error))` in the visitor's language.

Raising one also marks the current unit of work as refused: a view often catches
the error to show a message and redirect, and whatever the use case had changed
before it refused must not be committed with the response (`portal.unit_of_work`
reads the mark). The mark lives in a context variable, so it is per request.
"""

from __future__ import annotations

from contextvars import ContextVar

_refused: ContextVar[bool] = ContextVar("portal_refused", default=False)


def reset_refusal() -> None:
    """Start a unit of work with no refusal recorded."""
    _refused.set(False)


def refused() -> bool:
    """Whether a domain error was raised since the unit of work began."""
    return _refused.get()


def N_(message: str) -> str:  # noqa: N802 - the usual gettext marker name
    """Mark a message for translation without translating it here."""
    return message


class DomainError(Exception):
    """A request the domain refuses; the message is safe to show to the user."""

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        _refused.set(True)


class NotFound(DomainError):
    pass


class InvalidAmount(DomainError):
    pass


class InvoiceNotPayable(DomainError):
    pass


class SetupAlreadyDone(DomainError):
    pass
