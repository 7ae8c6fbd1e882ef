"""Populations the akimat holds: a statistics table (XLSX or CSV) read and matched to the region's settlements.

A planner uploads the table the akimat keeps (one row per village: a KATO code and/or a name, optionally the
district, and the population). It is read as text (:func:`geo.tabular.read_table`: UTF-8, UTF-8 with BOM or
Windows-1251; comma, semicolon or tab; "12 345" and "12 345,0" as Russian Excel writes them), every cell checked,
then each row is matched to one settlement:

1. by KATO code, when the row has one and the region's settlements carry codes (a ``kato`` column);
2. else by name within the row's district, when the table has a district column;
3. else by name alone.

Names are compared by the key the KATO matching uses (:func:`geo.kato.name_key`: case, "ё"/"е", Kazakh letters
read as their Russian neighbours, the prefixes "с.", "п.", "а.", "г.", "село", "аул"..., hyphens and spaces). A
name that fits two settlements is *ambiguous* and reported with the candidates, never guessed; two rows that give
the same settlement are both reported and neither is used.

A file with any bad row (a population that is empty, not a number, negative or not whole; a malformed KATO
code; neither code nor name) changes nothing. Otherwise the matched populations replace the region's stored
ones in one transaction (with the audit entry: :func:`planning.store.population.ingest_populations`), and the
report lists the matched, ambiguous and unmatched rows, each with its line in the file and the fix.
:func:`with_populations` lays the stored populations over a region's settlements (``population_source`` =
"upload").
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from geo.errors import Problem
from geo.kato import name_key
from geo.region import Region, aliases_of
from geo.tabular import (
    canonical_columns,
    columns_read_as,
    missing_columns,
    normalise_header,
    parse_numbers,
    read_table,
    rows_problem,
)
from planning.estimates import estimate_populations
from planning.i18n import format_problem
from planning.intake.uploads import MAX_UPLOAD_BYTES, MAX_UPLOAD_ROWS, safe_file_name

POPULATION_SUFFIXES = (".csv", ".txt", ".xlsx")
"""File types a population table may come as."""
KATO_DIGITS = 9
"""Digits of a KATO code (e.g. 611010000)."""
STATUSES = ("matched", "ambiguous", "unmatched")
"""What became of a row of the table."""
MATCHED_BY = ("kato", "name_in_district", "name")
"""How a matched row found its settlement."""
SOURCE_UPLOAD, SOURCE_FILE, SOURCE_UNKNOWN = "upload", "file", "unknown"
"""Values of ``population_source``: uploaded statistics, the region folder's file, no population known."""
MAX_CANDIDATES_SHOWN = 5
"""Candidate settlements named in the message of an ambiguous row."""
_POPULATION_HEADER_STARTS = ("численность", "население", "халық саны", "халқы", "тұрғындар", "population")
"""A header that begins so ("Численность населения на 01.01.2024") is read as the population when no alias fits."""


@dataclass(frozen=True)
class PopulationResult:
    """What a population upload did (or would do).

    Attributes
    ----------
    accepted : bool
        True when the matched populations were stored; False when nothing changed.
    file : str
        The upload's name as used in messages (no folder part).
    rows : DataFrame or None
        One row per data row of the file (None when the file could not be read): ``line`` (in the file, header =
        1), ``kato``, ``name``, ``district`` (as written), ``population`` (people), ``status``
        (:data:`STATUSES`), ``settlement_id`` (the match, else None), ``matched_by`` (:data:`MATCHED_BY` or None).
    problems : tuple of Problem
        Errors (the file was refused) and the report: a warning per ambiguous or unmatched row, naming its line
        and the fix.
    """

    accepted: bool
    file: str
    rows: pd.DataFrame | None
    problems: tuple[Problem, ...]

    def count(self, status: str) -> int:
        """Rows of the file with ``status`` (one of :data:`STATUSES`)."""
        return 0 if self.rows is None else int((self.rows["status"] == status).sum())

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    def matched(self) -> pd.DataFrame:
        """``settlement_id`` and ``population`` of the matched rows (what is stored)."""
        if self.rows is None:
            return pd.DataFrame({"settlement_id": pd.Series(dtype=object), "population": pd.Series(dtype=float)})
        chosen = self.rows[self.rows["status"] == "matched"]
        return chosen[["settlement_id", "population"]].reset_index(drop=True)

    def messages(self, lang: str = "en") -> list[str]:
        """Every problem as one line in ``lang`` (file, line, column, what, the fix)."""
        return [format_problem(p, lang) for p in self.problems]


