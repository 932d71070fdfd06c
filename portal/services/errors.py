"""Domain errors. Views turn them into messages and status codes."""


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
