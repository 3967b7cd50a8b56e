"""CSV downloads of lists: cells a spreadsheet cannot run as formulas, written line by line for streaming."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence

# A cell starting with one of these is a formula in Excel, LibreOffice and Google Sheets ("CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> str:
    """The value as text a spreadsheet shows and never runs: a leading apostrophe before a formula start."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """A file-like object whose write() hands the line back: csv.writer then yields text line by line."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Sequence[object]], *, byte_order_mark: bool = False) -> Iterator[str]:
    """CSV text of ``rows``, one line at a time (for a StreamingHttpResponse).

    ``byte_order_mark`` starts the file with U+FEFF, so spreadsheet programs read it as UTF-8 (Cyrillic).
    """
    writer = csv.writer(_Echo())
    if byte_order_mark:
        yield "\ufeff"
    for row in rows:
        yield writer.writerow(row)
