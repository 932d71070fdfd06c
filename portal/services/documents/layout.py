"""ReportLab building blocks shared by the documents: one font, one look, one page frame.

The font is DejaVu Sans, shipped in `fonts/`: ReportLab's built-in Helvetica only
knows cp1252, which has the euro sign and French accents but not the narrow
no-break space Babel puts in French amounts (`1 234,56 €`), nor the letters of
many foreign customer names. The PDF embeds only the glyphs it uses.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

FONTS = Path(__file__).parent / "fonts"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
TOP_MARGIN = 16 * mm
BOTTOM_MARGIN = 22 * mm
WIDTH = PAGE_WIDTH - 2 * MARGIN

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#616e7c")
RULE = colors.HexColor("#cbd2d9")
SHADE = colors.HexColor("#eef1f4")


def _register_fonts() -> None:
    if REGULAR in pdfmetrics.getRegisteredFontNames():
        return
    pdfmetrics.registerFont(TTFont(REGULAR, str(FONTS / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONTS / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(
        REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD
    )


_register_fonts()

BODY = ParagraphStyle("body", fontName=REGULAR, fontSize=8.5, leading=11.5, textColor=INK)
BODY_RIGHT = ParagraphStyle("body-right", parent=BODY, alignment=TA_RIGHT)
STRONG = ParagraphStyle("strong", parent=BODY, fontName=BOLD)
STRONG_RIGHT = ParagraphStyle("strong-right", parent=STRONG, alignment=TA_RIGHT)
IDENTITY = ParagraphStyle("identity", parent=BODY, fontSize=7.5, leading=10)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=7, leading=9.5, textColor=MUTED)
NAME = ParagraphStyle("name", parent=BODY, fontName=BOLD, fontSize=12, leading=15, spaceAfter=2)
TITLE = ParagraphStyle(
    "title", parent=BODY, fontName=BOLD, fontSize=17, leading=21, alignment=TA_RIGHT, spaceAfter=4
)
HEADING = ParagraphStyle(
    "heading",
    parent=BODY,
    fontName=BOLD,
    fontSize=10,
    leading=13,
    spaceBefore=12,
    spaceAfter=5,
    keepWithNext=1,
)
LABEL = ParagraphStyle("label", parent=SMALL, fontName=BOLD, textColor=MUTED, spaceAfter=2)


def para(value: str, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of plain text: Paragraph reads markup, so data is escaped first.

    Paragraph also breaks lines at a narrow no-break space, which would split a
    French amount (`1 234,56 €`) over two lines: it becomes a plain no-break space.
    """
    text = escape(value.replace("\u202f", "\xa0")).replace("\n", "<br/>")
    return Paragraph(text, style)


def lines(values: Iterable[str], style: ParagraphStyle = BODY) -> list[Paragraph]:
    return [para(value, style) for value in values if value]


def heading(value: str) -> Paragraph:
    return para(value, HEADING)


def together(flowables: Sequence[Flowable]) -> KeepTogether:
    """Moved whole to the next page rather than split (a totals box, the bank details)."""
    return KeepTogether(list(flowables))


def space(height_mm: float) -> Spacer:
    return Spacer(1, height_mm * mm)


def columns(left: Sequence[Flowable], right: Sequence[Flowable], left_share: float = 0.55) -> Table:
    """Two blocks side by side, top-aligned, without borders."""
    table = Table(
        [[list(left), list(right)]],
        colWidths=[WIDTH * left_share, WIDTH * (1 - left_share)],
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def boxed(content: Sequence[Flowable], width: float) -> Table:
    """The addressee's block, framed like the window of an envelope."""
    table = Table([[list(content)]], colWidths=[width])
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.6, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    table.hAlign = "RIGHT"
    return table


def grid(
    header: Sequence[str],
    rows: Sequence[Sequence[str | Flowable]],
    widths: Sequence[float],
    numeric: Iterable[int] = (),
    width: float = WIDTH,
) -> Table:
    """A table of rows with a shaded header repeated on every page; numbers right-aligned.

    `widths` are relative: the columns are scaled to fill `width`. Numeric cells
    are drawn as single-line strings, exactly as Babel wrote them.
    """
    numeric = set(numeric)
    scale = width / sum(widths)
    head = [
        para(label, STRONG_RIGHT if index in numeric else STRONG)
        for index, label in enumerate(header)
    ]
    body = [
        [
            cell if isinstance(cell, Flowable) or index in numeric else para(cell)
            for index, cell in enumerate(row)
        ]
        for row in rows
    ]
    table = Table([head, *body], colWidths=[w * scale for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
                ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                *_cell_text(BODY),
                *[("ALIGN", (index, 1), (index, -1), "RIGHT") for index in numeric],
            ]
        )
    )
    return table


