"""Typed defaults with units. Change them here, not in the code that uses them."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_REGION_DIR = PROJECT_DIR / "data" / "default"
REGION_ENV_VAR = "QORGAU_REGION"
"""Environment variable naming the region folder the dashboard opens."""
REGION_ROOTS_ENV_VAR = "QORGAU_REGION_ROOTS"
"""Environment variable listing (``os.pathsep``-separated) the folders under which planners may open region
folders from the Home page."""
DEFAULT_REGION_ROOTS = (PROJECT_DIR / "data", PROJECT_DIR.parent / "shared" / "data")
"""Without QORGAU_REGION_ROOTS: the bundled data/ and the shared data folder beside the project."""

ROAD_FILE_NAMES = (
    "roads.osm.pbf",
    "roads.osm",
    "roads.osm.gz",
    "roads.osm.bz2",
    "roads.graphml",
    "roads.geojson",
    "roads.gpkg",
    "roads.shp.zip",
)
"""Road files a region folder may hold, in order of preference: an OSM file, or a road line layer
(:mod:`geo.roadlayer`)."""

OVERPASS_URL_ENV_VAR = "QORGAU_OVERPASS_URL"
"""Environment variable naming the Overpass API the download uses (a mirror, or a server of one's own)."""
DEFAULT_OVERPASS_URL = "https://overpass-api.de/api"
"""OSMnx's default Overpass API."""


def overpass_url() -> str:
    """The Overpass API the download uses: ``QORGAU_OVERPASS_URL`` or :data:`DEFAULT_OVERPASS_URL`."""
    return os.environ.get(OVERPASS_URL_ENV_VAR, "").strip().rstrip("/") or DEFAULT_OVERPASS_URL


STORAGE_CRS = "EPSG:4326"
DEFAULT_ANALYSIS_CRS = "EPSG:32642"  # UTM 42N covers the Turkistan region and Shymkent

OUTSIDE_TOLERANCE_M = 1_000.0
"""A point this far outside the region outline still counts as inside (outlines are generalised)."""

DEFAULT_GAP_MINUTES = 60.0
"""The one default travel-time threshold, minutes: a settlement farther than this from every service is a gap. Every
page (Map's gap list, Scenarios, Compare, Suggest, Present, Reports) and command (``suggest --minutes``) starts from
it. 60 and not 30: with one service per district centre, the official plan, 30 minutes leaves most villages of the
steppe districts beyond (530 of 940 in Turkistan) and says little; 60 minutes is what the printed reports and the
presentation have always stated, and the planner's question is which villages are beyond an hour."""

SMALL_COUNT_K = 5
"""Incident counts from 1 to k-1 are shown as "<k"."""
SMALL_COUNT_K_MIN = 3

MAX_CSV_ROWS = 200_000
"""Rows a region CSV may have; larger files are rejected before parsing numbers."""

SETTLEMENT_KINDS = ("city", "town", "village", "hamlet", "isolated_dwelling", "suburb", "locality")

PLACE_KIND_ALIASES = {
    "city": "city",
    "город": "city",
    "қала": "city",
    "town": "town",
    "посёлок": "town",
    "поселок": "town",
    "кент": "town",
    "village": "village",
    "село": "village",
    "ауыл": "village",
    "аул": "village",
    "hamlet": "hamlet",
    "хутор": "hamlet",
    "isolated_dwelling": "isolated_dwelling",
    "farm": "isolated_dwelling",
    "suburb": "suburb",
    "neighbourhood": "suburb",
    "quarter": "suburb",
    "locality": "locality",
}


def region_roots() -> list[Path]:
    """The folders (real paths, symlinks resolved) under which planners may open region folders:
    ``QORGAU_REGION_ROOTS`` (``os.pathsep``-separated), else :data:`DEFAULT_REGION_ROOTS`; the folder
    ``QORGAU_REGION`` names (the one the dashboard opens) is always allowed."""
    value = os.environ.get(REGION_ROOTS_ENV_VAR, "").strip()
    listed = [Path(p).expanduser() for p in value.split(os.pathsep) if p.strip()] if value else DEFAULT_REGION_ROOTS
    roots: list[Path] = []
    for root in [*listed, region_dir_from_env()]:
        real = Path(root).resolve()
        if not any(real == r or real.is_relative_to(r) for r in roots):
            roots.append(real)
    return roots


def region_dir_from_env() -> Path:
    """The region folder named by ``QORGAU_REGION``, or the bundled default."""
    value = os.environ.get(REGION_ENV_VAR, "").strip()
    return Path(value).expanduser().resolve() if value else DEFAULT_REGION_DIR