# --------------------------------------------------------------------------------------------------------------
# names and codes
# --------------------------------------------------------------------------------------------------------------
_DISTRICT_WORDS_RE = re.compile(r"\s+(?:район|р-н|р\s+н|р\.|ауданы|аудан|г\.\s*а\.?|га|district)$")
"""Words after a district's name in lower case ("Жетысайский район", "Жетысай ауданы", "Туркестан г.а.")."""


def normalise_district_name(value: object) -> str:
    """A district name as rows are matched on it: the settlement-name key (:func:`geo.kato.name_key`) of the name
    without a trailing "район", "р-н", "ауданы" or "г.а." ("Жетысайский район" -> "жетысайский")."""
    if not isinstance(value, str):
        return ""
    text = unicodedata.normalize("NFC", value).strip().lower()
    previous = None
    while previous != text:
        previous, text = text, _DISTRICT_WORDS_RE.sub("", text).strip()
    return name_key(text)


def parse_kato(value: object) -> str | None:
    """A KATO code as its 9 digits, written as a number (611010000, 611010000.0), with spaces ("61 10 10 000")
    or as text; None when the cell is blank.

    Raises
    ------
    ValueError
        When the cell is not a 9-digit code.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).replace("\u00a0", "").replace(" ", "").strip().strip("'")
    if not text:
        return None
    text = re.sub(r"[.,]0+$", "", text)  # a code that came through a number column: 611010000.0
    if not (text.isdigit() and len(text) == KATO_DIGITS):
        raise ValueError(f"expected a {KATO_DIGITS}-digit KATO code; got {len(text)} characters.")
    return text


# --------------------------------------------------------------------------------------------------------------
# reading the table
# --------------------------------------------------------------------------------------------------------------
def parse_population_table(data: bytes, *, filename: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read and check a population table without matching it.

    Parameters
    ----------
    data : bytes
        The upload (at most :data:`planning.intake.uploads.MAX_UPLOAD_BYTES`); never written anywhere.
    filename : str
        The browser's name for it; only its suffix and last part are used.

    Returns
    -------
    (table or None, problems)
        ``table`` has ``line``, ``kato`` (9-digit text or None), ``name``, ``district`` (text as written, "" when
        blank or absent) and ``population`` (people, float); None when any error was found (every bad row is
        named, with its line and column).
    """
    name = safe_file_name(filename)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"`data` must be the bytes of the upload; got {type(data).__name__}.")
    data = bytes(data)
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if suffix not in POPULATION_SUFFIXES:
        return None, [
            Problem(
                name,
                f"is not a CSV or XLSX table (got '{suffix or 'no suffix'}').",
                "save the statistics table as .xlsx or .csv.",
                key="pop_wrong_type",
                params=(("suffix", suffix or "—"),),
            )
        ]
    table, problems = read_table(data, name=name, max_rows=MAX_UPLOAD_ROWS)
    if table is None:
        return None, problems
    table, found = canonical_columns(table, "populations", name=name)
    problems.extend(found)
    if any(p.severity == "error" for p in found):
        return None, problems
    if "population" not in table.columns:
        table = _population_by_header_start(table, name, problems)
    if "population" not in table.columns:
        expected = aliases_of("populations", "population")
        problems.append(
            missing_columns(
                name,
                table,
                needs=f"a population column ({expected})",
                fix="name the column of people 'население' (or 'population').",
                key="pop_no_column",
                params=(("expected", expected),),
            )
        )
    if "kato" not in table.columns and "name" not in table.columns:
        expected = f"{aliases_of('populations', 'kato')}; {aliases_of('populations', 'name')}"
        problems.append(
            missing_columns(
                name,
                table,
                needs=f"a KATO code column or a settlement name column ({expected})",
                fix="add the KATO codes or the names of the villages.",
                key="pop_no_key_column",
                params=(("expected", expected),),
            )
        )
    if any(p.severity == "error" for p in problems):
        return None, problems
    original = table.attrs.get("source_columns", {})
    lines = np.asarray(table.index, dtype=np.int64)
    population, blank, bad = parse_numbers(table["population"].astype(str))
    column = original.get("population", "population")
    negative = ~bad & ~blank & (np.nan_to_num(population) < 0)
    fraction = ~bad & ~blank & (np.nan_to_num(population) >= 0) & (np.nan_to_num(population) % 1 != 0)

    def check(mask: np.ndarray, message: str, fix: str, *, key: str) -> list[Problem]:
        return rows_problem(name, mask, lines, message, fix, column=column, key=key)

    problems += check(blank, "population is empty.", "fill in the population or delete the row.", key="pop_empty")
    problems += check(
        bad, "population is not a number.", "write the number of people, e.g. 12 345.", key="pop_not_number"
    )
    problems += check(
        negative, "population is negative.", "write the number of people (0 or more).", key="pop_negative"
    )
    problems += check(
        fraction,
        "population is not a whole number of people.",
        "write people, not thousands, without a fraction (12 345, not 12,3).",
        key="pop_not_whole",
    )
    codes: list[str | None] = [None] * len(table)
    if "kato" in table.columns:
        malformed = []
        for i, cell in enumerate(table["kato"]):
            try:
                codes[i] = parse_kato(cell)
            except ValueError:
                malformed.append(int(lines[i]))
        if malformed:
            problems.append(
                Problem(
                    name,
                    f"a KATO code has {KATO_DIGITS} digits (e.g. 611010000).",
                    "correct the code, or leave it empty and give the name.",
                    column=original.get("kato", "kato"),
                    rows=tuple(malformed),
                    key="pop_bad_kato",
                    params=(("digits", KATO_DIGITS),),
                )
            )
    names = table["name"].astype(str).str.strip().tolist() if "name" in table.columns else [""] * len(table)
    keyless = [int(line) for line, code, text in zip(lines, codes, names) if code is None and not text]
    malformed_lines = {r for p in problems if p.key == "pop_bad_kato" for r in p.rows}
    keyless = [line for line in keyless if line not in malformed_lines]
    if keyless:
        problems.append(
            Problem(
                name,
                "this row has neither a KATO code nor a name.",
                "give the village's KATO code or its name, or delete the row.",
                rows=tuple(keyless),
                key="pop_no_key",
            )
        )
    if any(p.severity == "error" for p in problems):
        return None, problems
    districts = table["district"].astype(str).str.strip().tolist() if "district" in table.columns else [""] * len(table)
    out = pd.DataFrame(
        {
            "line": lines,
            "kato": pd.Series(codes, dtype=object),
            "name": names,
            "district": districts,
            "population": population,
        }
    )
    out.attrs["has_district"] = "district" in table.columns
    return out, problems


