"""Where points lie: the coordinate checks and the district assignment that settlements, service sites and incident
points share (``geo.region`` and ``geo.incidents`` both use them; neither imports the other for them).

Pure functions: coordinates in EPSG:4326 degrees; outlines in the region's analysis CRS (metres).
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import shapely

from geo.errors import Problem
from geo.settings import STORAGE_CRS
from geo.tabular import rows_problem

MAX_NAMED_POINTS = 8
"""How many points outside the outline a message names before it says "(+n)"."""


def check_locations(
    lon: np.ndarray,
    lat: np.ndarray,
    lines: np.ndarray,
    name: str,
    unit: str,
    problems: list[Problem],
    *,
    outline: shapely.Geometry | None,
    analysis_crs: str,
    labels: Sequence[str] | None = None,
) -> None:
    """Errors for coordinates that are not finite, not degrees or outside the region outline.

    ``labels`` (one text per point, e.g. "s9 «Name»") names the points outside; never pass labels of incident
    records (they are about victims).
    """

    def flag(
        mask: np.ndarray, message: str, fix: str, *, key: str, params: tuple[tuple[str, object], ...] = ()
    ) -> None:
        problems.extend(rows_problem(name, mask, lines, message, fix, unit=unit, key=key, params=params))

    finite = np.isfinite(lon) & np.isfinite(lat)
    flag(
        ~finite,
        "coordinates that are not finite numbers (NaN or infinity).",
        "fill in decimal degrees, e.g. 42.3.",
        key="coordinates_not_finite",
    )
    not_degrees = finite & ((np.abs(lat) > 90) | (np.abs(lon) > 180))
    flag(
        not_degrees,
        "coordinates are not degrees (they look like projected metres).",
        "convert them to EPSG:4326 longitude/latitude in degrees.",
        key="not_degrees",
    )
    if outline is None:
        return
    check = finite & ~not_degrees
    inside = np.zeros(len(lon), dtype=bool)
    inside[check] = _inside(lon[check], lat[check], outline, analysis_crs)
    outside = check & ~inside
    if not outside.any():
        return
    swapped = np.zeros(len(lon), dtype=bool)
    swapped[outside] = _inside(lat[outside], lon[outside], outline, analysis_crs)
    fix = "check those coordinates, or use the region folder they belong to."
    if swapped[outside].mean() > 0.5:
        flag(
            outside,
            "points fall outside the region, but would fall inside with latitude and longitude exchanged.",
            "swap the lat and lon columns.",
            key="points_swapped",
        )
    elif labels is not None:
        named = [str(labels[int(i)]) for i in np.flatnonzero(outside)]
        shown = ", ".join(named[:MAX_NAMED_POINTS]) + (
            f" (+{len(named) - MAX_NAMED_POINTS})" if len(named) > MAX_NAMED_POINTS else ""
        )
        flag(
            outside,
            f"points lie outside the region outline: {shown}.",
            fix,
            key="points_outside_named",
            params=(("points", shown),),
        )
    else:
        flag(outside, "points lie outside the region outline.", fix, key="points_outside")


def _inside(lon: np.ndarray, lat: np.ndarray, outline: shapely.Geometry, analysis_crs: str) -> np.ndarray:
    if len(lon) == 0 or np.any(np.abs(lat) > 90):
        return np.zeros(len(lon), dtype=bool) if np.any(np.abs(lat) > 90) else np.array([], dtype=bool)
    points = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=STORAGE_CRS).to_crs(analysis_crs)
    return shapely.contains_xy(outline, points.x.to_numpy(), points.y.to_numpy())


def assign_districts(lon: np.ndarray, lat: np.ndarray, districts: gpd.GeoDataFrame) -> np.ndarray:
    """The id of the district outline containing each point (None outside every outline)."""
    result = np.full(len(lon), None, dtype=object)
    if districts.empty or len(lon) == 0:
        return result
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=STORAGE_CRS)
    joined = gpd.sjoin(points, districts[["district_id", "geometry"]], how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    result[:] = joined["district_id"].astype(object).where(joined["district_id"].notna(), None).to_numpy()
    return result
