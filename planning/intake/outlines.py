"""District outlines (or a boundary) uploaded as GeoJSON, checked in memory."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape

from geo.errors import Problem, ValidationError
from geo.region import NAME_FIELDS, aliases_of
from geo.schema import DISTRICT_COLUMNS
from geo.settings import STORAGE_CRS
from geo.tabular import canonical_columns, parse_numbers, with_source_columns
from planning.intake.uploads import (
    MAX_UPLOAD_BYTES,
    _feature_problem,
    _load_features,
    _too_large_problem,
    _wrong_geometry_types,
    safe_file_name,
)


def read_outline_upload(data: bytes, *, filename: str, what: str = "district") -> gpd.GeoDataFrame:
    """District outlines from an uploaded GeoJSON, checked in memory: polygons only, valid (no self-intersection),
    a vertex cap, unique ids.

    Returns
    -------
    GeoDataFrame
        :data:`geo.schema.DISTRICT_COLUMNS`, EPSG:4326.

    Raises
    ------
    ValidationError
        With every problem (feature numbers, what is wrong, the fix).
    """
    name = safe_file_name(filename)
    problems: list[Problem] = []
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(
            [_too_large_problem(name, len(data), fix="simplify the outlines.", key="outline_too_large")]
        )
    features = _load_features(bytes(data), name, problems)
    if features is None:
        raise ValidationError(problems)
    numbers = np.arange(1, len(features) + 1)
    wrong, got = _wrong_geometry_types(features, ("Polygon", "MultiPolygon"))
    if wrong.any():
        problems.append(
            _feature_problem(
                name,
                f"expected Polygon or MultiPolygon outlines; got {got}.",
                f"a {what} is an area: replace those features with their outlines.",
                wrong,
                key="outline_polygons_expected",
                params=(("got", got),),
            )
        )
        raise ValidationError(problems)
    geometries = []
    broken = np.zeros(len(features), dtype=bool)
    for i, feature in enumerate(features):
        try:
            geometries.append(shape(feature["geometry"]))
        except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.ShapelyError):
            geometries.append(None)
            broken[i] = True
    if broken.any():
        problems.append(
            _feature_problem(
                name,
                "outlines whose coordinates cannot form polygons (rings need 4 or more positions, first = last).",
                "export the layer again.",
                broken,
                key="outline_rings",
            )
        )
        raise ValidationError(problems)
    geometry = gpd.GeoSeries(geometries, crs=STORAGE_CRS)
    invalid = (~geometry.is_valid).to_numpy()
    if invalid.any():
        reasons = sorted({shapely.is_valid_reason(g).split("[")[0] for g in geometry[invalid]})
        problems.append(
            _feature_problem(
                name,
                f"invalid outlines ({'; '.join(reasons)}).",
                "repair them (QGIS: Vector ▸ Geometry Tools ▸ Fix Geometries) and upload again.",
                invalid,
                key="outline_invalid",
                params=(("reasons", "; ".join(reasons)),),
            )
        )
    lon_lat = shapely.get_coordinates(geometry.to_numpy())
    if len(lon_lat) and not np.isfinite(lon_lat).all():
        problems.append(
            Problem(
                name,
                "outline coordinates that are not finite numbers (NaN or infinity).",
                "export the layer again; every vertex needs a longitude and latitude in degrees.",
                key="outline_not_finite",
            )
        )
        raise ValidationError(problems)
    if len(lon_lat) and (np.abs(lon_lat[:, 1]).max() > 90 or np.abs(lon_lat[:, 0]).max() > 180):
        problems.append(
            Problem(
                name,
                "coordinates are not degrees (they look like projected metres).",
                "export the layer in EPSG:4326.",
                key="outline_not_degrees",
            )
        )
    properties = pd.DataFrame(
        [{str(k).strip().lower(): v for k, v in (f.get("properties") or {}).items()} for f in features], index=numbers
    )
    properties, found = canonical_columns(properties, "districts", name=name)
    problems.extend(found)
    if any(p.severity == "error" for p in found):
        raise ValidationError(problems)
    id_column = "district_id" if "district_id" in properties.columns else None
    if id_column is None:
        expected = aliases_of("districts", "district_id")
        problems.append(
            Problem(
                name,
                f"has no id column ({expected}).",
                f"add a unique id per {what}.",
                key="outline_no_id",
                params=(("columns", expected),),
            )
        )
        raise ValidationError(problems)
    ids = properties[id_column].astype(object).where(properties[id_column].notna(), "").astype(str).str.strip()
    repeated = ((ids == "") | ids.duplicated(keep=False)).to_numpy()
    if repeated.any():
        problems.append(
            _feature_problem(
                name,
                "ids are empty or repeated.",
                f"give every {what} its own id.",
                repeated,
                key="outline_ids",
                column=id_column,
            )
        )
    population = np.full(len(features), np.nan)
    if "population" in properties.columns:
        population, _, bad = parse_numbers(
            properties["population"].astype(object).where(properties["population"].notna(), "").astype(str)
        )
        if bad.any() or (population < 0).any():
            problems.append(
                _feature_problem(
                    name,
                    "population must be a non-negative number or empty.",
                    "correct those cells.",
                    bad | (population < 0),
                    key="outline_population",
                    column="population",
                )
            )
    if any(p.severity == "error" for p in problems):
        raise ValidationError(with_source_columns(problems, properties))
    out = gpd.GeoDataFrame({"district_id": ids.to_numpy(dtype=object)}, geometry=geometry.to_numpy(), crs=STORAGE_CRS)
    for target in NAME_FIELDS:
        out[target] = properties[target].astype(object).to_numpy() if target in properties.columns else None
    out["population"] = population
    return out[DISTRICT_COLUMNS]
