"""The formal notice (mise en demeure): a letter to post by registered mail, as a PDF.

It is the last amicable step and the first document a judge reads if the claim
goes to court, so it must stand on its own: who claims what from whom, on which
invoices, with the penalties to date computed exactly as the penalties service
computes them, the legal basis, a dated deadline, what happens next, and how to
pay. The addressee block sits where the window of a French DL envelope shows it
(right-hand side, about 45 mm from the top of the sheet), so the letter can be
folded in three and posted as it is printed.

The figures are the claim's (`claim()`), never recomputed by the layout: the
totals printed always equal principal + interest + indemnities, to the cent.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.lists import format_list
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable
from sqlalchemy import func, select

from portal.extensions import db
from portal.i18n import FORMAT_LOCALES
from portal.models import (
    ActionStatus,
    Customer,
    CustomerKind,
    DunningAction,
    Invoice,
    InvoiceStatus,
    Organisation,
    ScenarioStep,
    StepKind,
)
from portal.services.claims import penalties
from portal.services.documents import layout
from portal.services.documents.documents import (
    Formats,
    document_language,
    document_meta,
    registration,
    safe_filename,
)
from portal.services.errors import N_, DomainError
from portal.services.payments import transfers
from portal.values.banking import format_iban

#: Where the addressee block starts, from the top of the sheet (DL window envelope).
ADDRESS_TOP = 45 * mm
#: Where it starts from the left edge of the sheet.
ADDRESS_LEFT = 105 * mm
#: Remittance text of a SEPA transfer (EPC069-12, unstructured): at most 140 characters.
REMITTANCE_MAX = 140
#: The EPC QR code cannot carry more than this.
EPC_MAX_CENTS = 999_999_999_99

LETTER = ParagraphStyle("letter", parent=layout.BODY, fontSize=9, leading=12.4, spaceAfter=5)
DEMAND = ParagraphStyle("demand", parent=LETTER, fontName=layout.BOLD)
LETTER_RIGHT = ParagraphStyle("letter-right", parent=LETTER, alignment=TA_RIGHT)
ADDRESS = ParagraphStyle("address", parent=LETTER, fontSize=10, leading=13.5, spaceAfter=0)
ADDRESS_NAME = ParagraphStyle("address-name", parent=ADDRESS, fontName=layout.BOLD)
MENTION = ParagraphStyle("mention", parent=LETTER, fontName=layout.BOLD, spaceAfter=2)
CAPTION = ParagraphStyle("caption", parent=layout.SMALL, alignment=TA_CENTER)
SUBJECT = ParagraphStyle("subject", parent=LETTER, fontName=layout.BOLD, fontSize=11, leading=14)


class LetterUnavailable(DomainError):
    """Nothing can be claimed, or the creditor's identity is missing."""


@dataclass(frozen=True)
class ClaimLine:
    """One invoice as the letter claims it."""

    invoice: Invoice
    claimed_cents: int
    """What is still due on it, less any amount set aside (under dispute)."""
    excluded_cents: int
    days_late: int
    interest_cents: int
    indemnity_cents: int


@dataclass
class Totals:
    principal_cents: int = 0
    interest_cents: int = 0
    indemnity_cents: int = 0
    excluded_cents: int = 0
    indemnities: int = 0
    """How many invoices carry the fixed indemnity."""

    @property
    def total_cents(self) -> int:
        return self.principal_cents + self.interest_cents + self.indemnity_cents


@dataclass(frozen=True)
class Claim:
    """What the letter claims, invoice by invoice and in total per currency."""

    lines: list[ClaimLine]
    totals: dict[str, Totals] = field(default_factory=dict)

    @property
    def interest_cents(self) -> int:
        return sum(t.interest_cents for t in self.totals.values())


