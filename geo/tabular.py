"""Reading tables as people hand them over: CSV in UTF-8, UTF-8 with BOM or Windows-1251, comma, semicolon or
tab separated, decimal comma or point, and Excel workbooks.

Everything is read as text first; numbers are parsed afterwards by :func:`parse_numbers`, so every bad cell can
be reported with its row and column instead of failing on the first one.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from geo.errors import Problem
from geo.schema import COLUMN_ALIASES
from geo.settings import MAX_CSV_ROWS

BYTES_PER_MB = 1024 * 1024
"""Bytes in a megabyte as sizes are shown (MiB)."""
MAX_TABLE_BYTES = 25 * BYTES_PER_MB
"""Largest table accepted, in bytes (the dashboard's upload cap)."""
MAX_REGION_LAYER_BYTES = 16 * BYTES_PER_MB
"""Largest GeoJSON layer of a region folder (boundary, districts, settlements), bytes. The real Turkistan files are
0.2-0.3 MB; 16 MB holds detailed outlines of a whole region, and parsing it stays under about 0.4 GB of memory."""
MAX_REGION_META_BYTES = 1 * BYTES_PER_MB
"""Largest ``region.json``, bytes (the real one is about 1 kB)."""
MAX_ROAD_LAYER_BYTES = 256 * BYTES_PER_MB
"""Largest road line layer (GeoJSON, GeoPackage, zipped Shapefile), bytes: every road of a region with room to
spare (the real partial layers are 0.06 and 1.2 MB)."""
MAX_OSM_FILE_BYTES = 2048 * BYTES_PER_MB
"""Largest OpenStreetMap file imported, bytes: Kazakhstan's whole Geofabrik extract (about 0.2 GB) fits many
times; it is streamed and clipped as it is read, so memory follows the region, not the file."""
MAX_XLSX_EXPANSION = 100
"""An .xlsx whose content expands more than this many times its size is treated as a zip bomb."""
MAX_XLSX_UNPACKED_BYTES = 200 * 1024 * 1024

_ZIP_MAGIC = b"PK\x03\x04"
_ENCODINGS = ("utf-8-sig", "cp1251")
_SEPARATORS = (";", ",", "\t")


def too_large(name: str, size_bytes: int, limit_bytes: int, *, key: str, fix: str) -> Problem | None:
    """The problem of a file ``name`` of ``size_bytes`` over ``limit_bytes`` (checked before parsing), else None.

    Parameters
    ----------
    name : str
        The file name shown (never a full path of an upload).
    size_bytes, limit_bytes : int
        The file's size and the limit, bytes; the message gives both in MB.
    key : str
        Catalog entry ``problem.<key>`` (params ``size_mb``, ``limit_mb``) and ``problem.<key>.fix``.
    fix : str
        The English fix.
    """
    if size_bytes <= limit_bytes:
        return None
    size_mb, limit_mb = round(size_bytes / BYTES_PER_MB, 1), round(limit_bytes / BYTES_PER_MB)
    return Problem(
        name,
        f"file is {size_mb} MB; the limit is {limit_mb} MB (checked before reading it).",
        fix,
        key=key,
        params=(("size_mb", size_mb), ("limit_mb", limit_mb)),
    )


def file_size(source: Path | bytes) -> int:
    """Size of a file on disk or of an upload's bytes, bytes (0 when the file cannot be found: reading it then
    says why)."""
    if isinstance(source, Path | str):
        try:
            return Path(source).stat().st_size
        except OSError:
            return 0
    return len(source)


def read_table(
    source: Path | bytes, *, name: str, max_rows: int = MAX_CSV_ROWS
) -> tuple[pd.DataFrame | None, list[Problem]]:
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
    if isinstance(source, Path) and file_size(source) > MAX_TABLE_BYTES:  # refused before it is read into memory
        return None, [
            Problem(
                name,
                f"file is {file_size(source) / 2**20:.1f} MB; the limit is {MAX_TABLE_BYTES / 2**20:.0f} MB.",
                "split the file or aggregate it before uploading.",
                key="table_too_large",
                params=(
                    ("size_mb", round(file_size(source) / 2**20, 1)),
                    ("limit_mb", round(MAX_TABLE_BYTES / 2**20)),
                ),
            )
        ]
    data = source.read_bytes() if isinstance(source, Path) else bytes(source)
    if len(data) > MAX_TABLE_BYTES:
        return None, [
            Problem(
                name,
                f"file is {len(data) / 2**20:.1f} MB; the limit is {MAX_TABLE_BYTES / 2**20:.0f} MB.",
                "split the file or aggregate it before uploading.",
                key="table_too_large",
                params=(("size_mb", round(len(data) / 2**20, 1)), ("limit_mb", round(MAX_TABLE_BYTES / 2**20))),
            )
        ]
    if not data.strip():
        return None, [
            Problem(
                name, "file is empty.", "export the table again with a header row and data rows.", key="table_empty"
            )
        ]
    is_zip = data[:4] == _ZIP_MAGIC
    suffix = Path(name).suffix.lower()
    if is_zip and suffix != ".xlsx":
        return None, [
            Problem(
                name,
                "this is an Excel workbook (or another zip archive), not a text CSV.",
                "rename it to .xlsx, or save it from Excel as 'CSV UTF-8'.",
                key="zip_not_csv",
            )
        ]
    if suffix == ".xlsx":
        if not is_zip:
            return None, [
                Problem(
                    name,
                    "the file is named .xlsx but is not an Excel workbook.",
                    "save it from Excel as .xlsx, or rename it to .csv if it is text.",
                    key="xlsx_not_workbook",
                )
            ]
        frame, problems = _read_xlsx(data, name=name, max_rows=max_rows)
    else:
        frame, problems = _read_csv(data, name=name, max_rows=max_rows)
    if frame is None:
        return None, problems
    frame.columns = [_clean_header(c) for c in frame.columns]
    names = list(frame.columns)
    repeated = [i + 1 for i, c in enumerate(names) if names.count(c) > 1]
    if repeated:  # positions, not names: a file without a header would show its first record here
        return None, problems + [
            Problem(
                name,
                f"the header (line 1) repeats a column name (columns {', '.join(map(str, repeated))}).",
                "give every column a distinct name.",
                key="header_repeats",
                params=(("columns", ", ".join(map(str, repeated))),),
            )
        ]
    if frame.empty:
        return None, problems + [
            Problem(name, "has a header but no data rows.", "add the data rows below the header.", key="no_data_rows")
        ]
    return frame, problems


def _clean_header(value: object) -> str:
    return str(value).strip().strip("\ufeff").lower()


def normalise_header(value: object) -> str:
    """A header as aliases are compared: case-folded, BOM and surrounding spaces removed, inner runs of spaces
    collapsed to one, "ё" read as "е" ("  Населённый   пункт" -> "населенный пункт")."""
    return " ".join(str(value).replace("\ufeff", "").split()).casefold().replace("ё", "е")


def canonical_columns(table: pd.DataFrame, kind: str, *, name: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Rename the columns of ``table`` that are aliases of a field of ``kind`` to the field's canonical name.

    Parameters
    ----------
    table : DataFrame
        Text cells as :func:`read_table` gives them (or GeoJSON properties).
    kind : str
        A key of :data:`geo.schema.COLUMN_ALIASES` ("settlements", "services", "districts", "boundary",
        "incidents", "classifier").
    name : str
        File name for messages.

    Returns
    -------
    (table, problems)
        A renamed copy (the input is not changed; columns that are no alias keep their names) and the problems:
        a warning saying which column was read as which field where that was not obvious (a Russian or Kazakh
        header, or a fallback such as ``osm_id`` read as the id or ``place`` as the kind; English spellings of the
        first tier such as ``latitude`` or ``service_id`` are not mentioned), and
        an error naming both columns when two columns of one tier map to one field (the table is then returned
        unchanged).
    """
    fields = COLUMN_ALIASES[kind]
    normalised = {column: normalise_header(column) for column in table.columns if column != "geometry"}
    renames: dict = {}
    guessed: set = set()
    problems: list[Problem] = []
    for field_name, tiers in fields.items():
        for rank, tier in enumerate(tiers):
            wanted = {normalise_header(alias) for alias in tier}
            matches = [column for column, header in normalised.items() if header in wanted]
            if len(matches) > 1:
                shown = ", ".join(f"'{c}'" for c in matches)
                problems.append(
                    Problem(
                        name,
                        f"columns {shown} can all be read as '{field_name}'; keep one.",
                        "delete or rename the other columns.",
                        column=str(matches[0]),
                        key="columns_ambiguous",
                        params=(("columns", shown), ("field", field_name)),
                    )
                )
            if matches:
                if len(matches) == 1:
                    renames[matches[0]] = field_name
                    if rank > 0 or not normalised[matches[0]].isascii():
                        guessed.add(matches[0])
                break
    if problems:
        return table, problems
    read_as = [(str(column), target) for column, target in renames.items() if column in guessed]
    if read_as:
        problems.append(columns_read_as(name, read_as))
    renamed = table.rename(columns=renames)
    prior = table.attrs.get("source_columns", {})  # a table read through the aliases twice keeps the first names
    renamed.attrs["source_columns"] = {
        **prior,
        **{target: prior.get(str(column), str(column)) for column, target in renames.items()},
    }
    return renamed, problems


def columns_read_as(name: str, read_as: list[tuple[str, str]]) -> Problem:
    """The warning that columns were read under other names: ``read_as`` holds (header in the file, field)."""
    mapping = ", ".join(f"'{column}' → {target}" for column, target in read_as)
    return Problem(
        name,
        f"columns read as: {mapping}.",
        "nothing to do if this is right; otherwise rename the columns.",
        severity="warning",
        key="columns_read_as",
        params=(("mapping", mapping),),
    )


def missing_columns(
    name: str, table: pd.DataFrame, *, needs: str, fix: str, key: str, params: tuple[tuple[str, object], ...] = ()
) -> Problem:
    """The error of a table that lacks a column: "{name}: needs {needs}; got columns: …", the columns as the file
    named them; ``params`` (for the message catalog) are followed by ``("columns", …)``."""
    got = ", ".join(source_names(table))
    return Problem(name, f"needs {needs}; got columns: {got}.", fix, key=key, params=(*params, ("columns", got)))


def rows_problem(
    file: str,
    mask: np.ndarray,
    lines: np.ndarray,
    message: str,
    fix: str,
    *,
    key: str,
    column: str | None = None,
    unit: str = "line",
    severity: str = "error",
    params: tuple[tuple[str, object], ...] = (),
) -> list[Problem]:
    """The problem of the rows where ``mask`` is True, naming their ``lines``; an empty list when there are none.

    Parameters
    ----------
    file : str
        The file name for the message.
    mask : ndarray of bool
        One per row: True where the row has the problem.
    lines : ndarray of int
        One per row: its line (or feature) number in the file.
    message, fix, key, column, unit, severity, params
        As :class:`geo.errors.Problem` takes them.
    """
    if not np.any(mask):
        return []
    rows = tuple(int(line) for line in np.asarray(lines)[np.asarray(mask, dtype=bool)])
    return [Problem(file, message, fix, column=column, rows=rows, severity=severity, unit=unit, key=key, params=params)]


def source_names(table: pd.DataFrame) -> list[str]:
    """The headers of ``table`` as the file spells them (lower-cased), after :func:`canonical_columns`."""
    original = table.attrs.get("source_columns", {})
    return [original.get(c, str(c)) for c in table.columns]


def with_source_columns(problems: list[Problem], table: pd.DataFrame | None) -> list[Problem]:
    """``problems`` with each canonical column name put back to the header the file has (after
    :func:`canonical_columns`), so that a message points at the column the user sees."""
    original = {} if table is None else table.attrs.get("source_columns", {})
    if not original:
        return list(problems)
    return [dataclasses.replace(p, column=original.get(p.column, p.column)) if p.column else p for p in problems]


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
        return None, [
            Problem(
                name,
                "text is neither UTF-8 nor Windows-1251.",
                "save the file as 'CSV UTF-8' (Excel: File ▸ Save As ▸ CSV UTF-8).",
                key="encoding",
            )
        ]
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if lines - 1 > max_rows:
        return None, [
            Problem(
                name,
                f"has about {lines - 1:,} rows; at most {max_rows:,} are accepted.",
                "aggregate the data (one row per settlement and period) or split the file.",
                key="too_many_rows",
                params=(("rows", lines - 1), ("limit", max_rows)),
            )
        ]
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    separator = max(_SEPARATORS, key=header.count)
    if header.count(separator) == 0:
        separator = ","
    try:
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=separator))
    except csv.Error as exc:
        return None, [
            Problem(
                name,
                f"is not a well-formed CSV ({exc}).",
                "check quotes and separators.",
                key="csv_malformed",
                params=(("error", str(exc)),),
            )
        ]
    numbered = [(line, r) for line, r in enumerate(rows, start=1) if any(cell.strip() for cell in r)]
    if not numbered:
        return None, [
            Problem(
                name, "file is empty.", "export the table again with a header row and data rows.", key="table_empty"
            )
        ]
    return _frame_from_rows(
        numbered,
        name=name,
        hint=f"check the separator ('{separator}') and quoting in those rows.",
        key="ragged_lines_csv",
        params=(("separator", separator),),
    )


def _frame_from_rows(
    numbered: list, *, name: str, hint: str, key: str, params: tuple = ()
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """A text frame indexed by line number from (line, cells) pairs whose first pair is the header; ``hint`` (the
    fix of ragged lines, English) and ``key``/``params`` (its catalog entry) depend on the file type."""
    (_, header), body = numbered[0], numbered[1:]
    ragged = tuple(line for line, r in body if len(r) != len(header))
    if ragged:
        return None, [
            Problem(
                name,
                f"these lines do not have {len(header)} cells like the header.",
                hint,
                rows=ragged,
                key=key,
                params=(("cells", len(header)),) + params,
            )
        ]
    frame = pd.DataFrame(
        [[c.strip() for c in r] for _, r in body],
        columns=header,
        dtype=object,
        index=pd.Index([line for line, _ in body], name="line"),
    )
    return frame, []


def _read_xlsx(data: bytes, *, name: str, max_rows: int) -> tuple[pd.DataFrame | None, list[Problem]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        return None, [
            Problem(
                name,
                "the workbook is damaged (not a valid zip container).",
                "save it again from Excel.",
                key="workbook_damaged",
            )
        ]
    if unpacked > MAX_XLSX_UNPACKED_BYTES or unpacked > MAX_XLSX_EXPANSION * max(len(data), 1) and unpacked > 10e6:
        return None, [
            Problem(
                name,
                f"the workbook expands to {unpacked / 1e6:.0f} MB; refused as a possible zip bomb.",
                "save the sheet as CSV and upload that.",
                key="workbook_zip_bomb",
                params=(("size_mb", round(unpacked / 1e6)),),
            )
        ]
    import openpyxl  # imported here: only workbooks need it

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken files
        return None, [
            Problem(
                name,
                f"the workbook cannot be read ({type(exc).__name__}).",
                "save it again from Excel.",
                key="workbook_unreadable",
                params=(("error", type(exc).__name__),),
            )
        ]
    sheet = book.worksheets[0]
    # The <dimension> tag (sheet.max_row) is written by whoever made the file and may lie: count rows as they
    # stream in, and stop at the first one over the cap.
    sheet.reset_dimensions()
    numbered, width = [], 0
    for line, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = ["" if v is None else str(v).strip() for v in row]
        if not any(cells):
            continue
        numbered.append((line, cells))
        width = max(width, max(i for i, cell in enumerate(cells) if cell) + 1)  # trailing empty cells do not count
        if len(numbered) - 1 > max_rows:
            book.close()
            return None, [
                Problem(
                    name,
                    f"the first sheet has more than {max_rows:,} rows; at most {max_rows:,} are accepted.",
                    "aggregate the data or split the file.",
                    key="sheet_over_row_cap",
                    params=(("limit", max_rows),),
                )
            ]
    book.close()
    # rows stream in unpadded once the dimension is reset: pad (or cut empty trailing cells) to the widest row
    numbered = [(line, (cells + [""] * width)[:width]) for line, cells in numbered]
    if not numbered:
        return None, [
            Problem(
                name,
                "the first sheet is empty.",
                "put the table on the first sheet with a header row.",
                key="sheet_empty",
            )
        ]
    return _frame_from_rows(numbered, name=name, hint="remove cells outside the table.", key="ragged_lines_xlsx")


_NUMBER_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def parse_numbers(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse text cells as numbers, accepting decimal commas and spaces as thousands separators.

    Returns
    -------
    (numbers, blank, bad)
        ``numbers`` float64 with NaN where blank or bad; boolean masks of blank cells and of cells that are not
        finite numbers ("abc", "inf", "nan", or "1e400", which overflows; for messages: their row numbers, never
        their content).
    """
    text = values.astype(str).str.strip()
    blank = (text == "") | values.isna().to_numpy()
    cleaned = text.str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
    has_both = cleaned.str.contains(",", regex=False) & cleaned.str.contains(".", regex=False)
    cleaned = cleaned.where(~has_both, cleaned.str.replace(",", "", regex=False))  # 1,234.5
    cleaned = cleaned.str.replace(",", ".", regex=False)  # 12,5 -> 12.5
    ok = cleaned.str.match(_NUMBER_RE)
    numbers = pd.to_numeric(cleaned.where(ok & ~blank), errors="coerce").to_numpy(dtype=float)
    # "1e400" matches the pattern but overflows to inf: not a number anyone can use, so bad like "inf" or "nan"
    bad = ((~ok.to_numpy(dtype=bool)) | ~np.isfinite(numbers)) & ~np.asarray(blank, dtype=bool)
    numbers = np.where(bad, np.nan, numbers)
    return numbers, np.asarray(blank, dtype=bool), bad


def first_present(columns: Iterable[str], candidates: Iterable[str]) -> str | None:
    """The first of ``candidates`` that is a column name, or None."""
    present = set(columns)
    return next((c for c in candidates if c in present), None)
