"""Searching, filtering, sorting and paging the dashboard's lists.

Filters arrive as plain values (from a GET form); unknown values fall back to
defaults rather than failing, so a hand-edited URL still shows a list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from math import ceil
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select

from portal.extensions import db
from portal.models import Customer, CustomerEmail, CustomerKind, Invoice, InvoiceStatus
from portal.services.kpis import BUCKET_KEYS, bucket_condition

INVOICE_STATUSES = ("open", "overdue", "paid", "all")
INVOICE_SORTS = {
    "due": (Invoice.due_date.asc(), Invoice.id.asc()),
    "-due": (Invoice.due_date.desc(), Invoice.id.desc()),
    "amount": (Invoice.outstanding_cents.asc(), Invoice.id.asc()),
    "-amount": (Invoice.outstanding_cents.desc(), Invoice.id.desc()),
    "number": (Invoice.number.asc(),),
    "-number": (Invoice.number.desc(),),
    "issued": (Invoice.issue_date.asc(), Invoice.id.asc()),
    "-issued": (Invoice.issue_date.desc(), Invoice.id.desc()),
}
CUSTOMER_STATUSES = ("all", "owing", "overdue")
CUSTOMER_SORTS = ("name", "-outstanding", "-overdue")


@dataclass
class Page:
    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_index(self) -> int:
        return 0 if not self.total else (self.page - 1) * self.per_page + 1

    @property
    def last_index(self) -> int:
        return min(self.total, self.page * self.per_page)


def _choice(value: str | None, allowed, default: str) -> str:
    return value if value in allowed else default


def _page_number(value: Any) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 1


def _paginate(query: Select, count_query: Select, page: int, per_page: int) -> Page:
    total = db.session.scalar(count_query) or 0
    page = min(page, max(1, ceil(total / per_page)))
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return Page([row if len(row) > 1 else row[0] for row in rows], total, page, per_page)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass
class InvoiceFilters:
    q: str = ""
    status: str = "open"
    bucket: str = ""
    segment: str = ""
    kind: str = ""
    sort: str = "due"
    page: int = 1
    customer_id: int | None = None

    @classmethod
    def from_args(cls, args) -> InvoiceFilters:
        return cls(
            q=(args.get("q") or "").strip()[:100],
            status=_choice(args.get("status"), INVOICE_STATUSES, "open"),
            bucket=_choice(args.get("bucket"), BUCKET_KEYS, ""),
            segment=(args.get("segment") or "").strip()[:64],
            kind=_choice(args.get("kind"), [k.value for k in CustomerKind], ""),
            sort=_choice(args.get("sort"), INVOICE_SORTS, "due"),
            page=_page_number(args.get("page")),
        )

    def to_args(self, **changes) -> dict[str, Any]:
        """Query-string values for links (sorting, paging) that keep the other filters."""
        values = {
            "q": self.q, "status": self.status, "bucket": self.bucket, "segment": self.segment,
            "kind": self.kind, "sort": self.sort, "page": self.page,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None) and not (k == "page" and v == 1)}


def search_invoices(filters: InvoiceFilters, today: date, per_page: int = 25) -> Page:
    """Invoices with their customer, as (Invoice, Customer name) rows."""
    conditions = []
    if filters.status == "open":
        conditions.append(Invoice.status == InvoiceStatus.OPEN)
    elif filters.status == "overdue":
        conditions += [Invoice.status == InvoiceStatus.OPEN, Invoice.due_date < today]
    elif filters.status == "paid":
        conditions.append(Invoice.status == InvoiceStatus.PAID)
    if filters.bucket:
        conditions += [Invoice.status == InvoiceStatus.OPEN, bucket_condition(filters.bucket, today)]
    if filters.customer_id:
        conditions.append(Invoice.customer_id == filters.customer_id)
    needs_customer = bool(filters.q or filters.segment or filters.kind)
    if filters.segment:
        conditions.append(Customer.segment == filters.segment)
    if filters.kind:
        conditions.append(Customer.kind == CustomerKind(filters.kind))
    if filters.q:
        pattern = _like(filters.q)
        conditions.append(
            or_(
                Invoice.number.ilike(pattern, escape="\\"),
                Customer.name.ilike(pattern, escape="\\"),
                Customer.ref.ilike(pattern, escape="\\"),
            )
        )
    where = and_(*conditions) if conditions else True
    query = (
        select(Invoice, Customer.name)
        .join(Customer, Customer.id == Invoice.customer_id)
        .where(where)
        .order_by(*INVOICE_SORTS[filters.sort])
    )
    count_query = select(func.count(Invoice.id)).where(where)
    if needs_customer:
        count_query = count_query.join(Customer, Customer.id == Invoice.customer_id)
    return _paginate(query, count_query, filters.page, per_page)


@dataclass
class CustomerFilters:
    q: str = ""
    status: str = "all"
    segment: str = ""
    kind: str = ""
    sort: str = "name"
    page: int = 1

    @classmethod
    def from_args(cls, args) -> CustomerFilters:
        return cls(
            q=(args.get("q") or "").strip()[:100],
            status=_choice(args.get("status"), CUSTOMER_STATUSES, "all"),
            segment=(args.get("segment") or "").strip()[:64],
            kind=_choice(args.get("kind"), [k.value for k in CustomerKind], ""),
            sort=_choice(args.get("sort"), CUSTOMER_SORTS, "name"),
            page=_page_number(args.get("page")),
        )

    def to_args(self, **changes) -> dict[str, Any]:
        values = {
            "q": self.q, "status": self.status, "segment": self.segment, "kind": self.kind,
            "sort": self.sort, "page": self.page,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None) and not (k == "page" and v == 1)}


@dataclass
class CustomerRow:
    customer: Customer
    outstanding_cents: int
    overdue_cents: int
    open_invoices: int
    oldest_due: date | None = field(default=None)


def search_customers(filters: CustomerFilters, today: date, per_page: int = 25) -> Page:
    balances = (
        select(
            Invoice.customer_id.label("customer_id"),
            func.sum(Invoice.outstanding_cents).label("outstanding"),
            func.sum(case((Invoice.due_date < today, Invoice.outstanding_cents), else_=0)).label(
                "overdue"
            ),
            func.count(Invoice.id).label("open_invoices"),
            func.min(Invoice.due_date).label("oldest_due"),
        )
        .where(Invoice.status == InvoiceStatus.OPEN)
        .group_by(Invoice.customer_id)
        .subquery()
    )
    outstanding = func.coalesce(balances.c.outstanding, 0)
    overdue = func.coalesce(balances.c.overdue, 0)
    conditions = []
    if filters.q:
        pattern = _like(filters.q)
        conditions.append(
            or_(
                Customer.name.ilike(pattern, escape="\\"),
                Customer.ref.ilike(pattern, escape="\\"),
                Customer.id.in_(
                    select(CustomerEmail.customer_id).where(
                        CustomerEmail.email.like(_like(filters.q.lower()), escape="\\")
                    )
                ),
            )
        )
    if filters.segment:
        conditions.append(Customer.segment == filters.segment)
    if filters.kind:
        conditions.append(Customer.kind == CustomerKind(filters.kind))
    if filters.status == "owing":
        conditions.append(outstanding > 0)
    elif filters.status == "overdue":
        conditions.append(overdue > 0)
    where = and_(*conditions) if conditions else True
    order = {
        "name": (Customer.name.asc(), Customer.id.asc()),
        "-outstanding": (outstanding.desc(), Customer.name.asc()),
        "-overdue": (overdue.desc(), Customer.name.asc()),
    }[filters.sort]
    query = (
        select(Customer, outstanding, overdue, func.coalesce(balances.c.open_invoices, 0), balances.c.oldest_due)
        .outerjoin(balances, balances.c.customer_id == Customer.id)
        .where(where)
        .order_by(*order)
    )
    count_query = (
        select(func.count(Customer.id)).outerjoin(balances, balances.c.customer_id == Customer.id).where(where)
    )
    page = _paginate(query, count_query, filters.page, per_page)
    page.items = [CustomerRow(c, int(o), int(d), int(n), due) for c, o, d, n, due in page.items]
    return page


def segments() -> list[str]:
    """Segments in use, for filter drop-downs."""
    return [s for s in db.session.scalars(select(Customer.segment).distinct().order_by(Customer.segment)) if s]
