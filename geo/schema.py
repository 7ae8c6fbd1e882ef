"""The one canonical schema every loader produces. All frames are GeoDataFrames in EPSG:4326.

``boundary``     boundary_id (str), name_ru, name_kk, name_en (str or None), geometry (Polygon/MultiPolygon)
``districts``    district_id (str), name_ru, name_kk, name_en, population (float, NaN = unknown), geometry
``settlements``  settlement_id (str), name (str, best available), name_ru, name_kk, name_en,
                 kind (one of settings.SETTLEMENT_KINDS or "unknown"), population (float, NaN = unknown),
                 district_id (str or None), geometry (Point)
``services``     service_id (str), name (str), kind ("permanent" | "mobile"), capacity (float, NaN),
                 reach_minutes (float, NaN = the analysis threshold; a mobile team's own reach),
                 district_id (str or None), geometry (Point)
``incidents``    a plain DataFrame of counts only, never points:
                 settlement_id (str or None), district_id (str or None), period (str, "2023" or "2023-H1"),
                 count (int), synthetic (bool)
"""

from __future__ import annotations

BOUNDARY_COLUMNS = ["boundary_id", "name_ru", "name_kk", "name_en", "geometry"]
DISTRICT_COLUMNS = ["district_id", "name_ru", "name_kk", "name_en", "population", "geometry"]
SETTLEMENT_COLUMNS = [
    "settlement_id", "name", "name_ru", "name_kk", "name_en", "kind", "population", "district_id", "geometry",
]
SERVICE_COLUMNS = ["service_id", "name", "kind", "capacity", "reach_minutes", "district_id", "geometry"]
INCIDENT_COLUMNS = ["settlement_id", "district_id", "period", "count", "synthetic"]

SERVICE_KINDS = ("permanent", "mobile")
SERVICES_CSV_COLUMNS = ["id", "name", "kind", "lat", "lon", "capacity", "reach_minutes"]
"""Columns of ``services.csv`` and of scenario files (capacity and reach_minutes optional)."""
