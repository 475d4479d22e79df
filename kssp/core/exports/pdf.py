"""PDF files of an ``ExportDocument`` (reportlab, DejaVu Sans vendored under ``static/fonts/``).

reportlab's base-14 fonts have neither č ć đ nor Cyrillic; DejaVu Sans covers Albanian, Serbian in both
scripts and English, and is embedded (subset, with a ToUnicode map, so that the text can be searched
and copied: a test runs ``pdftotext`` on "čćđšž ëç АБВ").

Every page carries the classification marking in its header and its footer, the page number "n / N",
and, under the status-neutral profile, the UNSCR 1244 footnote. The first page opens with the
designation (letterhead), the exporting institution, the title and who exported what, why and for whom.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.doctemplate import LayoutError

from kssp.core.exports.document import ExportDocument, as_display_text

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_FILES = {FONT: "fonts/DejaVuSans.ttf", FONT_BOLD: "fonts/DejaVuSans-Bold.ttf"}
CELL_MAX = 600  # characters of one table cell; longer text is cut (the CSV and XLSX keep it whole)
CELL_MAX_RETRY = 120  # when a row still does not fit on a page
MARKING_COLOUR = colors.HexColor("#B00020")

_fonts_lock = threading.Lock()
_fonts_ready = False


def font_path(relative: str) -> Path:
    found = finders.find(relative)
    if found:
        return Path(found if isinstance(found, str) else found[0])
    return Path(settings.BASE_DIR) / "static" / relative


def register_fonts() -> None:
    """Register DejaVu Sans (regular and bold) with reportlab once per process."""
    global _fonts_ready
    if _fonts_ready:
        return
    with _fonts_lock:
        if _fonts_ready:
            return
        for name, relative in FONT_FILES.items():
            pdfmetrics.registerFont(TTFont(name, str(font_path(relative))))
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)
        _fonts_ready = True


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=9, leading=11.5)
    return {
        "designation": ParagraphStyle("designation", parent=base, fontName=FONT_BOLD, fontSize=11, leading=14, alignment=TA_CENTER),
        "institution": ParagraphStyle("institution", parent=base, fontSize=10, leading=13, alignment=TA_CENTER),
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=14, leading=18, spaceBefore=8, spaceAfter=6),
        "meta_label": ParagraphStyle("meta_label", parent=base, fontName=FONT_BOLD, fontSize=8, leading=10),
        "meta": ParagraphStyle("meta", parent=base, fontSize=8, leading=10),
        "head": ParagraphStyle("head", parent=base, fontName=FONT_BOLD, fontSize=8, leading=10),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
        "number": ParagraphStyle("number", parent=base, fontSize=8, leading=10, alignment=TA_RIGHT),
        "note": ParagraphStyle("note", parent=base, fontSize=8, leading=10, textColor=colors.HexColor("#495057")),
        "marking": ParagraphStyle("marking", parent=base, fontName=FONT_BOLD, fontSize=9, textColor=MARKING_COLOUR),
    }


def _para(text: Any, style: ParagraphStyle, limit: int | None = None) -> Paragraph:
    value = as_display_text(text)
    if limit is not None and len(value) > limit:
        value = value[: limit - 1] + "…"
    return Paragraph(escape(value).replace("\n", "<br/>"), style)


def _cell(value: Any, style: ParagraphStyle, limit: int, width: float) -> Any:
    """A table cell: short text that fits on one line as a plain string (fast), anything else as a
    wrapping paragraph."""
    text = as_display_text(value)
    if "\n" not in text and pdfmetrics.stringWidth(text, style.fontName, style.fontSize) < width - 13:
        return text
    return _para(text, style, limit)


PADDING = 13  # a cell's left and right padding, with a point to spare


def _words(text: str) -> list[str]:
    return [word for word in text.split() if word]


def column_widths(doc: ExportDocument, shown: list[int], available: float, cell_max: int) -> list[float]:
    """Column widths that never break a word (#7 point 2: "Classificatio|n", "BUL-KP-202|6-000004"):
    each column is at least as wide as its longest word (header in bold), the rest of the page shared
    by the declared relative widths. Only when the longest words alone do not fit is a word broken."""
    columns = [doc.columns[index] for index in shown]
    need = []
    for index, column in zip(shown, columns, strict=True):
        longest = max((pdfmetrics.stringWidth(w, FONT_BOLD, 8) for w in _words(column.label)), default=0)
        for row in doc.rows:
            text = as_display_text(row[index])[:cell_max] if index < len(row) else ""
            for word in _words(text):
                longest = max(longest, pdfmetrics.stringWidth(word, FONT, 8))
        # A "word" longer than half the page (a pasted hash, a run of one letter) is broken anyway.
        need.append(max(16.0, min(longest, available / 2)) + PADDING)
    total = sum(column.width for column in columns) or 1
    widths = [available * column.width / total for column in columns]
    if sum(need) >= available:
        return [available * n / sum(need) for n in need]  # each at least its share: words break only here
    # Give each narrow column what it needs and share what is left among the others, until all fit.
    fixed: dict[int, float] = {}
    while True:
        rest = available - sum(fixed.values())
        share = sum(column.width for i, column in enumerate(columns) if i not in fixed) or 1
        widths = [fixed.get(i, rest * column.width / share) for i, column in enumerate(columns)]
        short = [i for i, width in enumerate(widths) if i not in fixed and width < need[i]]
        if not short:
            return widths
        for i in short:
            fixed[i] = need[i]


def _decorations(doc: ExportDocument, pagesize: tuple[float, float], margin: float) -> Any:
    """The canvas class that draws the header and footer of every page once the page count is known."""
    width, height = pagesize
    footnote_lines = simpleSplit(doc.footnote, FONT, 6.5, width - 2 * margin) if doc.footnote else []
    page_label = _("Page %(page)s of %(pages)s")

    def draw(pdf: canvas.Canvas, page: int, pages: int) -> None:
        pdf.saveState()
        pdf.setFillColor(MARKING_COLOUR)
        pdf.setFont(FONT_BOLD, 9)
        pdf.drawCentredString(width / 2, height - margin + 4 * mm, doc.marking)
        pdf.drawCentredString(width / 2, margin - 9 * mm, doc.marking)
        pdf.setFillColor(colors.HexColor("#495057"))
        pdf.setFont(FONT, 7)
        pdf.drawString(margin, height - margin + 4 * mm, doc.title[:90])
        pdf.drawRightString(width - margin, margin - 9 * mm, page_label % {"page": page, "pages": pages})
        y = margin - 3.5 * mm
        pdf.setFont(FONT, 6.5)
        for line in reversed(footnote_lines):
            pdf.drawString(margin, y, line)
            y += 8
        pdf.restoreState()

    class DecoratedCanvas(canvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                draw(self, self._pageNumber, total)
                super().showPage()
            super().save()

    return DecoratedCanvas


def _story(doc: ExportDocument, available: float, cell_max: int) -> list[Any]:
    styles = _styles()
    story: list[Any] = [_para(doc.designation, styles["designation"])]
    if doc.institution:
        story.append(_para(doc.institution, styles["institution"]))
    story.append(_para(doc.title, styles["title"]))
    meta = [[_para(label, styles["meta_label"]), _para(value, styles["meta"])] for label, value in doc.meta]
    meta.append([_para(_("Marking"), styles["meta_label"]), _para(doc.marking, styles["marking"])])
    for detail in doc.marking_details:
        meta.append([_para(_("Handling code"), styles["meta_label"]), _para(detail, styles["meta"])])
    meta_table = Table(meta, colWidths=[available * 0.22, available * 0.78], hAlign="LEFT")
    meta_table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                                    ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story += [meta_table, Spacer(1, 5 * mm)]

    if doc.rows:
        shown = [index for index, column in enumerate(doc.columns) if not column.block]
        blocks = [index for index, column in enumerate(doc.columns) if column.block]
        columns = [doc.columns[index] for index in shown]
        widths = column_widths(doc, shown, available, cell_max)
        data: list[list[Any]] = [[_para(column.label, styles["head"]) for column in columns]]
        spans: list[Any] = []
        for row in doc.rows:
            data.append([
                _cell(row[index], styles["number"] if column.numeric else styles["cell"], cell_max, width)
                for index, column, width in zip(shown, columns, widths, strict=False)
            ])
            for index in blocks:
                text = as_display_text(row[index]) if index < len(row) else ""
                if text.strip():
                    # The record's long text (a bulletin's body) across the page, under its row.
                    label = escape(doc.columns[index].label)
                    body = escape(text[:cell_max * 4]).replace("\n", "<br/>")
                    data.append([Paragraph(f"<b>{label}:</b> {body}", styles["cell"])] + [""] * (len(columns) - 1))
                    spans.append(("SPAN", (0, len(data) - 1), (-1, len(data) - 1)))
        numeric = [index for index, column in enumerate(columns) if column.numeric]
        table = LongTable(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
        table.setStyle(TableStyle([
            *spans,
            ("FONTNAME", (0, 1), (-1, -1), FONT),
            ("FONTSIZE", (0, 1), (-1, -1), 8),
            ("LEADING", (0, 1), (-1, -1), 10),
            *[("ALIGN", (index, 1), (index, -1), "RIGHT") for index in numeric],
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E9ECEF")),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.HexColor("#495057")),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#CED4DA")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#F8F9FA")]),
        ]))
        story.append(table)
    else:
        story.append(_para(_("No records."), styles["cell"]))
    for note in doc.notes:
        story += [Spacer(1, 3 * mm), _para(note, styles["note"])]
    return story


def write_pdf(doc: ExportDocument) -> bytes:
    register_fonts()
    pagesize = landscape(A4) if len(doc.columns) > 5 else A4
    margin = 18 * mm
    bottom = margin + (4 * mm if doc.footnote else 0)
    for cell_max in (CELL_MAX, CELL_MAX_RETRY):
        buffer = io.BytesIO()
        template = SimpleDocTemplate(
            buffer, pagesize=pagesize, leftMargin=margin, rightMargin=margin, topMargin=margin, bottomMargin=bottom,
            title=doc.title, author=doc.institution, subject=doc.marking, creator="KSSP Platform", lang=doc.language,
        )
        try:
            template.build(_story(doc, template.width, cell_max), canvasmaker=_decorations(doc, pagesize, margin))
        except LayoutError:
            continue
        return buffer.getvalue()
    raise LayoutError("a row does not fit on a page even with shortened cells")