def _population_by_header_start(table: pd.DataFrame, name: str, problems: list[Problem]) -> pd.DataFrame:
    """``table`` with the one column whose header begins like a population ("Численность населения на 1 января
    2024 г.") renamed to ``population``, saying so; unchanged when none or several do."""
    fitting = [c for c in table.columns if normalise_header(c).startswith(_POPULATION_HEADER_STARTS)]
    if len(fitting) != 1:
        return table
    renamed = table.rename(columns={fitting[0]: "population"})
    renamed.attrs["source_columns"] = {**table.attrs.get("source_columns", {}), "population": str(fitting[0])}
    problems.append(columns_read_as(name, [(str(fitting[0]), "population")]))
    return renamed


# --------------------------------------------------------------------------------------------------------------
# matching rows to settlements
# --------------------------------------------------------------------------------------------------------------
_NAME_COLUMNS = ("name", "name_ru", "name_kk", "name_en")


def _name_index(settlements: pd.DataFrame) -> dict[str, list[int]]:
    """Normalised name -> positions of the settlements that carry it (in any language)."""
    index: dict[str, list[int]] = {}
    for column in _NAME_COLUMNS:
        if column not in settlements.columns:
            continue
        for position, value in enumerate(settlements[column].to_numpy(dtype=object)):
            key = name_key(value)
            if key and position not in index.setdefault(key, []):
                index[key].append(position)
    return index


