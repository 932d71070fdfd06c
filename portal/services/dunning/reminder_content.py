"""What a reminder says: the template variables, the HTML email, the formal notice letter.

Amounts and dates are formatted in the customer's language before they reach
the template, so a creditor editing a message writes `{{ total_due }}` and never
thinks about locales. A pass writes thousands of reminders in two or three
languages: it keeps one `Formats` per language, so each locale's pattern is read
once and each date of the portfolio is formatted once.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from pathlib import Path

from flask_babel import format_date, get_locale

from portal.models import Customer, CustomerKind, Invoice, Organisation
from portal.services.claims import terms
from portal.services.claims.claim import Claim
from portal.services.dunning.message_templates import Rendered, text_to_html
from portal.services.mail import outbox
from portal.values.money_formats import cents_formatter

FORMAL_NOTICE_DEADLINE_DAYS = 8


def money(cents: int, currency: str = "EUR") -> str:
    """An amount in the language `force_locale` set for the message being written."""
    return cents_formatter(currency, str(get_locale() or "fr"))(cents)


class Formats:
    """Amounts and dates in one language; each distinct date is formatted once.

    Used within `force_locale(language)`, like `build_context`.
    """

    def __init__(self, language: str):
        self.language = language
        self._days: dict[tuple[date, str], str] = {}

    def money(self, cents: int, currency: str) -> str:
        return cents_formatter(currency, self.language)(cents)

    def day(self, day: date, style: str) -> str:
        key = (day, style)
        text = self._days.get(key)
        if text is None:
            text = self._days[key] = format_date(day, style)
        return text


def build_context(
    customer: Customer,
    invoices: list[Invoice],
    organisation: Organisation | None,
    today: date,
    *,
    portal_link: str,
    contact: str,
    formal_notice: bool = False,
    next_step_date: date | None = None,
    owed: Claim | None = None,
    on_hold: dict[int, int] | None = None,
    formats: Formats | None = None,
) -> dict:
    """The documented template variables (see message_templates.VARIABLES). Call within force_locale.

    `owed` is the claim the message states (`formal_notice.claim`, the same as
    the letter's): a caller whose template does not mention penalties passes
    none, and they are left at zero. The indemnity is the amount per invoice,
    zero for a consumer or when the creditor claims no penalties. `on_hold` is
    what is set aside per invoice (a disputed part): it is neither claimed nor
    charged penalties, and each invoice says how much of it waits. `formats`
    is the caller's `Formats` for the forced language, kept across messages.
    """
    on_hold = on_hold or {}
    f = formats or Formats(str(get_locale() or "fr"))
    money, day = f.money, f.day
    currency = (
        invoices[0].currency if invoices else (organisation.currency if organisation else "EUR")
    )
    penalty_cents = owed.penalty_cents if owed is not None else 0
    indemnity_cents = (
        terms.indemnity_cents(organisation)
        if organisation and organisation.charge_penalties and customer.kind is CustomerKind.BUSINESS
        else 0
    )
    due = {i.id: i.outstanding_cents - on_hold.get(i.id, 0) for i in invoices}
    total_due = sum(due.values())
    return {
        "customer": {"name": customer.name, "ref": customer.ref, "kind": str(customer.kind)},
        "contact": {"email": contact},
        "invoices": [
            {
                "number": i.number,
                "issue_date": day(i.issue_date, "short"),
                "due_date": day(i.due_date, "short"),
                "total": money(i.total_cents, i.currency),
                "amount_due": money(due[i.id], i.currency),
                "on_hold": money(on_hold[i.id], i.currency) if on_hold.get(i.id) else "",
                "days_late": max(0, (today - i.due_date).days),
            }
            for i in invoices
        ],
        "total_due": money(total_due, currency),
        "total_due_cents": total_due,
        "total_overdue": money(sum(due[i.id] for i in invoices if i.due_date < today), currency),
        "total_on_hold": money(sum(on_hold.get(i.id, 0) for i in invoices), currency),
        "portal_link": portal_link,
        "creditor": {
            "name": organisation.display_name if organisation else "",
            "legal_name": organisation.legal_name if organisation else "",
            "email": organisation.contact_email if organisation else "",
            "phone": organisation.contact_phone if organisation else "",
            "iban": organisation.iban if organisation else "",
        },
        "penalties": money(penalty_cents, currency),
        "penalties_cents": penalty_cents,
        "indemnity": money(indemnity_cents, currency),
        "indemnity_cents": indemnity_cents,
        "deadline": day(deadline_for(today), "long") if formal_notice else "",
        "next_step_date": day(next_step_date, "long") if next_step_date else "",
        "today": day(today, "long"),
    }


def deadline_for(today: date) -> date:
    return today + timedelta(days=FORMAL_NOTICE_DEADLINE_DAYS)


def sample_context(organisation: Organisation | None, language: str, today: date) -> dict:
    """Realistic values to check a template against when it is saved."""
    from flask_babel import force_locale

    with force_locale(language):
        return {
            "customer": {"name": "Exemple SARL", "ref": "C0001", "kind": "business"},
            "contact": {"email": "compta@example.com"},
            "invoices": [
                {
                    "number": "F-0001",
                    "issue_date": format_date(today, "short"),
                    "due_date": format_date(today, "short"),
                    "total": money(120000),
                    "amount_due": money(120000),
                    "on_hold": "",
                    "days_late": 12,
                },
            ],
            "total_due": money(120000),
            "total_due_cents": 120000,
            "total_overdue": money(120000),
            "total_on_hold": money(0),
            "portal_link": "https://example.com/p/sample",
            "creditor": {
                "name": organisation.display_name if organisation else "",
                "legal_name": "",
                "email": organisation.contact_email if organisation else "",
                "phone": "",
                "iban": "",
            },
            "penalties": money(1234),
            "penalties_cents": 1234,
            "indemnity": money(4000),
            "indemnity_cents": 4000,
            "deadline": format_date(deadline_for(today), "long"),
            "next_step_date": "",
            "today": format_date(today, "long"),
        }


def html_email(rendered: Rendered, organisation: Organisation | None, context: dict):
    """The HTML part: the template's own HTML, or paragraphs made from the text, in the email layout."""
    body = rendered.html_fragment or text_to_html(rendered.text)
    return outbox.render_email(
        "emails/reminder.html",
        subject=rendered.subject,
        body=body,
        organisation=organisation,
        portal_link=context.get("portal_link", ""),
    )


def formal_notice_attachment(
    customer: Customer,
    invoices: list[Invoice],
    organisation: Organisation | None,
    today: date,
    now: datetime,
    portal_link: str,
    instance_path: Path,
    excluded_cents_by_invoice: dict[int, int] | None = None,
) -> dict:
    """Write the letter PDF under a random name in the instance folder; the outbox attaches it.

    The file stays on disk as long as the message: `portal_link` must be a page
    anyone may see (where a debtor asks for a link), never a personal link.
    """
    from portal.services.documents import formal_notice_letter

    pdf = formal_notice_letter.formal_notice_pdf(
        organisation,
        customer,
        invoices,
        today=today,
        now=now,
        deadline=deadline_for(today),
        portal_link=portal_link,
        excluded_cents_by_invoice=excluded_cents_by_invoice or None,
        sent_by=(organisation.formal_notice_channel if organisation else "") or "email",
    )
    folder = instance_path / "letters"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_urlsafe(16)}.pdf"
    (folder / name).write_bytes(pdf)
    label = "mise-en-demeure" if customer.language == "fr" else "formal-notice"
    return {
        "filename": f"{label}-{today.isoformat()}.pdf",
        "content_type": "application/pdf",
        "path": f"letters/{name}",
    }
