"""Office layout for the exported workbooks (tracker/services/xlsx_stream.py, formats made once).

Every sheet is laid out the same way (rows from 0):

  0  issuing body (parent)           | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
  1  ISSUING BODY (bold)             | Độc lập - Tự do - Hạnh phúc (bold)
  3  TITLE, merged over every column and centred
  4  what the sheet covers (italic), merged
  5  column headings: frozen, repeated on every printed page
  6… data, then the caller's totals row, then the place-date line and the signer's title

Times New Roman throughout; A4 landscape, fitted to the page width, page numbers in the
footer.
"""
from dataclasses import dataclass
from datetime import date

from tracker.services import xlsx_stream

FONT = "Times New Roman"
TITLE_ROW, SUBTITLE_ROW, HEAD_ROW = 3, 4, 5
DATA_ROW = 6
# after the data: the totals row, a blank row, the place-date line and the signer's title
TRAILER_ROWS = 4
RECURRENCE_SUFFIX = {"daily": "hằng ngày", "weekly": "hằng tuần", "monthly": "hằng tháng",
                     "quarterly": "hằng quý", "yearly": "hằng năm"}


LINE_HEIGHT = 15.75  # points per line of 12 pt text


def row_height(cells) -> float:
    """The height of a row of wrapped (text, column width) cells, in points.

    Stored with the row because neither Excel nor LibreOffice refits a written row's
    height to its wrapped text on opening; about one character per unit of column width."""
    lines = 1
    for text, width in cells:
        if text:
            n = sum(-(-len(part) // max(1, int(width * 1.1) - 1)) or 1 for part in text.split("\n"))
            if n > lines:
                lines = n
    return LINE_HEIGHT * lines


@dataclass
class Heading:
    org_parent: str
    org_name: str
    place: str
    signer_title: str
    signer_name: str = ""
    day: date | None = None

    @classmethod
    def from_settings(cls, day: date | None = None) -> "Heading":
        """From the app's settings (ORG_PARENT, ORG_NAME, ORG_PLACE, REPORT_SIGNER_TITLE)."""
        from tracker.config import DEFAULTS

        cfg = dict(DEFAULTS)
        try:
            from flask import current_app

            cfg.update({k: current_app.config.get(k) for k in ("ORG_PARENT", "ORG_NAME", "ORG_PLACE",
                                                                "REPORT_SIGNER_TITLE")})
        except RuntimeError:  # outside an application (bench, scripts): the defaults
            pass
        return cls(org_parent=cfg["ORG_PARENT"] or "", org_name=cfg["ORG_NAME"] or "", place=cfg["ORG_PLACE"] or "",
                   signer_title=cfg["REPORT_SIGNER_TITLE"] or "", day=day)

    def date_line(self) -> str:
        place = self.place or "……"
        if self.day is None:
            return f"{place}, ngày … tháng … năm …"
        return f"{place}, ngày {self.day.day:02d} tháng {self.day.month:02d} năm {self.day.year}"


class Book:
    """One workbook in memory; `close()` returns its bytes."""

    def __init__(self, heading: Heading):
        self.heading = heading
        self.wb = xlsx_stream.Workbook(default_font=(FONT, 12))
        base = {"font_name": FONT, "font_size": 12, "valign": "top"}
        cell = {**base, "border": 1, "text_wrap": True}

        def fmt(**props):
            return self.wb.add_format({**base, **props})

        self.formats = {
            "org": fmt(align="center", font_size=12),
            "org_bold": fmt(align="center", bold=True, font_size=12, underline=0),
            "nation": fmt(align="center", bold=True, font_size=12),
            "motto": fmt(align="center", bold=True, font_size=13, underline=1),
            "title": fmt(align="center", valign="vcenter", bold=True, font_size=14, text_wrap=True),
            "subtitle": fmt(align="center", italic=True, text_wrap=True),
            "head": self.wb.add_format({**cell, "bold": True, "align": "center", "valign": "vcenter",
                                        "bg_color": "#DDEBF7"}),
            "wrap": self.wb.add_format(cell),
            "center": self.wb.add_format({**cell, "align": "center"}),
            "rate": self.wb.add_format({**cell, "align": "center", "num_format": "0.0"}),
            "total": self.wb.add_format({**cell, "bold": True, "align": "center"}),
            "total_rate": self.wb.add_format({**cell, "bold": True, "align": "center", "num_format": "0.0"}),
            "total_label": self.wb.add_format({**cell, "bold": True, "align": "center"}),
            "place_date": fmt(align="center", italic=True, font_size=13),
            "signer": fmt(align="center", bold=True, font_size=13),
        }
        self._dates: dict = {}
        self._widths: dict = {}

    def date_format(self, recurrence: str | None):
        """A real date shown DD/MM/YYYY, a recurring task's with its rhythm after it."""
        if recurrence not in self._dates:
            suffix = RECURRENCE_SUFFIX.get(recurrence or "")
            num = 'dd/mm/yyyy" (' + suffix + ')"' if suffix else "dd/mm/yyyy"
            self._dates[recurrence] = self.wb.add_format({"font_name": FONT, "font_size": 12, "valign": "top",
                                                          "border": 1, "align": "center", "text_wrap": True,
                                                          "num_format": num})
        return self._dates[recurrence]

    def _spans(self, widths) -> tuple[tuple[int, int], tuple[int, int]]:
        """Columns under the issuing body (from the left, >= 40 wide) and under the Quốc hiệu
        (from the right, >= 52 wide: 34 bold capitals at 12 pt)."""
        n = len(widths)
        last_left, acc = 0, widths[0]
        while acc < 40 and last_left < n - 2:
            last_left += 1
            acc += widths[last_left]
        first_right, acc = n - 1, widths[-1]
        while acc < 52 and first_right > last_left + 1:
            first_right -= 1
            acc += widths[first_right]
        return (0, last_left), (first_right, n - 1)

    def _merge(self, ws, row, span, text, fmt):
        if span[0] == span[1]:
            ws.write_string(row, span[0], text, fmt)
        else:
            ws.merge_range(row, span[0], row, span[1], text, fmt)

    def sheet(self, name: str, widths, title: str, subtitle: str, columns):
        """A sheet with widths, print set-up, the national header, title, subtitle and headings."""
        ws = self.wb.add_worksheet(name)
        n = len(columns)
        self._widths[name] = tuple(widths)
        for i, width in enumerate(widths):
            ws.set_column(i, i, width)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.6, right=0.4, top=0.6, bottom=0.6)
        ws.center_horizontally()
        ws.repeat_rows(HEAD_ROW)
        ws.set_footer("&C&\"Times New Roman\"&11Trang &P/&N")
        ws.freeze_panes(DATA_ROW, 0)
        f = self.formats
        left, right = self._spans(widths)
        self._merge(ws, 0, left, self.heading.org_parent.upper(), f["org"])
        self._merge(ws, 0, right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", f["nation"])
        self._merge(ws, 1, left, self.heading.org_name.upper(), f["org_bold"])
        self._merge(ws, 1, right, "Độc lập - Tự do - Hạnh phúc", f["motto"])
        ws.set_row(TITLE_ROW, 36)
        ws.merge_range(TITLE_ROW, 0, TITLE_ROW, n - 1, title, f["title"])
        ws.merge_range(SUBTITLE_ROW, 0, SUBTITLE_ROW, n - 1, subtitle, f["subtitle"])
        ws.set_row(HEAD_ROW, 45)
        for i, heading in enumerate(columns):
            ws.write_string(HEAD_ROW, i, heading, f["head"])
        return ws

    def signature(self, ws, after_row: int, ncols: int) -> None:
        """The place-date line and the signer's title (and name) under the table's last row."""
        _, right = self._spans(self._widths[ws.name])
        self._merge(ws, after_row + 1, right, self.heading.date_line(), self.formats["place_date"])
        self._merge(ws, after_row + 2, right, self.heading.signer_title.upper(), self.formats["signer"])
        if self.heading.signer_name:
            self._merge(ws, after_row + 6, right, self.heading.signer_name, self.formats["signer"])

    def close(self) -> bytes:
        return self.wb.close()
