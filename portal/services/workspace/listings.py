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
from portal.services.workspace.kpis import BUCKET_KEYS, bucket_condition

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


class QueryFilters:
    """Filters that round-trip through a query string (GET forms, sort and page links)."""

    QUERY_FIELDS: tuple[str, ...] = ()

    def to_args(self, **changes) -> dict[str, Any]:
        """Query-string values for links (sorting, paging) that keep the other filters."""
        values = {name: getattr(self, name) for name in self.QUERY_FIELDS}
        values.update(changes)
        return {
            k: v for k, v in values.items() if v not in ("", None) and not (k == "page" and v == 1)
        }


@dataclass
class InvoiceFilters(QueryFilters):
    QUERY_FIELDS = ("q", "status", "bucket", "segment", "kind", "sort", "page")

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
        conditions += [
            Invoice.status == InvoiceStatus.OPEN,
            bucket_condition(filters.bucket, today),
        ]
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
class CustomerFilters(QueryFilters):
    QUERY_FIELDS = ("q", "status", "segment", "kind", "sort", "page")

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


@dataclass
class CustomerRow:
    customer: Customer
    outstanding_cents: int
    overdue_cents: int
    open_invoices: int
    oldest_due: date | None = field(default=None)


def _customer_conditions(filters: CustomerFilters) -> list:
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
    return conditions


def _balances(today: date, currency: str, customer_ids=None):
    """Open balance, overdue part, open invoice count and oldest due date per customer."""
    query = (
        select(
            Invoice.customer_id.label("customer_id"),
            func.sum(Invoice.outstanding_cents).label("outstanding"),
            func.sum(case((Invoice.due_date < today, Invoice.outstanding_cents), else_=0)).label(
                "overdue"
            ),
            func.count().label("open_invoices"),
            func.min(Invoice.due_date).label("oldest_due"),
        )
        .where(Invoice.status == InvoiceStatus.OPEN, Invoice.currency == currency)
        .group_by(Invoice.customer_id)
    )
    if customer_ids is not None:
        query = query.where(Invoice.customer_id.in_(customer_ids))
    return query


def search_customers(
    filters: CustomerFilters, today: date, per_page: int = 25, currency: str = "EUR"
) -> Page:
    """Customers with balances.

    Sorted by name over everyone, a page of customers is read first and only its
    balances are computed; filtered or sorted by amount, the per-customer totals
    of open invoices drive the query (they come from a covering index).
    """
    conditions = _customer_conditions(filters)
    if filters.status == "all" and filters.sort == "name":
        where = and_(*conditions) if conditions else True
        page = _paginate(
            select(Customer).where(where).order_by(Customer.sort_name, Customer.id),
            select(func.count(Customer.id)).where(where),
            filters.page,
            per_page,
        )
        ids = [c.id for c in page.items]
        balances = (
            {row.customer_id: row for row in db.session.execute(_balances(today, currency, ids))}
            if ids
            else {}
        )
        page.items = [CustomerRow(c, *(_balance_values(balances.get(c.id)))) for c in page.items]
        return page

    customer_level = bool(conditions)
    balances = _balances(today, currency).subquery()
    if filters.status == "overdue":
        conditions.append(balances.c.overdue > 0)
    elif filters.status == "owing":
        conditions.append(balances.c.outstanding > 0)
    join = filters.status in ("overdue", "owing")
    where = and_(*conditions) if conditions else True
    amount = {"-overdue": balances.c.overdue, "-outstanding": balances.c.outstanding}.get(
        filters.sort
    )
    order = (
        (func.coalesce(amount, 0).desc(), Customer.sort_name)
        if amount is not None
        else (Customer.sort_name, Customer.id)
    )
    base = select(Customer).join(balances, balances.c.customer_id == Customer.id, isouter=not join)
    query = (
        base.add_columns(
            balances.c.outstanding,
            balances.c.overdue,
            balances.c.open_invoices,
            balances.c.oldest_due,
        )
        .where(where)
        .order_by(*order)
    )
    if join and not customer_level:  # count the per-customer totals alone, without the join
        amount_condition = (
            balances.c.overdue > 0 if filters.status == "overdue" else balances.c.outstanding > 0
        )
        count_query = select(func.count()).select_from(balances).where(amount_condition)
    else:
        count_query = select(func.count()).select_from(base.where(where).subquery())
    page = _paginate(query, count_query, filters.page, per_page)
    page.items = [
        CustomerRow(c, int(o or 0), int(d or 0), int(n or 0), due) for c, o, d, n, due in page.items
    ]
    return page


def _balance_values(row) -> tuple[int, int, int, date | None]:
    if row is None:
        return 0, 0, 0, None
    return int(row.outstanding), int(row.overdue), int(row.open_invoices), row.oldest_due


def segments() -> list[str]:
    """Segments in use, for filter drop-downs."""
    return [
        s
        for s in db.session.scalars(select(Customer.segment).distinct().order_by(Customer.segment))
        if s
    ]
