"""Reading tables as people hand them over: CSV in UTF-8, UTF-8 with BOM or Windows-1251, comma, semicolon or
tab separated, decimal comma or point, and Excel workbooks.

Everything is read as text first; numbers are parsed afterwards by :func:`parse_numbers`, so every bad cell can
be reported with its row and column instead of failing on the first one.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from geo.errors import Problem
from geo.settings import MAX_CSV_ROWS

MAX_TABLE_BYTES = 25 * 1024 * 1024
"""Largest table accepted, in bytes (the dashboard's upload cap)."""
MAX_XLSX_EXPANSION = 100
"""An .xlsx whose content expands more than this many times its size is treated as a zip bomb."""
MAX_XLSX_UNPACKED_BYTES = 200 * 1024 * 1024

_ZIP_MAGIC = b"PK\x03\x04"
_ENCODINGS = ("utf-8-sig", "cp1251")
_SEPARATORS = (";", ",", "\t")


def read_table(source: Path | bytes, *, name: str, max_rows: int = MAX_CSV_ROWS) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read a CSV or XLSX table into a frame of text cells.

    Parameters
    ----------
    source : Path or bytes
        A file on disk or the bytes of an upload (uploads are parsed in memory, never written).
    name : str
        The file name used in messages and to tell CSV from XLSX. Never used as a path.
    max_rows : int
        Data rows accepted; more is an error, reported before any cell is parsed.

    Returns
    -------
    (frame or None, problems)
        Column names are stripped of spaces and lower-cased; cells are stripped strings ('' when blank); the
        index is the line number in the file (header = line 1), for messages.
        ``frame`` is None when the file cannot be read at all; ``problems`` then says why.
    """
    data = source.read_bytes() if isinstance(source, Path) else bytes(source)
    if len(data) > MAX_TABLE_BYTES:
        return None, [Problem(name, f"file is {len(data) / 2**20:.1f} MB; the limit is {MAX_TABLE_BYTES / 2**20:.0f} MB.",
                              "split the file or aggregate it before uploading.",
                              key="table_too_large",
                              params=(("size_mb", round(len(data) / 2**20, 1)),
                                      ("limit_mb", round(MAX_TABLE_BYTES / 2**20))))]
    if not data.strip():
        return None, [Problem(name, "file is empty.", "export the table again with a header row and data rows.",
                              key="table_empty")]
    is_zip = data[:4] == _ZIP_MAGIC
    suffix = Path(name).suffix.lower()
    if is_zip and suffix != ".xlsx":
        return None, [Problem(name, "this is an Excel workbook (or another zip archive), not a text CSV.",
                              "rename it to .xlsx, or save it from Excel as 'CSV UTF-8'.", key="zip_not_csv")]
    if suffix == ".xlsx":
        if not is_zip:
            return None, [Problem(name, "the file is named .xlsx but is not an Excel workbook.",
                                  "save it from Excel as .xlsx, or rename it to .csv if it is text.",
                                  key="xlsx_not_workbook")]
        frame, problems = _read_xlsx(data, name=name, max_rows=max_rows)
    else:
        frame, problems = _read_csv(data, name=name, max_rows=max_rows)
    if frame is None:
        return None, problems
    frame.columns = [_clean_header(c) for c in frame.columns]
    names = list(frame.columns)
    repeated = [i + 1 for i, c in enumerate(names) if names.count(c) > 1]
    if repeated:  # positions, not names: a file without a header would show its first record here
        return None, problems + [Problem(name, f"the header (line 1) repeats a column name (columns "
                                               f"{', '.join(map(str, repeated))}).",
                                         "give every column a distinct name.",
                                         key="header_repeats", params=(("columns", ", ".join(map(str, repeated))),))]
    if frame.empty:
        return None, problems + [Problem(name, "has a header but no data rows.", "add the data rows below the header.",
                                         key="no_data_rows")]
    return frame, problems


def _clean_header(value: object) -> str:
    return str(value).strip().strip("\ufeff").lower()


def _decode(data: bytes) -> str | None:
    for encoding in _ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _read_csv(data: bytes, *, name: str, max_rows: int) -> tuple[pd.DataFrame | None, list[Problem]]:
    text = _decode(data)
    if text is None:
        return None, [Problem(name, "text is neither UTF-8 nor Windows-1251.",
                              "save the file as 'CSV UTF-8' (Excel: File ▸ Save As ▸ CSV UTF-8).", key="encoding")]
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if lines - 1 > max_rows:
        return None, [Problem(name, f"has about {lines - 1:,} rows; at most {max_rows:,} are accepted.",
                              "aggregate the data (one row per settlement and period) or split the file.",
                              key="too_many_rows", params=(("rows", lines - 1), ("limit", max_rows)))]
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    separator = max(_SEPARATORS, key=header.count)
    if header.count(separator) == 0:
        separator = ","
    try:
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=separator))
    except csv.Error as exc:
        return None, [Problem(name, f"is not a well-formed CSV ({exc}).", "check quotes and separators.",
                              key="csv_malformed", params=(("error", str(exc)),))]
    numbered = [(line, r) for line, r in enumerate(rows, start=1) if any(cell.strip() for cell in r)]
    if not numbered:
        return None, [Problem(name, "file is empty.", "export the table again with a header row and data rows.",
                              key="table_empty")]
    return _frame_from_rows(numbered, name=name, hint=f"check the separator ('{separator}') and quoting in those rows.",
                            key="ragged_lines_csv", params=(("separator", separator),))


def _frame_from_rows(numbered: list, *, name: str, hint: str, key: str,
                     params: tuple = ()) -> tuple[pd.DataFrame | None, list[Problem]]:
    """A text frame indexed by line number from (line, cells) pairs whose first pair is the header; ``hint`` (the
    fix of ragged lines, English) and ``key``/``params`` (its catalog entry) depend on the file type."""
    (_, header), body = numbered[0], numbered[1:]
    ragged = tuple(line for line, r in body if len(r) != len(header))
    if ragged:
        return None, [Problem(name, f"these lines do not have {len(header)} cells like the header.", hint, rows=ragged,
                                      key=key, params=(("cells", len(header)),) + params)]
    frame = pd.DataFrame([[c.strip() for c in r] for _, r in body], columns=header, dtype=object,
                         index=pd.Index([line for line, _ in body], name="line"))
    return frame, []


def _read_xlsx(data: bytes, *, name: str, max_rows: int) -> tuple[pd.DataFrame | None, list[Problem]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        return None, [Problem(name, "the workbook is damaged (not a valid zip container).", "save it again from Excel.",
                              key="workbook_damaged")]
    if unpacked > MAX_XLSX_UNPACKED_BYTES or unpacked > MAX_XLSX_EXPANSION * max(len(data), 1) and unpacked > 10e6:
        return None, [Problem(name, f"the workbook expands to {unpacked / 1e6:.0f} MB; refused as a possible zip bomb.",
                              "save the sheet as CSV and upload that.",
                              key="workbook_zip_bomb", params=(("size_mb", round(unpacked / 1e6)),))]
    import openpyxl  # imported here: only workbooks need it

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken files
        return None, [Problem(name, f"the workbook cannot be read ({type(exc).__name__}).", "save it again from Excel.",
                              key="workbook_unreadable", params=(("error", type(exc).__name__),))]
    sheet = book.worksheets[0]
    if (sheet.max_row or 0) - 1 > max_rows:
        return None, [Problem(name, f"the first sheet has {sheet.max_row - 1:,} rows; at most {max_rows:,} are accepted.",
                              "aggregate the data or split the file.",
                              key="sheet_too_many_rows", params=(("rows", sheet.max_row - 1), ("limit", max_rows)))]
    rows = [["" if v is None else str(v).strip() for v in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    numbered = [(line, r) for line, r in enumerate(rows, start=1) if any(r)]
    if not numbered:
        return None, [Problem(name, "the first sheet is empty.", "put the table on the first sheet with a header row.",
                              key="sheet_empty")]
    return _frame_from_rows(numbered, name=name, hint="remove cells outside the table.",
                            key="ragged_lines_xlsx")


_NUMBER_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def parse_numbers(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse text cells as numbers, accepting decimal commas and spaces as thousands separators.

    Returns
    -------
    (numbers, blank, bad)
        ``numbers`` float64 with NaN where blank or bad; boolean masks of blank cells and of cells that are not
        numbers (for messages: their row numbers, never their content).
    """
    text = values.astype(str).str.strip()
    blank = (text == "") | values.isna().to_numpy()
    cleaned = text.str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
    has_both = cleaned.str.contains(",", regex=False) & cleaned.str.contains(".", regex=False)
    cleaned = cleaned.where(~has_both, cleaned.str.replace(",", "", regex=False))  # 1,234.5
    cleaned = cleaned.str.replace(",", ".", regex=False)  # 12,5 -> 12.5
    ok = cleaned.str.match(_NUMBER_RE)
    numbers = pd.to_numeric(cleaned.where(ok & ~blank), errors="coerce").to_numpy(dtype=float)
    bad = (~ok.to_numpy(dtype=bool)) & ~np.asarray(blank, dtype=bool)
    return numbers, np.asarray(blank, dtype=bool), bad


def first_present(columns, candidates) -> str | None:
    """The first of ``candidates`` that is a column name, or None."""
    present = set(columns)
    return next((c for c in candidates if c in present), None)
