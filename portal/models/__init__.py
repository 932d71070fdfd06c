"""All models, imported here so Alembic and create_app see every table."""

from portal.models.audit import AuditAction, AuditEvent
from portal.models.bank import (
    BankAccount,
    BankCsvMapping,
    BankEntry,
    BankImport,
    EntryStatus,
    MatchRule,
    PayerAccount,
)
from portal.models.checkout import AttemptStatus, CheckoutAttempt, StripeEvent
from portal.models.customers import Customer, CustomerEmail, CustomerKind
from portal.models.disputes import Dispute, DisputeLine, DisputeReason, DisputeStatus
from portal.models.dunning import (
    ActionStatus,
    DunningAction,
    ReferenceRate,
    Scenario,
    ScenarioStep,
    SchedulerHeartbeat,
    SkipReason,
    StepKind,
    StepTemplate,
)
from portal.models.invoices import CreditNote, Invoice, InvoiceLine, InvoiceStatus
from portal.models.links import AccessLink
from portal.models.organisation import Organisation
from portal.models.outbox import MessageKind, MessageStatus, OutboxMessage
from portal.models.payments import Payment, PaymentAllocation, PaymentMethod
from portal.models.plans import Instalment, InstalmentPlan, PlanInvoice, PlanStatus
from portal.models.promises import Message, Promise, PromiseStatus
from portal.models.tasks import Task, TaskStatus
from portal.models.transfers import DeclarationStatus, PaidDeclaration, TransferReference
from portal.models.users import Role, User

__all__ = [
    "BankAccount",
    "BankCsvMapping",
    "BankEntry",
    "BankImport",
    "EntryStatus",
    "MatchRule",
    "PayerAccount",
    "MessageKind",
    "Dispute",
    "DisputeLine",
    "DisputeReason",
    "DisputeStatus",
    "Instalment",
    "InstalmentPlan",
    "Message",
    "PlanInvoice",
    "PlanStatus",
    "Promise",
    "PromiseStatus",
    "ActionStatus",
    "DunningAction",
    "ReferenceRate",
    "Scenario",
    "ScenarioStep",
    "SchedulerHeartbeat",
    "SkipReason",
    "StepKind",
    "StepTemplate",
    "AccessLink",
    "AttemptStatus",
    "AuditAction",
    "AuditEvent",
    "CheckoutAttempt",
    "DeclarationStatus",
    "MessageStatus",
    "OutboxMessage",
    "PaidDeclaration",
    "StripeEvent",
    "Task",
    "TaskStatus",
    "TransferReference",
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
