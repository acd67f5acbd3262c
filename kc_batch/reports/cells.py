"""Cell values as the report writer stores and shows them (SPEC §9, §13.20, §13.26)."""
from __future__ import annotations

import datetime
import math
import unicodedata

EXCEL_CELL_LIMIT = 32767
TRUNCATION_MARK = "…（已截断）"


def clip_text(text: str) -> str:
    """Cut a string to Excel's cell limit, marking the cut."""
    if len(text) <= EXCEL_CELL_LIMIT:
        return text
    return text[: EXCEL_CELL_LIMIT - len(TRUNCATION_MARK)] + TRUNCATION_MARK


def display_width(text: str) -> int:
    """Width in character cells: CJK and full-width characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _is_missing(value) -> bool:
    if value is None:
        return True
    try:
        return value != value  # NaN, NaT
    except (TypeError, ValueError):
        return False


def _as_number(value):
    """A finite float/int for numeric columns, or None when the value is not a number."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        scale = 1.0
        if text.endswith("%"):
            text, scale = text[:-1], 0.01
        try:
            number = float(text) * scale
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    try:
        number = float(value)  # Decimal, numpy scalars
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _as_date(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def _as_text(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _shown_text(value, kind: str) -> str:
    """Roughly what Excel shows, for column widths."""
    if _is_missing(value):
        return ""
    if kind == "percent":
        return "100.00%"
    if kind == "date":
        return "2026-01-01"
    if kind in ("int", "num"):
        number = _as_number(value)
        if number is not None:
            return f"{number:.6g}"
    return _as_text(value)