def _district_lookup(districts: pd.DataFrame) -> dict[str, str]:
    """District id, and each of its names normalised, -> district id (names shared by two districts left out)."""
    lookup: dict[str, str] = {}
    clashing: set[str] = set()
    for row in districts.itertuples(index=False):
        district_id = str(row.district_id)
        keys = {normalise_district_name(district_id), district_id.casefold()}
        for column in ("name_ru", "name_kk", "name_en"):
            value = getattr(row, column, None)
            if isinstance(value, str) and value.strip():
                keys.add(normalise_district_name(value))
        for key in keys - {""}:
            if key in lookup and lookup[key] != district_id:
                clashing.add(key)
            lookup[key] = district_id
    return {k: v for k, v in lookup.items() if k not in clashing}


def _settlement_label(settlements: pd.DataFrame, position: int) -> str:
    row = settlements.iloc[position]
    district = row.get("district_id")
    where = f", {district}" if isinstance(district, str) and district else ""
    return f"{row['settlement_id']} «{row['name']}»{where}"


def match_populations(
    table: pd.DataFrame, *, settlements: pd.DataFrame, districts: pd.DataFrame, filename: str
) -> tuple[pd.DataFrame, list[Problem]]:
    """Match the rows of a parsed population table (:func:`parse_population_table`) to settlements.

    Parameters
    ----------
    table : DataFrame
        As :func:`parse_population_table` returns it.
    settlements : DataFrame
        The region's settlements (``geo.schema``; a ``kato`` column, when present, is matched on).
    districts : DataFrame
        The region's districts (``district_id``, names), to read the table's district column.
    filename : str
        For messages.

    Returns
    -------
    (rows, report)
        ``rows``: ``table`` with ``status``, ``settlement_id`` and ``matched_by`` (see
        :class:`PopulationResult`); ``report``: a warning per ambiguous or unmatched row (its line, why, the fix).
        Nothing is guessed: a name with two candidates, or two rows giving one settlement, are not matched.
    """
    name = safe_file_name(filename)
    report: list[Problem] = []
    ids = settlements["settlement_id"].astype(str).to_numpy(dtype=object)
    settlement_districts = (
        settlements["district_id"].to_numpy(dtype=object)
        if "district_id" in settlements.columns
        else np.full(len(settlements), None, dtype=object)
    )
    codes: dict[str, list[int]] = {}
    has_codes = "kato" in settlements.columns and settlements["kato"].notna().any()
    if has_codes:
        for position, value in enumerate(settlements["kato"].to_numpy(dtype=object)):
            try:
                code = parse_kato(value)
            except ValueError:
                code = None
            if code:
                codes.setdefault(code, []).append(position)
    names = _name_index(settlements)
    district_of = _district_lookup(districts)
    has_district = bool(table.attrs.get("has_district")) or bool((table["district"] != "").any())
    by_name_instead: list[int] = []

    def one(row: Any, line: int) -> tuple[str, int | None, str | None]:
        """(status, settlement position, matched_by) of one row; what is wrong goes to ``report``."""

        def unmatched(
            message: str, fix: str, *, key: str, params: tuple[tuple[str, object], ...] = ()
        ) -> tuple[str, None, None]:
            report.append(Problem(name, message, fix, rows=(line,), severity="warning", key=key, params=params))
            return "unmatched", None, None

        if row.kato is not None and has_codes:
            positions = codes.get(row.kato, [])
            if len(positions) == 1:
                return "matched", positions[0], "kato"
            if positions:
                report.append(_ambiguous(name, line, row.kato, positions, settlements, what="code"))
                return "ambiguous", None, None
            return unmatched(
                f"no settlement of this region has KATO code {row.kato}.",
                "check the code; a village missing from the map gets no population.",
                key="pop_unmatched_kato",
                params=(("code", row.kato),),
            )
        if row.kato is not None and not row.name:
            return unmatched(
                f"KATO code {row.kato} cannot be matched: the region's settlements carry "
                "no KATO codes, and this row has no name.",
                "add the village's name to the row.",
                key="pop_code_without_codes",
                params=(("code", row.kato),),
            )
        if row.kato is not None:
            by_name_instead.append(line)
        positions, method = names.get(name_key(row.name), []), "name"
        if has_district and row.district:
            district_id = district_of.get(normalise_district_name(row.district)) or district_of.get(
                str(row.district).strip().casefold()
            )
            if district_id is None:
                return unmatched(
                    f"«{row.district}» is not a district of this region.",
                    "write the district as the region names it (or its id), or leave it empty.",
                    key="pop_unknown_district",
                    params=(("district", row.district),),
                )
            inside = [p for p in positions if settlement_districts[p] == district_id]
            elsewhere = sorted({str(settlement_districts[p]) for p in positions})
            if not inside and elsewhere:
                return unmatched(
                    f"no settlement «{row.name}» in district {district_id}; a settlement "
                    f"of that name is in {', '.join(elsewhere)}.",
                    "check the district of the row.",
                    key="pop_other_district",
                    params=(("name", row.name), ("district", district_id), ("others", ", ".join(elsewhere))),
                )
            positions, method = inside, "name_in_district"
        if len(positions) == 1:
            return "matched", positions[0], method
        if positions:
            report.append(
                _ambiguous(
                    name,
                    line,
                    row.name,
                    positions,
                    settlements,
                    what="name",
                    district="given" if row.district else ("blank" if has_district else "none"),
                )
            )
            return "ambiguous", None, None
        return unmatched(
            f"no settlement of this region is named «{row.name}».",
            "check the spelling against the settlement names of the region, or give the KATO code.",
            key="pop_unmatched_name",
            params=(("name", row.name),),
        )

    decided = [one(row, int(row.line)) for row in table.itertuples(index=False)]
    status = [d[0] for d in decided]
    chosen = [d[1] for d in decided]
    how = [d[2] for d in decided]
    if by_name_instead:
        report.insert(
            0,
            Problem(
                name,
                "the region's settlements carry no KATO codes: rows were matched by name.",
                "nothing to do if the names are right.",
                rows=tuple(by_name_instead),
                severity="warning",
                key="pop_matched_by_name",
            ),
        )
    rows = table.copy()
    rows["status"] = status
    rows["settlement_id"] = pd.Series(
        [ids[p] if p is not None else None for p in chosen], dtype=object, index=rows.index
    )
    rows["matched_by"] = pd.Series(how, dtype=object, index=rows.index)
    matched = rows["status"] == "matched"
    repeated = matched & rows["settlement_id"].duplicated(keep=False)
    for settlement_id, group in rows[repeated].groupby("settlement_id", sort=True):
        lines = tuple(int(x) for x in group["line"])
        position = int(np.flatnonzero(ids == settlement_id)[0])
        report.append(
            Problem(
                name,
                f"these rows give the same settlement ({_settlement_label(settlements, position)});"
                " none of them was used.",
                "keep one row per village.",
                rows=lines,
                severity="warning",
                key="pop_duplicate",
                params=(("settlement", _settlement_label(settlements, position)),),
            )
        )
    rows.loc[repeated, "status"] = "ambiguous"
    rows.loc[repeated, "settlement_id"] = None
    rows.loc[repeated, "matched_by"] = None
    return rows, report


