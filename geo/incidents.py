"""Incident tables, aggregated on load. Only counts per settlement (or district) and period leave this module.

Two shapes are understood:

* points: ``date, lat, lon`` (optional ``type``) — each point is given to the nearest settlement of the district
  it lies in, then the points are discarded;
* counts: ``settlement`` or ``district`` (id or name), ``period``, ``count``.

Messages name the file, the lines and the column, never a cell's content: incident rows are about victims.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from geo.errors import Problem
from geo.locations import assign_districts, check_locations
from geo.schema import INCIDENT_COLUMNS
from geo.settings import STORAGE_CRS
from geo.tabular import canonical_columns, parse_numbers, read_table, rows_problem, with_source_columns

_PERIOD_RE = re.compile(r"^\s*(\d{4})(?:\s*[-/ ]?\s*[HhПп]([12]))?\s*$")


def normalise_period(text: str) -> str | None:
    """``"2023"`` or ``"2023-H1"``/``"2023-H2"`` (fixed periods only; free date ranges are refused)."""
    match = _PERIOD_RE.match(str(text))
    if not match:
        return None
    year, half = match.groups()
    return f"{year}-H{half}" if half else year


def period_of_dates(dates: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Half-year periods of date cells (ISO ``2023-05-14`` or ``14.05.2023``) and a mask of unreadable ones."""
    iso = pd.to_datetime(dates, format="%Y-%m-%d", errors="coerce")
    dotted = pd.to_datetime(dates, format="%d.%m.%Y", errors="coerce")
    parsed = iso.fillna(dotted)
    bad = parsed.isna().to_numpy()
    periods = np.array([None if pd.isna(d) else f"{d.year}-H{1 if d.month <= 6 else 2}" for d in parsed], dtype=object)
    return periods, bad


