"""Domain errors. Views turn them into messages and status codes.

Messages are English msgids marked with `N_` so the catalog extracts them; views
show them with `gettext(str(error))` in the visitor's language.
"""


def N_(message: str) -> str:  # noqa: N802 - the usual gettext marker name
    """Mark a message for translation without translating it here."""
    return message


class DomainError(Exception):
    """A request the domain refuses; the message is safe to show to the user."""


class NotFound(DomainError):
    pass


class InvalidAmount(DomainError):
    pass


class InvoiceNotPayable(DomainError):
    pass


class SetupAlreadyDone(DomainError):
    pass