def claim(
    organisation: Organisation,
    customer: Customer,
    invoices: list[Invoice],
    *,
    today: date,
    excluded_cents_by_invoice: dict[int, int] | None = None,
) -> Claim:
    """The overdue, still-open invoices with the penalties the penalties service gives today.

    An amount set aside on an invoice (under dispute) is neither claimed nor
    used as a base for interest; an invoice with nothing left to claim is left out.
    A consumer owes interest only from an earlier formal notice (Code civil 1231-6).
    """
    excluded = excluded_cents_by_invoice or {}
    overdue = sorted(
        (
            i
            for i in invoices
            if i.status is InvoiceStatus.OPEN and i.outstanding_cents > 0 and i.due_date < today
        ),
        key=lambda i: (i.due_date, i.number),
    )
    rates = penalties.load_rates()
    notices = (
        _earlier_notices(organisation, [i.id for i in overdue], today)
        if customer.kind is CustomerKind.CONSUMER
        else {}
    )
    lines, totals = [], defaultdict(Totals)
    for invoice in overdue:
        set_aside = min(max(0, excluded.get(invoice.id, 0)), invoice.outstanding_cents)
        claimed = invoice.outstanding_cents - set_aside
        if claimed <= 0:
            continue
        owed = penalties.for_invoice(
            invoice,
            organisation,
            customer.kind,
            today,
            rates,
            formal_notice_date=notices.get(invoice.id),
            excluded_cents=set_aside,
        )
        lines.append(
            ClaimLine(
                invoice,
                claimed,
                set_aside,
                owed.days_late,
                owed.interest_cents,
                owed.indemnity_cents,
            )
        )
        total = totals[invoice.currency]
        total.principal_cents += claimed
        total.interest_cents += owed.interest_cents
        total.indemnity_cents += owed.indemnity_cents
        total.excluded_cents += set_aside
        total.indemnities += 1 if owed.indemnity_cents else 0
    return Claim(lines, dict(totals))


def _earlier_notices(
    organisation: Organisation, invoice_ids: list[int], today: date
) -> dict[int, date]:
    """The day of the first formal notice already sent for each invoice, before today."""
    if not invoice_ids:
        return {}
    rows = db.session.execute(
        select(DunningAction.invoice_id, func.min(DunningAction.done_at))
        .join(ScenarioStep, ScenarioStep.id == DunningAction.step_id)
        .where(
            DunningAction.invoice_id.in_(invoice_ids),
            DunningAction.status == ActionStatus.SENT,
            ScenarioStep.kind == StepKind.FORMAL_NOTICE,
        )
        .group_by(DunningAction.invoice_id)
    )
    zone = ZoneInfo(organisation.timezone or "Europe/Paris")
    notices = {}
    for invoice_id, done_at in rows:
        if done_at is not None and (day := done_at.astimezone(zone).date()) < today:
            notices[invoice_id] = day
    return notices


def formal_notice_pdf(
    organisation: Organisation | None,
    customer: Customer,
    invoices: list[Invoice],
    *,
    today: date,
    now: datetime,
    deadline: date,
    portal_link: str,
    excluded_cents_by_invoice: dict[int, int] | None = None,
) -> bytes:
    """The letter, in the customer's language, dated `today`, asking for payment by `deadline`."""
    if organisation is None or not organisation.legal_name:
        raise LetterUnavailable(N_("Enter your company's identity in the settings first."))
    owed = claim(
        organisation,
        customer,
        invoices,
        today=today,
        excluded_cents_by_invoice=excluded_cents_by_invoice,
    )
    if not owed.lines:
        raise LetterUnavailable(N_("Nothing overdue is left to claim on these invoices."))
    language = document_language(organisation, customer)
    with force_locale(language):
        f = Formats(FORMAT_LOCALES.get(language, language))
        letter = _Letter(organisation, customer, owed, f, today=today, deadline=deadline)
        story = [
            *letter.heading(),
            *letter.invoices(),
            *letter.demand(),
            # Paying and signing stay together: a signature alone on a last sheet could belong
            # to any letter.
            layout.together([*letter.how_to_pay(portal_link), *letter.closing()]),
        ]
        # Dated in every page's footer, so a loose second sheet still says which letter it is.
        title = _("Formal notice to pay dated %(day)s", day=long_day(f, today))
        return layout.render(story, document_meta(organisation, language, title, customer), now)


