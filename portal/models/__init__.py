"""All models, imported here so Alembic and create_app see every table."""

from portal.models.audit import AuditEvent
from portal.models.customers import Customer, CustomerEmail, CustomerKind
from portal.models.invoices import CreditNote, Invoice, InvoiceLine, InvoiceStatus
from portal.models.organisation import Organisation
from portal.models.payments import Payment, PaymentAllocation, PaymentMethod
from portal.models.users import Role, User

__all__ = [
    "AuditEvent",
    "CreditNote",
    "Customer",
    "CustomerEmail",
    "CustomerKind",
    "Invoice",
    "InvoiceLine",
    "InvoiceStatus",
    "Organisation",
    "Payment",
    "PaymentAllocation",
    "PaymentMethod",
    "Role",
    "User",
]