def read_incidents(
    source: Path | bytes,
    *,
    name: str,
    settlements: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame,
    analysis_crs: str,
    outline: shapely.Geometry | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Read an incident table (points or counts) and aggregate it to counts per settlement and period.

    Returns
    -------
    (counts, problems)
        ``counts`` has the columns of :data:`geo.schema.INCIDENT_COLUMNS`; it is empty when any error was found,
        so a bad file never half-loads.
    """
    table, problems = read_table(source, name=name)
    if table is None:
        return pd.DataFrame(columns=INCIDENT_COLUMNS), problems
    counts, found = incidents_from_table(
        table, name=name, settlements=settlements, districts=districts, analysis_crs=analysis_crs, outline=outline
    )
    return counts, problems + found


def incidents_from_table(
    table: pd.DataFrame,
    *,
    name: str,
    settlements: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame,
    analysis_crs: str,
    outline: shapely.Geometry | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Aggregate a text table already read (see :func:`geo.tabular.read_table`) to counts per settlement and period.

    ``table`` holds text cells, lower-case column names and line (or feature) numbers as its index; headers are
    read through the aliases of :data:`geo.schema.COLUMN_ALIASES` ("incidents"). Returns ``(counts, problems)``
    like :func:`read_incidents`.
    """
    empty = pd.DataFrame(columns=INCIDENT_COLUMNS)
    table, problems = canonical_columns(table, "incidents", name=name)
    if any(p.severity == "error" for p in problems):
        return empty, problems
    synthetic = _synthetic_flags(table, name, problems)
    if incident_layout(table.columns) == "points":
        _duplicate_record_ids(table, name, problems)
        counts = _aggregate_points(
            table,
            name,
            problems,
            settlements=settlements,
            districts=districts,
            analysis_crs=analysis_crs,
            outline=outline,
            synthetic=synthetic,
        )
    elif incident_layout(table.columns) == "counts":
        counts = _read_counts(table, name, problems, settlements=settlements, districts=districts, synthetic=synthetic)
    else:
        # The header is not echoed: a file without one would show its first record here.
        problems.append(
            Problem(
                name,
                f"the first line should be a header naming the columns; its {len(table.columns)} "
                "cells include neither date, lat, lon (points) nor settlement or district, "
                "period, count (counts).",
                "add a header line with one of the two layouts described on the upload page.",
                key="incidents_no_header",
                params=(("cells", len(table.columns)),),
            )
        )
        counts = None
    problems = with_source_columns(problems, table)
    if counts is None or any(p.severity == "error" for p in problems):
        return empty, problems
    return counts, problems


def incident_layout(columns: Iterable[str]) -> str | None:
    """ "points" (lat and lon), "counts" (a count column) or None, from canonical column names (see
    :func:`geo.tabular.canonical_columns`)."""
    present = set(columns)
    return "points" if {"lat", "lon"} <= present else "counts" if "count" in present else None


def _duplicate_record_ids(table: pd.DataFrame, name: str, problems: list[Problem]) -> None:
    """A record listed twice would be counted twice: an error naming the lines."""
    column = "record_id"
    if column not in table.columns:
        return
    ids = table[column].astype(str).str.strip()
    repeated = (ids != "") & ids.duplicated(keep=False)
    problems += rows_problem(
        name,
        repeated.to_numpy(),
        np.asarray(table.index),
        "the same record id appears on several lines; it would be counted twice.",
        "keep one line per record.",
        column=column,
        key="incidents_duplicate_records",
    )


def _synthetic_flags(table: pd.DataFrame, name: str, problems: list[Problem]) -> np.ndarray:
    if "synthetic" not in table.columns:
        return np.zeros(len(table), dtype=bool)
    flags = (
        table["synthetic"]
        .str.lower()
        .map({"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False})
    )
    problems += rows_problem(
        name,
        flags.isna().to_numpy(),
        np.asarray(table.index),
        "expected true or false.",
        "use true for demo data, false for real records.",
        column="synthetic",
        key="incidents_synthetic_flag",
    )
    return flags.fillna(False).to_numpy(dtype=bool)


def _aggregate_points(
    table: pd.DataFrame,
    name: str,
    problems: list[Problem],
    *,
    settlements: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame,
    analysis_crs: str,
    outline: shapely.Geometry | None,
    synthetic: np.ndarray,
) -> pd.DataFrame | None:

    lines = np.asarray(table.index)
    lat_column, lon_column = "lat", "lon"
    if "date" not in table.columns:
        problems.append(
            Problem(
                name,
                "point records need a date column.",
                "add the date of each record (YYYY-MM-DD).",
                key="incidents_no_date",
            )
        )
        return None
    lat, lat_blank, lat_bad = parse_numbers(table[lat_column])
    lon, lon_blank, lon_bad = parse_numbers(table[lon_column])
    for column, bad in ((lat_column, lat_blank | lat_bad), (lon_column, lon_blank | lon_bad)):
        problems += rows_problem(
            name,
            bad,
            lines,
            "expected a coordinate in degrees.",
            "fill in decimal degrees.",
            column=column,
            key="incidents_coordinate",
        )
    periods, bad_dates = period_of_dates(table["date"])
    problems += rows_problem(
        name,
        bad_dates,
        lines,
        "expected a date as YYYY-MM-DD or DD.MM.YYYY.",
        "correct those dates.",
        column="date",
        key="incidents_bad_date",
    )
    parsed = ~(lat_blank | lat_bad | lon_blank | lon_bad)  # the others were reported above
    check_locations(
        lon[parsed], lat[parsed], lines[parsed], name, "line", problems, outline=outline, analysis_crs=analysis_crs
    )
    if settlements.empty:
        problems.append(
            Problem(
                name,
                "point records need settlements to be assigned to; this region has none.",
                "add settlements to the region, or upload counts per district.",
                key="incidents_no_settlements",
            )
        )
    if any(p.severity == "error" for p in problems):
        return None
    settlement_index = nearest_settlement_in_district(lon, lat, settlements, districts, analysis_crs=analysis_crs)
    frame = pd.DataFrame(
        {
            "settlement_id": settlements["settlement_id"].to_numpy()[settlement_index],
            "district_id": settlements["district_id"].to_numpy()[settlement_index],
            "period": periods,
            "synthetic": synthetic,
        }
    )
    return _sum_counts(frame.assign(count=1))


def nearest_settlement_in_district(
    lon: np.ndarray, lat: np.ndarray, settlements: gpd.GeoDataFrame, districts: gpd.GeoDataFrame, *, analysis_crs: str
) -> np.ndarray:
    """Index (into ``settlements``) of the nearest settlement in the same district as each point; the nearest
    overall where the point's district has no settlement or there are no districts."""

    points = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=STORAGE_CRS).to_crs(analysis_crs)
    xy = np.column_stack([points.x, points.y])
    places = settlements.geometry.to_crs(analysis_crs)
    place_xy = np.column_stack([places.x, places.y])
    result = cKDTree(place_xy).query(xy)[1]
    point_districts = assign_districts(lon, lat, districts)
    place_districts = settlements["district_id"].to_numpy(dtype=object)
    for district in {d for d in point_districts if d is not None}:
        members = np.flatnonzero(place_districts == district)
        if len(members) == 0:
            continue
        chosen = point_districts == district
        result[chosen] = members[cKDTree(place_xy[members]).query(xy[chosen])[1]]
    return result


def _read_counts(
    table: pd.DataFrame,
    name: str,
    problems: list[Problem],
    *,
    settlements: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame,
    synthetic: np.ndarray,
) -> pd.DataFrame | None:
    lines = np.asarray(table.index)
    count, blank, bad = parse_numbers(table["count"])
    fractional = ~bad & ~blank & np.isfinite(count) & (count != np.round(count))

    def check(mask: np.ndarray, message: str, fix: str, *, key: str) -> list[Problem]:
        return rows_problem(name, mask, lines, message, fix, column="count", key=key)

    problems += check(
        blank | bad,
        "expected a whole number of incidents (e.g. 7), without words.",
        "write the number only; 0 where there were none.",
        key="incidents_count_not_number",
    )
    problems += check(
        fractional, "counts must be whole numbers.", "round or correct those counts.", key="incidents_count_fraction"
    )
    problems += check(count < 0, "counts cannot be negative.", "correct those counts.", key="incidents_count_negative")
    if "period" not in table.columns:
        problems.append(
            Problem(
                name,
                "count records need a period column (2023 or 2023-H1).",
                "add the period.",
                key="incidents_no_period",
            )
        )
        return None
    periods = table["period"].map(normalise_period)
    problems += rows_problem(
        name,
        periods.isna().to_numpy(),
        lines,
        "expected a year (2023) or half-year (2023-H1, 2023-H2).",
        "use fixed periods; free date ranges are not accepted.",
        column="period",
        key="incidents_bad_period",
    )
    settlement_column = "settlement_id" if "settlement_id" in table.columns else None
    district_column = "district_id" if "district_id" in table.columns else None
    if settlement_column is None and district_column is None:
        problems.append(
            Problem(
                name,
                "count records need a settlement or a district column.",
                "add settlement (id or name) or district (id or name).",
                key="incidents_no_place",
            )
        )
        return None
    settlement_ids = np.full(len(table), None, dtype=object)
    district_ids = np.full(len(table), None, dtype=object)
    if settlement_column:
        settlement_ids = _match_ids(table, settlement_column, settlements, name, lines, problems)
        lookup = dict(zip(settlements["settlement_id"], settlements["district_id"]))
        district_ids = np.array([lookup.get(s) for s in settlement_ids], dtype=object)
    elif district_column:
        district_ids = _match_ids(table, district_column, districts, name, lines, problems)
    place = settlement_ids if settlement_column else district_ids
    keys = pd.Series([f"{a}\x00{b}" for a, b in zip(place, periods)], index=table.index)
    repeated = pd.notna(place) & periods.notna().to_numpy() & keys.duplicated(keep=False).to_numpy()
    problems += rows_problem(
        name,
        repeated,
        lines,
        "the same place and period appear on several lines; they would be added up.",
        "keep one line per place and period (add the counts up yourself if intended).",
        column=settlement_column or district_column,
        key="incidents_repeated_place",
    )
    if any(p.severity == "error" for p in problems):
        return None
    frame = pd.DataFrame(
        {
            "settlement_id": settlement_ids,
            "district_id": district_ids,
            "period": periods.to_numpy(),
            "count": count.astype(int),
            "synthetic": synthetic,
        }
    )
    return _sum_counts(frame)


_NAME_COLUMNS = {"settlement_id": ("name", "name_ru", "name_kk"), "district_id": ("name_ru", "name_kk", "name_en")}
"""Per id column (of the region's settlements or districts), the name columns a counts file may name them by."""


def _match_ids(
    table: pd.DataFrame, column: str, frame: pd.DataFrame, file: str, lines: np.ndarray, problems: list[Problem]
) -> np.ndarray:
    """Ids for the cells of ``table[column]`` (``settlement_id`` or ``district_id``) holding an id or an unambiguous
    name of a settlement or district of ``frame``; None where none fits, reported."""
    lookup = {str(i): str(i) for i in frame[column]}
    for name_column in _NAME_COLUMNS[column]:
        names = frame[name_column].dropna().astype(str).str.strip().str.lower()
        unique = names[~names.duplicated(keep=False)]
        for key, value in zip(unique, frame.loc[unique.index, column]):
            lookup.setdefault(key, str(value))
    values = table[column]
    result = np.array([lookup.get(str(v).strip()) or lookup.get(str(v).strip().lower()) for v in values], dtype=object)
    problems += rows_problem(
        file,
        np.array([r is None for r in result], dtype=bool),
        lines,
        f"values that match no {column.split('_')[0]} id or unique name of this region.",
        "use the ids shown on the data page.",
        column=column,
        key="unmatched_settlement" if column == "settlement_id" else "unmatched_district",
    )
    return result


def _sum_counts(frame: pd.DataFrame) -> pd.DataFrame:
    keys = ["settlement_id", "district_id", "period", "synthetic"]
    summed = (
        frame.fillna({"settlement_id": "", "district_id": ""}).groupby(keys, sort=True, as_index=False)["count"].sum()
    )
    for key in ("settlement_id", "district_id"):
        summed[key] = summed[key].replace("", None).astype(object)
    summed["count"] = summed["count"].astype(int)
    return summed[INCIDENT_COLUMNS]