class _Fix(NamedTuple):
    """The fix of a report and its message key."""

    text: str
    key: str


_AMBIGUOUS_FIXES = {
    "code": _Fix("give the village's KATO code.", key="pop_ambiguous_code"),
    "given": _Fix("give the village's KATO code.", key="pop_ambiguous_in_district"),
    "blank": _Fix(
        "fill in the district of this row (or give the village's KATO code).", key="pop_ambiguous_no_district"
    ),
    "none": _Fix(
        "add a district column (or the village's KATO code) so the row names one village.", key="pop_ambiguous"
    ),
}
"""The fix of an ambiguous row: it gave a KATO code ("code"), a name and its district ("given"), a name with the
table's district column left empty ("blank"), or a name in a table without district column ("none")."""


def _ambiguous(
    name: str,
    line: int,
    value: str,
    positions: list[int],
    settlements: pd.DataFrame,
    *,
    what: str,
    district: str = "none",
) -> Problem:
    """The report of a row that fits several settlements; ``district`` says whether the row gave one ("given"),
    left the table's district column empty ("blank") or the table has none ("none"), for the fix."""
    shown = "; ".join(_settlement_label(settlements, p) for p in positions[:MAX_CANDIDATES_SHOWN])
    if len(positions) > MAX_CANDIDATES_SHOWN:
        shown += f"; +{len(positions) - MAX_CANDIDATES_SHOWN}"
    message = f"«{value}» fits {len(positions)} settlements ({shown}); none was chosen."
    params = (("value", value), ("count", len(positions)), ("candidates", shown))
    fix = _AMBIGUOUS_FIXES["code" if what == "code" else district]
    return Problem(name, message, fix.text, rows=(line,), severity="warning", key=fix.key, params=params)