def _cell_text(style: ParagraphStyle, cells: tuple = ((0, 0), (-1, -1))) -> list[tuple]:
    """Table commands that draw string cells like a paragraph of `style`."""
    return [
        ("FONT", *cells, style.fontName, style.fontSize, style.leading),
        ("TEXTCOLOR", *cells, style.textColor),
    ]


def summary(rows: Sequence[tuple[str, str]], width: float, strong: Iterable[int] = ()) -> Table:
    """Label/amount pairs, right-aligned on the page; strong rows bold with a rule above."""
    strong = set(strong)
    data = [
        [para(label, STRONG if i in strong else BODY), value]
        for i, (label, value) in enumerate(rows)
    ]
    table = Table(data, colWidths=[width * 0.6, width * 0.4])
    commands: list[tuple] = [
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        *_cell_text(BODY),
    ]
    for i in strong:
        commands += [
            ("LINEABOVE", (0, i), (-1, i), 0.8, INK),
            ("BACKGROUND", (0, i), (-1, i), SHADE),
            *_cell_text(STRONG, ((1, i), (1, i))),
        ]
    table.setStyle(TableStyle(commands))
    table.hAlign = "RIGHT"
    return table


@dataclass(frozen=True)
class Meta:
    """What the PDF says about itself, and the text of every page's footer."""

    title: str
    author: str
    subject: str
    language: str
    footer: str
    page_label: str
    """A format string with %(page)d and %(pages)d, already translated."""


class _Canvas(Canvas):
    """Holds pages back until the end, so each footer can say "page 1 of 3".

    The creation date is the caller's `now`, and ReportLab's invariant mode fixes
    the file identifier: the same data at the same time gives the same bytes.
    """

    def __init__(self, *args, meta: Meta, now: datetime, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._meta = meta
        self._held: list[dict] = []
        stamp = now.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'")
        self.setDateFormatter(lambda *_: stamp)

    def showPage(self) -> None:  # noqa: N802 - ReportLab's name
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        pages = len(self._held)
        for number, state in enumerate(self._held, start=1):
            self.__dict__.update(state)
            self._footer(number, pages)
            super().showPage()
        super().save()

    def _footer(self, page: int, pages: int) -> None:
        top = BOTTOM_MARGIN - 6 * mm
        self.setStrokeColor(RULE)
        self.setLineWidth(0.4)
        self.line(MARGIN, top, PAGE_WIDTH - MARGIN, top)
        label = f"{self._meta.subject} · {self._meta.page_label % {'page': page, 'pages': pages}}"
        self.setFont(REGULAR, 7)
        self.setFillColor(MUTED)
        self.drawRightString(PAGE_WIDTH - MARGIN, top - 10, label)
        footer = para(self._meta.footer, SMALL)
        _, height = footer.wrapOn(self, WIDTH - 30 * mm, 20 * mm)
        footer.drawOn(self, MARGIN, top - 3 - height)


def render(story: list[Flowable], meta: Meta, now: datetime) -> bytes:
    """Lay the story out on A4 pages and return the PDF file."""
    buffer = io.BytesIO()
    # A frame without ReportLab's default 6 pt padding, so tables are exactly WIDTH wide.
    frame = Frame(
        MARGIN,
        BOTTOM_MARGIN,
        WIDTH,
        PAGE_HEIGHT - TOP_MARGIN - BOTTOM_MARGIN,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    document = BaseDocTemplate(
        buffer,
        pagesize=A4,
        pageTemplates=[PageTemplate("page", frames=[frame])],
        title=meta.title,
        author=meta.author,
        subject=meta.subject,
        creator=meta.author,
        lang=meta.language,
        initialFontName=REGULAR,
        invariant=True,
    )
    document.build(story, canvasmaker=partial(_Canvas, meta=meta, now=now))
    return buffer.getvalue()
