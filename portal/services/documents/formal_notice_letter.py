"""The formal notice (mise en demeure) drawn as a PDF: a letter to post by registered mail.

It must stand on its own: who claims what from whom, on which invoices, the
demand with a dated deadline, and how to pay. The addressee block sits where the
window of a French DL envelope shows it (right-hand side, about 45 mm from the
top of the sheet), so the letter can be folded in three and posted as it is
printed. The figures come from `formal_notice.claim`, the paragraphs from
`formal_notice_wording`; this module only lays them out.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from portal.models import Customer, CustomerKind, Invoice, Organisation
from portal.services.documents import formal_notice_wording as wording
from portal.services.documents import layout, penalty_detail
from portal.services.documents.document_text import (
    Formats,
    creditor_identity,
    document_language,
    document_meta,
    registration,
    safe_filename,
)
from portal.services.documents.formal_notice import (
    Claim,
    LetterUnavailable,
    Totals,
    claim,
    epc_payload,
    transfer_reference,
)
from portal.services.errors import N_
from portal.values.banking import format_iban
from portal.values.locales import format_locale

#: Where the addressee block starts, from the top of the sheet (DL window envelope).
ADDRESS_TOP = 45 * mm
#: Where it starts from the left edge of the sheet.
ADDRESS_LEFT = 105 * mm

LETTER = ParagraphStyle("letter", parent=layout.BODY, fontSize=9, leading=12.4, spaceAfter=5)
DEMAND = ParagraphStyle("demand", parent=LETTER, fontName=layout.BOLD)
LETTER_RIGHT = ParagraphStyle("letter-right", parent=LETTER, alignment=TA_RIGHT)
ADDRESS = ParagraphStyle("address", parent=LETTER, fontSize=10, leading=13.5, spaceAfter=0)
ADDRESS_NAME = ParagraphStyle("address-name", parent=ADDRESS, fontName=layout.BOLD)
MENTION = ParagraphStyle("mention", parent=LETTER, fontName=layout.BOLD, spaceAfter=2)
CAPTION = ParagraphStyle("caption", parent=layout.SMALL, alignment=TA_CENTER)
SUBJECT = ParagraphStyle("subject", parent=LETTER, fontName=layout.BOLD, fontSize=11, leading=14)


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
    sent_by: str = "post",
) -> bytes:
    """The letter, in the customer's language, dated `today`, asking for payment by `deadline`.

    `sent_by` (email, post, or both) is printed above the subject: a letter that
    says "registered letter" but only travels by email misleads the reader, and a
    judge reads how the debtor was put on notice.
    """
    if organisation is None or not organisation.legal_name:
        raise LetterUnavailable(N_("Enter your company's identity in the settings first."))
    owed = claim(
        organisation,
        customer,
        invoices,
        today=today,
        excluded_cents_by_invoice=excluded_cents_by_invoice,
    )
    if not owed.unpaid:
        raise LetterUnavailable(N_("Nothing overdue is left to claim on these invoices."))
    if owed.missing_half_years:
        raise LetterUnavailable(
            N_("Enter the reference rates of every half-year first: a penalty needs them.")
        )
    language = document_language(organisation, customer)
    with force_locale(language):
        f = Formats(format_locale(language))
        letter = _Letter(
            organisation, customer, owed, f, today=today, deadline=deadline, sent_by=sent_by
        )
        story = [
            *letter.heading(),
            *letter.invoices(),
            *letter.demand(),
            # Paying and signing stay together: a signature alone on a last sheet could belong
            # to any letter.
            layout.together([*letter.how_to_pay(portal_link), *letter.closing()]),
        ]
        # Dated in every page's footer, so a loose second sheet still says which letter it is.
        title = _("Formal notice to pay dated %(day)s", day=wording.long_day(f, today))
        return layout.render(story, document_meta(organisation, language, title, customer), now)


def filename(organisation: Organisation, customer: Customer, today: date) -> str:
    """`mise-en-demeure-C0001-2026-11-23.pdf` in French."""
    with force_locale(document_language(organisation, customer)):
        return safe_filename(
            _("formal-notice-%(ref)s-%(day)s.pdf", ref=customer.ref, day=today.isoformat())
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
        sent_by: str = "post",
    ) -> None:
        self.sent_by = sent_by
        self.org = organisation
        self.customer = customer
        self.owed = owed
        self.f = f
        self.today = today
        self.deadline = deadline
        self.business = customer.kind is CustomerKind.BUSINESS

    def heading(self) -> list[Flowable]:
        """Sender at the top left, addressee in the envelope window, then place, date and subject."""
        org, customer, f = self.org, self.customer, self.f
        sender = [
            layout.para(org.display_name, layout.NAME),
            *layout.lines(creditor_identity(org, f), layout.BODY),
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
        day = wording.long_day(f, self.today)
        place = _("%(place)s, %(day)s", place=org.city, day=day) if org.city else day
        return [
            layout.columns(sender, addressee, left_share=left_share),
            layout.space(8),
            layout.para(place, LETTER_RIGHT),
            layout.space(4),
            layout.para(self._how_sent().upper(), MENTION),
            layout.para(self._references(), layout.SMALL),
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
                    len(self.owed.unpaid),
                ),
                LETTER,
            ),
        ]

    def _paid_late(self) -> list[Flowable]:
        """Invoices paid after their due date: what accrued until payment is still owed."""
        f = self.f
        if self.business:
            text = _(
                "Invoice %(number)s, due on %(due)s, was paid %(days)d days late: the "
                "late-payment penalties accrued until its payment and the fixed recovery "
                "indemnity remain due."
            )
        else:
            text = _(
                "Invoice %(number)s, due on %(due)s, was paid %(days)d days late: the "
                "interest accrued until its payment remains due."
            )
        return [
            layout.para(
                text
                % {
                    "number": line.invoice.number,
                    "due": f.day(line.invoice.due_date),
                    "days": line.days_late,
                },
                layout.SMALL,
            )
            for line in self.owed.paid_late
        ]

    def _how_sent(self) -> str:
        if self.sent_by == "email":
            return _("Sent by email")
        if self.sent_by == "both":
            return _("Registered letter with acknowledgement of receipt, copy sent by email")
        return _("Registered letter with acknowledgement of receipt")

    def _references(self) -> str:
        """The customer's reference, SIREN and invoice numbers, on one line under the mention."""
        numbers = ", ".join(line.invoice.number for line in self.owed.invoices)
        references = [
            _("Customer reference: %(ref)s", ref=self.customer.ref),
            registration(self.customer.siren, ""),
            _("Invoices: %(numbers)s", numbers=numbers),
        ]
        return " · ".join(filter(None, references))

    def _interest_shown(self) -> bool:
        """Business interest is always shown when charged; a consumer's only once it runs."""
        if self.business:
            return self.owed.penalties_on
        return self.owed.penalty_cents > 0

    def invoices(self) -> list[Flowable]:
        """Each invoice with what is claimed on it, then the totals claimed."""
        f, show_interest = self.f, self._interest_shown()
        header = [_("Invoice"), _("Issue date"), _("Due date"), _("Days late"), _("Still due")]
        widths = [27, 32, 33, 30, 27]
        if show_interest:
            header.append(_("Interest"))
            widths.append(25)
        rows = []
        for line in self.owed.invoices:
            currency = line.invoice.currency
            row = [
                line.invoice.number,
                f.day(line.invoice.issue_date),
                f.day(line.invoice.due_date),
                str(line.days_late),
                f.money(line.principal_cents, currency),
            ]
            if show_interest:
                row.append(f.money(line.penalty_cents, currency))
            rows.append(row)
        flow: list[Flowable] = [
            layout.grid(header, rows, widths=widths, numeric={3, 4, 5}),
            layout.space(3),
            *self._paid_late(),
        ]
        if show_interest:
            flow += penalty_detail.segments(self.owed, f)
        for currency, totals in self.owed.totals.items():
            flow += [self._totals(currency, totals, show_interest), layout.space(2)]
            if totals.set_aside_cents:
                flow.append(
                    layout.para(
                        _(
                            "%(amount)s under discussion with you is not claimed in this letter.",
                            amount=f.money(totals.set_aside_cents, currency),
                        ),
                        layout.SMALL,
                    )
                )
        return [*flow, layout.space(3)]

    def _totals(self, currency: str, totals: Totals, show_interest: bool) -> Flowable:
        f = self.f
        rows = [(_("Principal still due"), f.money(totals.principal_cents, currency))]
        if show_interest:
            rows.append(
                (
                    _("Late-payment interest to %(day)s", day=wording.long_day(f, self.today)),
                    f.money(totals.penalty_cents, currency),
                )
            )
        if totals.indemnity_cents:
            each = f.money(totals.indemnity_cents // totals.indemnities, currency)
            rows.append(
                (
                    _(
                        "Fixed recovery indemnity (%(count)d × %(amount)s)",
                        count=totals.indemnities,
                        amount=each,
                    ),
                    f.money(totals.indemnity_cents, currency),
                )
            )
        rows.append((_("Total claimed"), f.money(totals.total_cents, currency)))
        return layout.summary(rows, layout.WIDTH * 0.72, strong={len(rows) - 1})

    def demand(self) -> list[Flowable]:
        """The demand (in bold) with its deadline, the legal basis, the consequences, the way out."""
        texts = wording.demand(
            self.org,
            self.owed,
            self.f,
            business=self.business,
            today=self.today,
            deadline=self.deadline,
        )
        return [layout.para(text, DEMAND if i == 0 else LETTER) for i, text in enumerate(texts)]

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
                    amount=wording.total_claimed(self.owed, self.f),
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


def _qr_drawing(payload: str, size: float) -> Drawing:
    """A vector QR code (error correction M, as the EPC guidelines ask)."""
    widget = QrCodeWidget(payload, barLevel="M", barBorder=2)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    drawing.hAlign = "CENTER"
    return drawing
