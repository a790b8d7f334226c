"""The social report as a PDF, for the board to send and file: the same sections,
tables and narrative as the printable page (node.social_report_tables), in the
co-op's language.

Written with fpdf2's built-in Helvetica, so no font file has to be found on the
machine. That font holds Latin-1 only: anything else the board types (curly
quotes, the euro sign, another script) is written in its nearest Latin-1 form,
or as "?", rather than refused.
"""

import datetime as dt
import gettext
import unicodedata
from collections.abc import Mapping

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from node.social_report_tables import NETWORK_HEADING, Row, Section, Table

# Characters outside Latin-1 that have a usual plain form.
PLAIN_FORMS = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": ",",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2026": "...",
    "\u20ac": "EUR",
    "\u0152": "OE",
    "\u0153": "oe",
    "\u2022": "-",
}
# CLDR's spaces inside numbers ("1 234", "45 %"): a plain no-break space.
SPACES = {"\u202f", "\u2009", "\u2007", "\u2002", "\u2003"}


def latin1(text: str) -> str:
    """``text`` in characters the built-in font has."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        if char == "\n" or (" " <= char <= "~") or ("\xa0" <= char <= "\xff"):
            out.append(char)
        elif char in SPACES:
            out.append("\xa0")
        elif char in PLAIN_FORMS:
            out.append(PLAIN_FORMS[char])
        elif char == "\t":
            out.append(" ")
        elif unicodedata.category(char).startswith("C"):
            continue  # control characters: nothing to print
        else:
            decomposed = unicodedata.normalize("NFKD", char)
            plain = decomposed.encode("latin-1", "ignore").decode("latin-1")
            out.append(plain.strip() or "?")
    return "".join(out)


class ReportPdf:
    def __init__(self, catalog: gettext.NullTranslations) -> None:
        self._ = catalog.gettext
        self.pdf = FPDF(format="A4")
        self.pdf.set_auto_page_break(True, margin=15)
        self.pdf.set_margins(18, 18, 18)
        self.pdf.add_page()

    def text(self, text: str, size: float, style: str = "", gap: float = 2) -> None:
        self.pdf.set_font("Helvetica", style=style, size=size)
        self.pdf.multi_cell(
            0, size * 0.5, latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.pdf.ln(gap)

    def label(self, row: Row, labels: Mapping[str, str]) -> str:
        if row.kind == "message":
            return self._(row.label)
        if row.kind == "class":
            plain = labels.get(row.label)
            return self._(plain) if plain else row.label.replace("_", " ")
        return row.label

    def table(self, table: Table, labels: Mapping[str, str]) -> None:
        self.text(self._(table.caption), 10, "I", gap=1)
        self.pdf.set_font("Helvetica", size=10)
        label_width = 100 if len(table.columns) == 2 else 80
        rest = (self.pdf.epw - label_width) / (len(table.columns) - 1)
        widths = (label_width, *[rest] * (len(table.columns) - 1))
        with self.pdf.table(
            col_widths=widths,
            text_align=("LEFT", *["RIGHT"] * (len(table.columns) - 1)),
            first_row_as_headings=True,
        ) as grid:
            heading = grid.row()
            for column in table.columns:
                heading.cell(latin1(self._(column)) if column else "")
            for row in table.rows:
                line = grid.row()
                line.cell(latin1(self.label(row, labels)))
                for cell in row.cells:
                    line.cell(latin1(cell))
        self.pdf.ln(4)


def social_report_pdf(
    *,
    coop_name: str,
    title: str,
    status: str,
    sections: list[Section],
    narrative: Mapping[str, str],
    network: Section | None,
    catalog: gettext.NullTranslations,
    labels: Mapping[str, str],
) -> bytes:
    """The report as PDF bytes. ``title`` and ``status`` are written already
    (translated, with the year and the day of adoption); ``labels`` are the
    member classes' English labels, translated here."""
    doc = ReportPdf(catalog)
    doc.pdf.set_title(latin1(f"{title} - {coop_name}"))
    doc.pdf.set_creation_date(dt.datetime.now(dt.UTC))
    doc.text(coop_name, 12, "B", gap=1)
    doc.text(title, 18, "B", gap=1)
    doc.text(status, 10, "I", gap=6)
    for section in [*sections, *([network] if network else [])]:
        heading = NETWORK_HEADING if section is network else section.heading
        doc.text(doc._(heading), 14, "B")
        written = narrative.get(section.key, "")
        if written:
            doc.text(written, 10, gap=3)
        for table in section.tables:
            doc.table(table, labels)
    return bytes(doc.pdf.output())
