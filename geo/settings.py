"""Typed defaults with units, and the deployment's environment settings. Change them here, not in the code that
uses them.

Every ``QORGAU_*`` environment variable is listed in :data:`ENVIRONMENT` (name, meaning, default) and read only
through :func:`env_value`; ``python -m planning settings`` prints the table with the values in use. The modules that
interpret a value (a path, a number of minutes, a key) name it by the constant kept beside its reader.
"""

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
REGIONS_ENV_VAR = "QORGAU_REGIONS"
"""Environment variable listing (``os.pathsep``-separated) the region folders one deployment serves; users are
assigned to them by the folders' region ids (:mod:`planning.store.regions`)."""
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


ENVIRONMENT: dict[str, tuple[str, str]] = {
    "QORGAU_REGION": ("the region folder the dashboard and the command line open", "the bundled data/default"),
    "QORGAU_REGIONS": (
        "the region folders (separated by os.pathsep) one deployment serves; each user sees the ones assigned to them",
        "the one folder QORGAU_REGION names",
    ),
    "QORGAU_REGION_ROOTS": (
        "folders (separated by os.pathsep) under which planners may open other region folders",
        "the bundled data/ and ../shared/data",
    ),
    "QORGAU_SCENARIO_DB": (
        "the deployment's SQLite file: scenarios, uploads, settings, users, sessions and the audit log",
        "qorgau.sqlite in the user's data folder",
    ),
    "QORGAU_DATABASE_URL": (
        "postgresql://user:password@host:port/database: the store is that PostgreSQL database (the app's role)",
        "unset: the SQLite file QORGAU_SCENARIO_DB",
    ),
    "QORGAU_DATABASE_OWNER_URL": (
        "the URL of the role that owns the PostgreSQL schema (creates it; the app's role may only append to the logs)",
        "QORGAU_DATABASE_URL's role",
    ),
    "QORGAU_AUDIT_KEY": ("the audit chain's key (32 characters or more), e.g. from a secret store", "none"),
    "QORGAU_AUDIT_KEY_FILE": (
        "the file holding the audit chain's key",
        "a file beside the database, named after it with .audit-key",
    ),
    "QORGAU_RELEASE_SECRET": (
        "the secret that seeds the perturbation of released incident counts",
        "a secret made and kept in the database",
    ),
    "QORGAU_SMALL_COUNT_K": ("incident counts from 1 to k-1 are shown as 'fewer than k' (k never below 3)", "5"),
    "QORGAU_IDLE_MINUTES": ("a session without any action ends after this many minutes", "30"),
    "QORGAU_CLIENT_HEADER": (
        "behind a reverse proxy: the header carrying the client's address (e.g. X-Real-IP), for sign-in limits",
        "none: the connection's address",
    ),
    "QORGAU_CACHE_DIR": ("where built road networks are cached", "~/.cache/qorgau/networks"),
    "QORGAU_OVERPASS_URL": ("the Overpass API a road download asks", DEFAULT_OVERPASS_URL),
    "QORGAU_TILE_URL": ("an optional tile server for the maps' base layer", "none: the map draws its own base layer"),
    "QORGAU_PASSWORD": (
        "the password of the user a command runs as (--as-user NAME); without it the command asks",
        "unset: asked for",
    ),
    "QORGAU_DEBUG": ("1: the command line shows a failure's Python traceback", "unset"),
}
"""Every environment setting of a deployment: name -> (what it sets, its default in words)."""


def env_value(name: str) -> str:
    """The value of the environment setting ``name`` (surrounding spaces removed; "" when unset): the one place
    the code reads a ``QORGAU_*`` variable.

    Raises
    ------
    KeyError
        When ``name`` is not in :data:`ENVIRONMENT` (add it there, with its meaning and default).
    """
    if name not in ENVIRONMENT:
        raise KeyError(f"{name} is not a Qorgau setting: add it to geo.settings.ENVIRONMENT with its meaning")
    return os.environ.get(name, "").strip()


def overpass_url() -> str:
    """The Overpass API the download uses: ``QORGAU_OVERPASS_URL`` or :data:`DEFAULT_OVERPASS_URL`."""
    return env_value(OVERPASS_URL_ENV_VAR).rstrip("/") or DEFAULT_OVERPASS_URL


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
    ``QORGAU_REGION`` names (the one the dashboard opens) and those ``QORGAU_REGIONS`` lists are always allowed."""
    value = env_value(REGION_ROOTS_ENV_VAR)
    listed = [Path(p).expanduser() for p in value.split(os.pathsep) if p.strip()] if value else DEFAULT_REGION_ROOTS
    roots: list[Path] = []
    for root in [*listed, *deployment_region_dirs()]:
        real = Path(root).resolve()
        if not any(real == r or real.is_relative_to(r) for r in roots):
            roots.append(real)
    return roots


def region_dir_from_env() -> Path:
    """The region folder named by ``QORGAU_REGION``, or the bundled default."""
    value = env_value(REGION_ENV_VAR)
    return Path(value).expanduser().resolve() if value else DEFAULT_REGION_DIR


def deployment_region_dirs() -> list[Path]:
    """The region folders this deployment serves (real paths, in the order given, each once): those
    ``QORGAU_REGIONS`` lists (``os.pathsep``-separated), else the one :func:`region_dir_from_env` names. Which of them
    a user sees is :func:`planning.store.regions.scope_of`."""
    value = env_value(REGIONS_ENV_VAR)
    listed = [Path(p).expanduser().resolve() for p in value.split(os.pathsep) if p.strip()] if value else []
    return list(dict.fromkeys(listed)) or [region_dir_from_env()]
