"""The PDF layout of a downloaded work: pages, fonts, the outline and the document info.

fpdf2 lays the PDF out: it is pure Python (nothing to install beside the wheel, unlike
WeasyPrint's Pango or a headless browser), embeds only the glyphs a file uses from a
TrueType font, and draws the download templates' HTML (emphasis, headings, lists,
blockquotes, rules, links) itself. The font, DejaVu Serif, ships in `fonts/` with its
licence.
"""

import datetime
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align
from fpdf.fonts import FontFace, TextStyle
from fpdf.html import HTML2FPDF

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FAMILY = "DejaVuSerif"
FONT_FILES = {
    "": "DejaVuSerif.ttf",
    "B": "DejaVuSerif-Bold.ttf",
    "I": "DejaVuSerif-Italic.ttf",
    "BI": "DejaVuSerif-BoldItalic.ttf",
}
# A5, a paperback's page: it reads on a phone or an e-reader without zooming, and prints.
PAGE_MM = (148, 210)
MARGIN_MM = 16
TEXT_PT = 11
# Deeper lists and quotes go on at these depths: a page's width holds about twenty indents.
MAX_LIST_DEPTH = 8
MAX_QUOTE_DEPTH = 4
QUOTE_INDENT_MM = 6
LIST_TAGS = {"ul", "ol"}
INK = "#1a1a1a"
TAG_STYLES = {
    "h1": TextStyle(font_style="B", font_size_pt=20, color=INK, t_margin=0, b_margin=0.5),
    "h2": TextStyle(font_style="B", font_size_pt=15, color=INK, t_margin=4, b_margin=0.4),
    "h3": TextStyle(font_style="B", font_size_pt=13, color=INK, t_margin=4, b_margin=0.3),
    "h4": TextStyle(font_style="B", font_size_pt=12, color=INK, t_margin=3, b_margin=0.3),
    "h5": TextStyle(font_style="B", font_size_pt=11, color=INK, t_margin=3, b_margin=0.3),
    "h6": TextStyle(font_style="BI", font_size_pt=11, color=INK, t_margin=3, b_margin=0.3),
    "blockquote": TextStyle(color="#404040", t_margin=2, b_margin=2),
    "dt": TextStyle(font_style="B", t_margin=2),
    "dd": TextStyle(l_margin=6),
    "a": FontFace(color="#1a4f8b", emphasis="UNDERLINE"),
}


@dataclass(frozen=True)
class Section:
    """A part of the book that starts a page: its entry in the outline and its HTML."""

    title: str
    markup: str


@dataclass(frozen=True)
class Info:
    """The document information a PDF reader shows in its properties and library."""

    title: str
    author: str
    subject: str
    keywords: list
    language: str
    updated: datetime.date


class _Html(HTML2FPDF):
    """fpdf2's HTML, changed where books need it: headings stay out of the outline, which
    lists the book's sections, not the creator's headings; a blockquote indents everything
    in it, and a paragraph in a list item keeps the item's indent (fpdf2 indents only the
    paragraph the tag opens) and its first one the item's bullet; lists and quotes stop
    indenting at a depth the page can hold, since fpdf2 refuses a line too narrow for one
    character."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.flattened_lists = 0
        self.quote_depth = 0
        self.item_is_empty = False
        self.in_merged_paragraph = False

    def handle_starttag(self, tag, attrs):
        if tag in LIST_TAGS and self.indent >= MAX_LIST_DEPTH:
            self.flattened_lists += 1
            return
        # An item's first paragraph is written on the item's line, after its bullet.
        if tag == "p" and self.item_is_empty:
            self.in_merged_paragraph = True
            return
        if tag == "blockquote":
            self.quote_depth += 1
        super().handle_starttag(tag, attrs)
        self.item_is_empty = tag == "li"

    def handle_endtag(self, tag):
        # The markup is well-formed, so the innermost open list, a flattened one if any,
        # is the one that ends, and a paragraph holds no other.
        if tag in LIST_TAGS and self.flattened_lists:
            self.flattened_lists -= 1
            return
        if tag == "p" and self.in_merged_paragraph:
            self.in_merged_paragraph = False
            return
        super().handle_endtag(tag)
        if tag == "blockquote":
            self.quote_depth -= 1

    def handle_data(self, data):
        if data.strip():
            self.item_is_empty = False
        level, self.heading_level = self.heading_level, None
        super().handle_data(data)
        self.heading_level = level

    def _new_paragraph(self, *args, indent=0, bullet="", **kwargs):
        if not isinstance(indent, Align):
            if self.indent and not bullet:
                indent = max(indent, self.tag_styles["li"].l_margin * self.indent)
            indent += QUOTE_INDENT_MM * min(self.quote_depth, MAX_QUOTE_DEPTH)
        super()._new_paragraph(*args, indent=indent, bullet=bullet, **kwargs)


class _Book(FPDF):
    HTML2FPDF_CLASS = _Html

    def footer(self):
        if self.page_no() > 1:
            self.set_y(-MARGIN_MM * 0.75)
            self.set_font(FONT_FAMILY, size=8)
            self.set_text_color(INK)
            self.cell(0, 5, str(self.page_no()), align="C")


def render(sections, info):
    """The sections as one PDF, each starting a page, each an entry in the outline."""
    book = _Book(format=PAGE_MM, unit="mm")
    book.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    book.set_auto_page_break(True, margin=MARGIN_MM)
    for style, file_name in FONT_FILES.items():
        book.add_font(FONT_FAMILY, style, FONT_DIR / file_name)
    book.set_title(info.title)
    book.set_author(info.author)
    book.set_subject(info.subject)
    book.set_keywords(", ".join(info.keywords))
    book.set_lang(info.language)
    # The work's date, not now: the same revision gives the same file.
    book.set_creation_date(datetime.datetime.combine(info.updated, datetime.time(), datetime.UTC))
    for section in sections:
        book.add_page()
        book.start_section(section.title)
        book.set_font(FONT_FAMILY, size=TEXT_PT)
        book.set_text_color(INK)
        book.write_html(section.markup, tag_styles=TAG_STYLES, li_prefix_color=INK)
    return bytes(book.output())
