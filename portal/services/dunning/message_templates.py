"""User-editable reminder templates: sandboxed Jinja on a budget, checked when saved.

The creditor writes subjects and bodies with `{{ variables }}`. They are
rendered in Jinja's sandbox (no access to Python internals) with strict
undefined variables, and every template is rendered against sample data and
real customers when it is saved, so most mistakes are shown to their author.

Jinja's sandbox guards Python's internals, not time or memory: two nested
`range(100000)` loops or `'x' * 10**9` would hold the dunning pass (and the
email delivery after it) forever. Every render therefore has a budget: each
loop iteration checks a deadline (the template's `for` loops are rewritten to
iterate through `_budgeted`), `*` and `**` refuse results beyond the output cap,
and the output is measured as it is produced. Whatever goes wrong while
rendering, the caller gets one exception, TemplateInvalid, naming the part.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError, nodes
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

    def __init__(
        self,
        field: str,
        message: str,
        line: int | None = None,
        *,
        over_budget: bool = False,
        **params: str,
    ):
        super().__init__(message % params if params else message)
        self.field = field
        self.message_id = message
        self.params = params
        self.line = line
        self.over_budget = over_budget
        """Too slow or too long: the same template will fail the same way for everyone."""


TOO_SLOW = N_("This message takes too long to write: is there a loop that never ends?")
TOO_LONG = N_("This message is far too long: is a loop repeating text many times?")


@dataclass(frozen=True)
class Budget:
    """What one message (its three parts together) may cost to render."""

    seconds: float = 1.0
    max_chars: int = 500_000


DEFAULT_BUDGET = Budget()


class _OverBudget(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class _Meter:
    """The running render's deadline and output count (one per render, in a ContextVar)."""

    __slots__ = ("deadline", "max_chars", "chars")

    def __init__(self, budget: Budget):
        self.deadline = time.monotonic() + budget.seconds
        self.max_chars = budget.max_chars
        self.chars = 0

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise _OverBudget(TOO_SLOW)

    def add(self, produced: int) -> None:
        self.chars += produced
        if self.chars > self.max_chars:
            raise _OverBudget(TOO_LONG)
        self.check_time()


_meter: ContextVar[_Meter | None] = ContextVar("template_meter", default=None)


def _budgeted(iterable: Iterable) -> Iterator:
    """What every `for` loop of a template iterates through: checks the deadline each time."""
    meter = _meter.get()
    for item in iterable:
        if meter is not None:
            meter.check_time()
        yield item


class _BudgetedEnvironment(SandboxedEnvironment):
    """The sandbox, with loops that watch the clock and `*`/`**` that watch the size."""

    intercepted_binops = frozenset(["*", "**"])

    def _parse(self, source, name, filename):
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Call(
                nodes.Name("_budgeted", "load"), [loop.iter], [], None, None, lineno=loop.lineno
            )
        return tree

    def call_binop(self, context, operator, left, right):
        meter = _meter.get()
        limit = meter.max_chars if meter is not None else DEFAULT_BUDGET.max_chars
        if operator == "**" and isinstance(right, int) and abs(right) > 64:
            raise _OverBudget(TOO_LONG)
        if operator == "*":
            for sized, times in ((left, right), (right, left)):
                sized_times = hasattr(sized, "__len__") and isinstance(times, int)
                if sized_times and len(sized) * times > limit:
                    raise _OverBudget(TOO_LONG)
        return super().call_binop(context, operator, left, right)


def _environment(**options) -> _BudgetedEnvironment:
    env = _BudgetedEnvironment(undefined=StrictUndefined, **options)
    env.globals["_budgeted"] = _budgeted
    return env


_text_env = _environment(autoescape=False, keep_trailing_newline=True)
_html_env = _environment(autoescape=True)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html_fragment: str
    """The HTML body without the email layout (empty if the template has none)."""


def render(
    subject: str,
    text_body: str,
    html_body: str,
    context: dict,
    budget: Budget = DEFAULT_BUDGET,
) -> Rendered:
    """Render the three parts within `budget`; raises TemplateInvalid naming the faulty part."""
    parts = {}
    meter = _Meter(budget)
    token = _meter.set(meter)
    try:
        for field, source in (
            ("subject", subject),
            ("text_body", text_body),
            ("html_body", html_body),
        ):
            parts[field] = _render_part(field, source, context, meter) if source else ""
    finally:
        _meter.reset(token)
    subject_line = " ".join(parts["subject"].split())
    return Rendered(subject_line, parts["text_body"].strip() + "\n", parts["html_body"])


def _render_part(field: str, source: str, context: dict, meter: _Meter) -> str:
    """One part, measured chunk by chunk; any error becomes TemplateInvalid."""
    chunks = []
    try:
        for chunk in _compiled(field == "html_body", source).generate(context):
            meter.add(len(chunk))
            chunks.append(chunk)
    except _OverBudget as exc:
        raise TemplateInvalid(field, exc.message, over_budget=True) from None
    except TemplateError as exc:
        message, params = _explain(exc)
        line = getattr(exc, "lineno", None) or _line_of(source, params.get("name"))
        raise TemplateInvalid(field, message, line, **params) from exc
    except Exception as exc:  # a division by zero, a recursion: the template's fault all the same
        raise TemplateInvalid(
            field, N_("The message cannot be written out: %(error)s."), error=type(exc).__name__
        ) from exc
    return "".join(chunks)


@lru_cache(maxsize=512)
def _compiled(html: bool, source: str):
    """Compiling is the costly part of rendering; a pass renders the same few sources thousands of times."""
    try:
        return (_html_env if html else _text_env).from_string(source)
    except TemplateError:
        raise
    except Exception as exc:  # the parser itself gave up (a template nested too deep)
        raise TemplateError(f"{type(exc).__name__}: {exc}") from exc


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
        if name:
            return N_("“%(name)s” is not one of the variables you can use."), {"name": name}
        return (
            N_("Something this message uses does not exist for this customer: %(detail)s."),
            {"detail": str(exc.message or "")},
        )
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
