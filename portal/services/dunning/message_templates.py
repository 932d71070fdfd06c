"""User-editable reminder templates: sandboxed Jinja, checked when saved.

The creditor writes subjects and bodies with `{{ variables }}`. They are
rendered in Jinja's sandbox (no access to Python internals) with strict
undefined variables, and every template is rendered once against sample data
when it is saved, so a mistake is shown to its author, never discovered by the
scheduler at sending time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from markupsafe import Markup, escape

from portal.services.errors import N_, DomainError

#: The variables a template may use, with what they hold (shown in the editor).
VARIABLES: dict[str, str] = {
    "customer.name": N_("Customer's name"),
    "customer.ref": N_("Customer's reference"),
    "contact.email": N_("Address the message goes to"),
    "invoices": N_(
        "Invoices concerned; each has number, issue_date, due_date, total, amount_due, on_hold, days_late"
    ),
    "total_due": N_("Total still due on these invoices"),
    "total_on_hold": N_("Amount set aside while a dispute is examined"),
    "total_overdue": N_("Total overdue on the whole account"),
    "portal_link": N_("Personal link to the customer's account (pay, dispute, plan)"),
    "creditor.name": N_("Your business name"),
    "creditor.email": N_("Your contact email"),
    "creditor.phone": N_("Your contact phone"),
    "creditor.iban": N_("Your IBAN"),
    "penalties": N_("Late-payment penalties to date"),
    "indemnity": N_("Fixed recovery indemnity (business customers)"),
    "next_step_date": N_("Date of the next step, if any"),
    "deadline": N_("Deadline given in a formal notice (8 days)"),
    "today": N_("Today's date"),
}


#: Short names for the editor's insert buttons (the list of invoices comes as a block instead).
CHIPS: dict[str, str] = {
    "customer.name": N_("Customer name"),
    "total_due": N_("Amount due"),
    "total_overdue": N_("Overdue on the account"),
    "portal_link": N_("Account link"),
    "penalties": N_("Penalties"),
    "indemnity": N_("Indemnity"),
    "deadline": N_("Deadline"),
    "next_step_date": N_("Next step"),
    "today": N_("Today"),
    "customer.ref": N_("Customer reference"),
    "creditor.name": N_("Your name"),
    "creditor.email": N_("Your email"),
    "creditor.phone": N_("Your phone"),
    "creditor.iban": N_("Your IBAN"),
}


class TemplateInvalid(DomainError):
    """What is wrong, as a message id and its values, so the editor says it in the reader's
    language; `line` is the line of the faulty part, when Jinja knows it."""

    def __init__(self, field: str, message: str, line: int | None = None, **params: str):
        super().__init__(message % params)
        self.field = field
        self.message_id = message
        self.params = params
        self.line = line


_text_env = SandboxedEnvironment(
    autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True
)
_html_env = SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html_fragment: str
    """The HTML body without the email layout (empty if the template has none)."""


def render(subject: str, text_body: str, html_body: str, context: dict) -> Rendered:
    """Render the three parts; raises TemplateInvalid naming the faulty part."""
    parts = {}
    for field, source in (("subject", subject), ("text_body", text_body), ("html_body", html_body)):
        if not source:
            parts[field] = ""
            continue
        try:
            parts[field] = _compiled(field == "html_body", source).render(context)
        except TemplateError as exc:
            message, params = _explain(exc)
            line = getattr(exc, "lineno", None) or _line_of(source, params.get("name"))
            raise TemplateInvalid(field, message, line, **params) from exc
    subject_line = " ".join(parts["subject"].split())
    return Rendered(subject_line, parts["text_body"].strip() + "\n", parts["html_body"])


@lru_cache(maxsize=512)
def _compiled(html: bool, source: str):
    """Compiling is the costly part of rendering; a pass renders the same few sources thousands of times."""
    return (_html_env if html else _text_env).from_string(source)


def validate(subject: str, text_body: str, html_body: str, sample_context: dict) -> None:
    """Refuse a template that does not render against realistic data."""
    if not subject.strip():
        raise TemplateInvalid("subject", N_("The subject cannot be empty."))
    if not text_body.strip():
        raise TemplateInvalid("text_body", N_("The message cannot be empty."))
    render(subject, text_body, html_body, sample_context)


_UNKNOWN_NAME_RE = re.compile(r"'([^']+)' is undefined|has no attribute '([^']+)'")


def _line_of(source: str, name: str | None) -> int | None:
    """Jinja names no line for an unknown variable: the first line that mentions it."""
    if name:
        for number, line in enumerate(source.splitlines(), start=1):
            if re.search(rf"\b{re.escape(name)}\b", line):
                return number
    return None


def _explain(exc: TemplateError) -> tuple[str, dict[str, str]]:
    """Jinja's English for programmers, turned into a message id for the person writing."""
    if isinstance(exc, UndefinedError):
        found = _UNKNOWN_NAME_RE.search(str(exc.message or ""))
        name = next((g for g in found.groups() if g), "") if found else ""
        return N_("“%(name)s” is not one of the variables you can use."), {"name": name}
    if isinstance(exc, SecurityError):
        return N_("This is not allowed in a message."), {}
    if isinstance(exc, TemplateSyntaxError):
        return N_("Check the {{ }} marks: one is not closed, or holds something unknown."), {}
    return N_("The message cannot be written out with these variables."), {}


URL_RE = re.compile(r"(https?://[^\s<]+)")


def text_to_html(text: str) -> Markup:
    """Paragraphs and clickable links from the plain-text part, for the HTML email."""
    paragraphs = [p.strip() for p in text.strip().split("\n\n") if p.strip()]
    html = []
    for paragraph in paragraphs:
        escaped = str(escape(paragraph))
        linked = URL_RE.sub(r'<a href="\1">\1</a>', escaped)
        html.append("<p>" + linked.replace("\n", "<br>") + "</p>")
    return Markup("\n".join(html))