# --------------------------------------------------------------------------------------------------------------
# the upload
# --------------------------------------------------------------------------------------------------------------
def read_populations(data: bytes, *, filename: str, region: Region) -> PopulationResult:
    """Parse and match a population table without storing it (what
    :func:`planning.store.population.ingest_populations` would store).

    Returns
    -------
    PopulationResult
        ``accepted`` False; ``rows`` None when the file has errors (``problems`` then names them).
    """
    name = safe_file_name(filename)
    if len(bytes(data)) > MAX_UPLOAD_BYTES:
        table, problems = read_table(bytes(data), name=name)  # says how large and what the limit is
    else:
        table, problems = parse_population_table(data, filename=name)
    if table is None:
        return PopulationResult(False, name, None, tuple(problems))
    rows, report = match_populations(table, settlements=region.settlements, districts=region.districts, filename=name)
    problems = problems + report
    if not (rows["status"] == "matched").any():
        problems.append(
            Problem(
                name,
                "no row matched a settlement of this region; nothing changed.",
                "check that the table belongs to this region and that its names or KATO codes are "
                "those of its villages.",
                key="pop_nothing_matched",
            )
        )
    return PopulationResult(False, name, rows, tuple(problems))


def with_populations(settlements: pd.DataFrame, stored: pd.DataFrame) -> pd.DataFrame:
    """``settlements`` (a copy) with the stored populations in place of the file's, and ``population_source``:
    "upload" where a stored population was laid over, "file" where the region's file had one, "estimate" where the
    rest were estimated (:func:`planning.estimates.estimate_populations`, with ``population_low``/``_high``), and
    "unknown" only where the region knows no population to estimate from.

    Parameters
    ----------
    settlements : DataFrame
        The region's settlements (``settlement_id``, ``population``).
    stored : DataFrame
        ``settlement_id`` and ``population`` (:meth:`planning.store.population.PopulationStore.populations`); ids
        the region does not have are ignored.
    """
    out = settlements.copy()
    population = out["population"].to_numpy(dtype=float).copy()
    source = np.where(np.isnan(population), SOURCE_UNKNOWN, SOURCE_FILE).astype(object)
    if len(stored):
        positions = pd.Index(out["settlement_id"].astype(str)).get_indexer(stored["settlement_id"].astype(str))
        found = positions >= 0
        population[positions[found]] = stored["population"].to_numpy(dtype=float)[found]
        source[positions[found]] = SOURCE_UPLOAD
    out["population"] = population
    out["population_source"] = source
    return estimate_populations(out)  # after the upload: an uploaded population replaces an estimate


def population_sources(settlements: pd.DataFrame) -> list[str]:
    """Each settlement's ``population_source`` (:func:`with_populations`); for a frame without one (a region as
    loaded from its folder), "file" where a population is known and "unknown" where not."""
    if "population_source" in settlements.columns:
        return [str(s) for s in settlements["population_source"]]
    return [SOURCE_UNKNOWN if math.isnan(p) else SOURCE_FILE for p in settlements["population"].to_numpy(dtype=float)]