def filename(organisation: Organisation, customer: Customer, today: date) -> str:
    """`mise-en-demeure-C0001-2026-11-23.pdf` in French."""
    with force_locale(document_language(organisation, customer)):
        return safe_filename(
            _("formal-notice-%(ref)s-%(day)s.pdf", ref=customer.ref, day=today.isoformat())
        )


def transfer_reference(customer: Customer, owed: Claim) -> str:
    """What the debtor quotes on a transfer: the customer reference and the invoice numbers."""
    text = " ".join([customer.ref, *(line.invoice.number for line in owed.lines)])
    return text if len(text) <= REMITTANCE_MAX else customer.ref[:REMITTANCE_MAX]


def epc_payload(organisation: Organisation, customer: Customer, owed: Claim) -> str | None:
    """The EPC QR payload for the whole claim, or None when a QR code cannot carry it."""
    if not organisation.iban or list(owed.totals) != ["EUR"]:
        return None
    amount = owed.totals["EUR"].total_cents
    if not 1 <= amount <= EPC_MAX_CENTS:
        return None
    return transfers.epc_payload(
        organisation, amount, "EUR", "", text=transfer_reference(customer, owed)
    )


class _Letter:
    """The letter's parts, in reading order; each returns flowables."""

    def __init__(
        self,
        organisation: Organisation,
        customer: Customer,
        owed: Claim,
        f: Formats,
        *,
        today: date,
        deadline: date,
    ) -> None:
        self.org = organisation
        self.customer = customer
        self.owed = owed
        self.f = f
        self.today = today
        self.deadline = deadline
        self.business = customer.kind is CustomerKind.BUSINESS

    def _money(self, cents: int, currency: str) -> str:
        return self.f.money(cents, currency)

    def _total(self) -> str:
        """The total claimed; a list of totals when the invoices are in several currencies."""
        amounts = [self._money(t.total_cents, c) for c, t in self.owed.totals.items()]
        return format_list(amounts, locale=self.f.language)

    def heading(self) -> list[Flowable]:
        """Sender at the top left, addressee in the envelope window, then place, date and subject."""
        org, customer, f = self.org, self.customer, self.f
        sender = [
            layout.para(org.display_name, layout.NAME),
            *layout.lines(
                [
                    org.legal_name if org.legal_name != org.display_name else "",
                    *org.address_lines,
                    f.country(org.country) if org.country not in ("", "FR") else "",
                    registration(org.siren, org.siret),
                    _("VAT number: %(number)s", number=org.vat_number) if org.vat_number else "",
                    org.contact_email,
                    org.contact_phone,
                ],
                layout.BODY,
            ),
        ]
        addressee = [
            layout.space((ADDRESS_TOP - layout.TOP_MARGIN) / mm),
            layout.para(customer.name, ADDRESS_NAME),
            *layout.lines(
                [
                    *customer.address_lines,
                    f.country(customer.country).upper()
                    if customer.country not in ("", org.country)
                    else "",
                ],
                ADDRESS,
            ),
        ]
        left_share = (ADDRESS_LEFT - layout.MARGIN) / layout.WIDTH
        place = (
            _("%(place)s, %(day)s", place=org.city, day=long_day(f, self.today))
            if org.city
            else long_day(f, self.today)
        )
        numbers = ", ".join(line.invoice.number for line in self.owed.lines)
        return [
            layout.columns(sender, addressee, left_share=left_share),
            layout.space(8),
            layout.para(place, LETTER_RIGHT),
            layout.space(4),
            layout.para(_("Registered letter with acknowledgement of receipt").upper(), MENTION),
            layout.para(
                " · ".join(
                    filter(
                        None,
                        [
                            _("Customer reference: %(ref)s", ref=customer.ref),
                            registration(customer.siren, ""),
                            _("Invoices: %(numbers)s", numbers=numbers),
                        ],
                    )
                ),
                layout.SMALL,
            ),
            layout.space(3),
            layout.para(_("Subject: %(subject)s", subject=_("Formal notice to pay")), SUBJECT),
            layout.space(3),
            layout.para(_("Dear Sir or Madam,"), LETTER),
            layout.para(
                ngettext(
                    "Unless we are mistaken, the following invoice is past its due date "
                    "and remains unpaid to this day:",
                    "Unless we are mistaken, the following invoices are past their due date "
                    "and remain unpaid to this day:",
                    len(self.owed.lines),
                ),
                LETTER,
            ),
        ]

    def _interest_shown(self) -> bool:
        """Business interest is always shown when charged; a consumer's only once it runs."""
        if self.business:
            return self.org.charge_penalties
        return self.owed.interest_cents > 0

    def invoices(self) -> list[Flowable]:
        """Each invoice with what is claimed on it, then the totals claimed."""
        f, show_interest = self.f, self._interest_shown()
        header = [_("Invoice"), _("Issue date"), _("Due date"), _("Days late"), _("Still due")]
        widths = [27, 32, 33, 30, 27]
        if show_interest:
            header.append(_("Interest"))
            widths.append(25)
        rows = []
        for line in self.owed.lines:
            currency = line.invoice.currency
            row = [
                line.invoice.number,
                f.day(line.invoice.issue_date),
                f.day(line.invoice.due_date),
                str(line.days_late),
                self._money(line.claimed_cents, currency),
            ]
            if show_interest:
                row.append(self._money(line.interest_cents, currency))
            rows.append(row)
        flow: list[Flowable] = [
            layout.grid(header, rows, widths=widths, numeric={3, 4, 5}),
            layout.space(3),
        ]
        for currency, totals in self.owed.totals.items():
            flow += [self._totals(currency, totals, show_interest), layout.space(2)]
            if totals.excluded_cents:
                flow.append(
                    layout.para(
                        _(
                            "%(amount)s under discussion with you is not claimed in this letter.",
                            amount=self._money(totals.excluded_cents, currency),
                        ),
                        layout.SMALL,
                    )
                )
        return [*flow, layout.space(3)]

    def _totals(self, currency: str, totals: Totals, show_interest: bool) -> Flowable:
        rows = [(_("Principal still due"), self._money(totals.principal_cents, currency))]
        if show_interest:
            rows.append(
                (
                    _("Late-payment interest to %(day)s", day=long_day(self.f, self.today)),
                    self._money(totals.interest_cents, currency),
                )
            )
        if totals.indemnity_cents:
            each = self._money(self.org.recovery_indemnity_cents, currency)
            rows.append(
                (
                    _(
                        "Fixed recovery indemnity (%(count)d × %(amount)s)",
                        count=totals.indemnities,
                        amount=each,
                    ),
                    self._money(totals.indemnity_cents, currency),
                )
            )
        rows.append((_("Total claimed"), self._money(totals.total_cents, currency)))
        return layout.summary(rows, layout.WIDTH * 0.72, strong={len(rows) - 1})

    def demand(self) -> list[Flowable]:
        """The demand with its deadline, the legal basis, the consequences, the way out."""
        f = self.f
        texts = [
            _(
                "We hereby formally demand that you pay us the sum of %(amount)s "
                "by %(deadline)s at the latest.",
                amount=self._total(),
                deadline=long_day(f, self.deadline),
            ),
            self._legal_basis(),
            _(
                "Failing payment by that date, we will take legal action to recover these sums "
                "without further notice, in particular by applying to the court for an order "
                "to pay (injonction de payer); the costs of the proceedings may be charged to you."
            ),
            self._way_out(),
        ]
        return [layout.para(text, DEMAND if i == 0 else LETTER) for i, text in enumerate(texts)]

    def _legal_basis(self) -> str:
        if not self.business:
            if self.owed.interest_cents:
                return _(
                    "This letter constitutes a formal notice under article 1344 of the French "
                    "Civil Code (Code civil). Under article 1231-6 of the same code, the sums due "
                    "have borne interest at the legal rate since our first formal notice; this "
                    "interest is included above."
                )
            return _(
                "This letter constitutes a formal notice under article 1344 of the French Civil "
                "Code (Code civil). Under article 1231-6 of the same code, the sums due bear "
                "interest at the legal rate from the date of this formal notice."
            )
        if not self.org.charge_penalties:
            return _(
                "We have not claimed the late-payment penalties and the fixed recovery indemnity "
                "provided for by articles L441-10 and D441-5 of the French Commercial Code "
                "(Code de commerce); we reserve the right to claim them if this notice is not "
                "acted upon."
            )
        rates = penalties.load_rates()
        rate_bp = rates.penalty_rate_bp(
            penalties.semester_start(self.today), self.org.penalty_margin_bp
        )
        currency = next(iter(self.owed.totals))
        return _(
            "Under article L441-10 of the French Commercial Code (Code de commerce), late-payment "
            "penalties are due as of right, without any reminder being necessary, from the day "
            "after the due date, at the European Central Bank's refinancing rate plus "
            "%(points)s points and no less than three times the legal interest rate "
            "(%(rate)s for the current half-year). Under article D441-5 of the same code, each "
            "invoice paid late also gives rise to a fixed indemnity of %(indemnity)s for "
            "recovery costs.",
            points=points(self.f, self.org.penalty_margin_bp),
            rate=self.f.rate(Decimal(rate_bp).scaleb(-2)),
            indemnity=self._money(self.org.recovery_indemnity_cents, currency),
        )

    def _way_out(self) -> str:
        phone = self.org.contact_phone.replace(" ", "\u00a0")
        contact = " · ".join(filter(None, [self.org.contact_email, phone]))
        if contact:
            return _(
                "If you have paid in the meantime, please disregard this letter. If you dispute "
                "all or part of these sums, or wish to agree on a payment schedule, please "
                "contact us without delay: %(contact)s.",
                contact=contact,
            )
        return _(
            "If you have paid in the meantime, please disregard this letter. If you dispute all "
            "or part of these sums, or wish to agree on a payment schedule, please contact us "
            "without delay."
        )

    def how_to_pay(self, portal_link: str) -> list[Flowable]:
        """The portal link, the bank details with the reference to quote, and the EPC QR code."""
        org = self.org
        reference = transfer_reference(self.customer, self.owed)
        details: list[Flowable] = [
            layout.para(_("How to pay"), layout.HEADING),
        ]
        if portal_link:
            details.append(
                layout.para(
                    _("Online, on your customer account: %(link)s", link=portal_link), LETTER
                )
            )
        if org.iban:
            details += [
                layout.para(_("By bank transfer to:"), LETTER),
                *layout.lines(
                    [
                        _("Account holder: %(name)s", name=org.legal_name),
                        _("IBAN: %(iban)s", iban=format_iban(org.iban)),
                        _("BIC: %(bic)s", bic=org.bic) if org.bic else "",
                        _("Reference to quote: %(reference)s", reference=reference),
                    ],
                    layout.STRONG,
                ),
            ]
        payload = epc_payload(org, self.customer, self.owed)
        if payload is None:
            return details
        code = [
            _qr_drawing(payload, 28 * mm),
            layout.para(
                _(
                    "Scan with your banking app to pay %(amount)s by transfer.",
                    amount=self._total(),
                ),
                CAPTION,
            ),
        ]
        return [layout.columns(details, code, left_share=0.74)]

    def closing(self) -> list[Flowable]:
        """The courtesy formula, then room for a handwritten signature under the creditor's name."""
        signature = [
            layout.para(_("For %(name)s", name=self.org.legal_name), LETTER),
            layout.space(16),
        ]
        return [
            layout.space(4),
            layout.para(_("Yours faithfully,"), LETTER),
            layout.space(2),
            layout.columns([layout.space(1)], signature, left_share=0.55),
        ]


def long_day(f: Formats, day: date) -> str:
    """A long date; French writes the first of the month as an ordinal (1er décembre 2026)."""
    text = f.day(day, "long")
    if f.language.startswith("fr") and day.day == 1 and text.startswith("1 "):
        return "1er" + text[1:]
    return text


def points(f: Formats, basis_points: int) -> str:
    """Points of interest from basis points: 1000 → 10, 1050 → 10,5."""
    return f.number(Decimal(basis_points).scaleb(-2))


def _qr_drawing(payload: str, size: float) -> Drawing:
    """A vector QR code (error correction M, as the EPC guidelines ask)."""
    widget = QrCodeWidget(payload, barLevel="M", barBorder=2)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    drawing.hAlign = "CENTER"
    return drawing
