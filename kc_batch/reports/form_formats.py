"""The cell formats of the form writer, made once per workbook and cached (xlsxwriter adds a style
per distinct format; the cache keeps one per role, kind, bold and highlight)."""
from __future__ import annotations

from kc_batch.reports.print_layout import BODY_SIZE, TITLE_SIZE

FONT_NAME = "宋体"
HEADER_FILL = "#D9D9D9"
HIGHLIGHT_FILL = "#FFC7CE"
HIGHLIGHT_FONT = "#C00000"
CLOSED_FILL = "#BFBFBF"     # a cell not to fill in (a day without school, a day not in the class)
CLOSED_FONT = "#595959"


class Formats:
    """Cached xlsxwriter formats keyed by (role, kind, bold, highlight)."""

    NUMBER_FORMATS = {"int": "0", "num": "General", "percent": "0.00%", "date": "yyyy-mm-dd"}

    def __init__(self, workbook) -> None:
        self.workbook = workbook
        self.cache: dict[tuple, object] = {}
        self.cell_cache: dict[tuple, object] = {}

    def get(self, **props):
        key = tuple(sorted(props.items()))
        if key not in self.cache:
            self.cache[key] = self.workbook.add_format({"font_name": FONT_NAME, "font_size": BODY_SIZE,
                                                        "valign": "vcenter", **props})
        return self.cache[key]

    def title(self):
        return self.get(bold=True, font_size=TITLE_SIZE, align="center", text_wrap=True)

    def line(self, align: str = "left"):
        return self.get(align=align, text_wrap=True)

    def header(self):
        return self.get(bold=True, border=1, text_wrap=True, align="center", bg_color=HEADER_FILL)

    def closed(self):
        return self.get(border=1, align="center", bg_color=CLOSED_FILL, font_color=CLOSED_FONT)

    def fill_in(self, kind: str, align: str | None, unlocked: bool):
        """A ruled cell to write in by hand: text as text (a 学籍号 stays text), a date as a date."""
        props = {"border": 1, "num_format": "yyyy-mm-dd" if kind == "date" else "@", "align": align or "left"}
        if unlocked:
            props["locked"] = False
        return self.get(**props)

    def cell(self, kind: str, bold: bool = False, highlight: bool = False, number_format: str | None = None,
             align: str | None = None):
        key = ("cell", kind, bold, highlight, number_format, align)
        if key not in self.cell_cache:
            self.cell_cache[key] = self._cell_format(kind, bold, highlight, number_format, align)
        return self.cell_cache[key]

    def _cell_format(self, kind: str, bold: bool, highlight: bool, number_format: str | None, align: str | None):
        props = {"border": 1}
        if kind == "text":
            props.update(text_wrap=True, align=align or "left")
        else:
            props.update(align=align or ("center" if kind == "date" else "right"))
            props["num_format"] = number_format or self.NUMBER_FORMATS[kind]
        if bold or highlight:
            props["bold"] = True
        if highlight:
            props.update(bg_color=HIGHLIGHT_FILL, font_color=HIGHLIGHT_FONT)
        return self.get(**props)
