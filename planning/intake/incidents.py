"""Incident uploads read in memory: a CSV, XLSX or GeoJSON file of points or counts, aggregated to counts per
settlement (or district) and period.


"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from geo.errors import Problem
from geo.incidents import incident_layout, incidents_from_table
from geo.region import Region, region_outline
from geo.tabular import canonical_columns, read_table
from planning.intake.uploads import (
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_ROWS,
    _feature_problem,
    _load_features,
    _too_large_problem,
    _wrong_geometry_types,
    safe_file_name,
)

UPLOAD_SUFFIXES = (".csv", ".txt", ".xlsx", ".geojson", ".json")


def parse_incidents(
    data: bytes, *, filename: str, region: Region
) -> tuple[pd.DataFrame | None, str | None, int, list[Problem]]:
    """Read and aggregate an upload without storing it.

    Returns
    -------
    (counts or None, layout, rows, problems)
        ``counts`` (:data:`geo.schema.INCIDENT_COLUMNS`) is None when any error was found.
    """
    name = safe_file_name(filename)
    problems: list[Problem] = []
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"`data` must be the bytes of the upload; got {type(data).__name__}.")
    data = bytes(data)
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if suffix not in UPLOAD_SUFFIXES:
        return (
            None,
            None,
            0,
            [
                Problem(
                    name,
                    f"is not a CSV, XLSX or GeoJSON file (got '{suffix or 'no suffix'}').",
                    "save the table as .csv or .xlsx, or the points as .geojson.",
                    key="upload_wrong_type",
                    params=(("suffix", suffix or "—"),),
                )
            ],
        )
    if len(data) > MAX_UPLOAD_BYTES:
        return (
            None,
            None,
            0,
            [
                _too_large_problem(
                    name,
                    len(data),
                    fix="split the file, or aggregate it to counts per settlement and period.",
                    key="upload_too_large",
                )
            ],
        )
    if suffix in (".geojson", ".json"):
        table, unit = _geojson_points_table(data, name, problems), "feature"
    else:
        table, found = read_table(data, name=name, max_rows=MAX_UPLOAD_ROWS)
        problems.extend(found)
        unit = "line"
    if table is None:
        return None, None, 0, problems
    table, found = canonical_columns(table, "incidents", name=name)
    problems.extend(found)
    if any(p.severity == "error" for p in found):
        return None, None, len(table), problems
    layout = incident_layout(table.columns)
    counts, found = incidents_from_table(
        table,
        name=name,
        settlements=region.settlements,
        districts=region.districts,
        analysis_crs=region.analysis_crs,
        outline=region_outline(region),
    )
    problems.extend(dataclasses.replace(p, unit=unit) if p.rows else p for p in found)
    if any(p.severity == "error" for p in problems):
        return None, layout, len(table), problems
    return counts, layout, len(table), problems


def _geojson_points_table(data: bytes, name: str, problems: list[Problem]) -> pd.DataFrame | None:
    """A text table (date, lat, lon and the properties) indexed by feature number, from a point FeatureCollection."""
    features = _load_features(data, name, problems)
    if features is None:
        return None
    numbers = np.arange(1, len(features) + 1)
    wrong, got = _wrong_geometry_types(features, ("Point",))
    if wrong.any():
        problems.append(
            _feature_problem(
                name,
                f"expected Point features (one per record); got {got}.",
                "export the records as points, or upload counts per settlement instead.",
                wrong,
                key="upload_points_expected",
                params=(("got", got),),
            )
        )
        return None
    coordinates = [f["geometry"].get("coordinates") for f in features]
    bad = np.array(
        [
            not (isinstance(c, list) and len(c) in (2, 3) and all(isinstance(v, (int, float)) for v in c))
            for c in coordinates
        ]
    )
    if bad.any():
        problems.append(
            _feature_problem(
                name,
                "point coordinates must be [longitude, latitude] numbers.",
                "export the layer again as GeoJSON.",
                bad,
                key="upload_point_coordinates",
            )
        )
        return None
    rows = []
    for feature, (lon, lat, *_) in zip(features, coordinates):
        properties = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
        cells = {str(k).strip().lower(): "" if v is None else str(v).strip() for k, v in properties.items()}
        cells.update({"lon": repr(float(lon)), "lat": repr(float(lat))})
        rows.append(cells)
    table = pd.DataFrame(rows, index=pd.Index(numbers, name="feature"), dtype=object).fillna("")
    return table
