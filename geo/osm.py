"""Road network sources: an OSM file (``.osm.pbf``, ``.osm``, ``.osm.gz``, ``.osm.bz2``), a GraphML file, or an
explicit OpenStreetMap download.

Every source becomes the same thing: drivable ways as flat arrays (:class:`geo.osmfile.WaySet`), turned into a
:class:`RoadNetwork` by the one array builder :func:`geo.network.network_from_ways`. OSM files are streamed once
with pyosmium (:func:`geo.osmfile.read_ways`); a GraphML file (written by OSMnx) gives its edges as two-node
ways. :func:`build_network` caches the result as ``.npz`` in the *user's* cache folder (:func:`network_cache_dir`),
keyed by the source file's sha256, the clip outline, the speed profile, the analysis CRS and the builder's version:
a region folder may be read-only or shared, and is never written to by a build.

The download (:func:`download_region`) runs only when called; it never happens as a side effect of loading. It
fetches the drivable ways through OSMnx's Overpass client and writes them as a real ``roads.osm.pbf``, which then
goes through the same importer as any other file.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import socket
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from xml.etree import ElementTree

import numpy as np
import osmium
import platformdirs
from shapely.geometry.base import BaseGeometry

from geo.errors import QorgauError
from geo.network import RoadNetwork, load_network, network_from_ways, save_network
from geo.osmfile import OsmFileError, WaySet, clip_ways, is_osm_file, read_ways, way_rule, ways_from_pairs
from geo.roadlayer import LINE_LAYER_VERSION, SNAP_ENDS_M, is_line_layer, read_road_layer
from geo.settings import ROAD_FILE_NAMES, env_value, overpass_url
from geo.speeds import DEFAULT_PROFILE, SpeedProfile

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx
    import pandas as pd

BUILDER_VERSION = 2
"""Version of the network builder (1: OSMnx graph + simplify; 2: pyosmium arrays). Part of the cache key."""
CACHE_ENV_VAR = "QORGAU_CACHE_DIR"
"""Environment variable naming the folder for cached networks (default: the user's cache folder)."""
PLACE_KINDS_DOWNLOADED = ["city", "town", "village", "hamlet"]
DISTRICT_ADMIN_LEVEL = "6"
HASH_CHUNK_BYTES = 1 << 20

ProgressCallback = Callable[[float, str], None]
"""Called with (fraction done in [0, 1], message)."""


class RoadSourceError(QorgauError, ValueError):
    """A road file that cannot be read."""


class DownloadError(QorgauError, RuntimeError):
    """The OpenStreetMap download failed (no internet, server busy)."""


CONNECT_TIMEOUT_S = 3.0
"""How long the download waits to reach the Overpass server before it says there is no internet, seconds."""


def _osmnx():
    """OSMnx, imported when a download or a GraphML file needs it (it is heavy, and the file importer does not).

    Its DNS-over-HTTPS lookup is switched off (the Overpass host is resolved by the system's resolver) and it
    asks the Overpass API of :func:`geo.settings.overpass_url`.
    """
    import osmnx

    osmnx.settings.doh_url_template = None
    osmnx.settings.overpass_url = overpass_url()
    return osmnx


def network_cache_dir() -> Path:
    """Where built networks are cached: ``QORGAU_CACHE_DIR``, or ``<user cache>/qorgau/networks``."""
    value = env_value(CACHE_ENV_VAR)
    return Path(value).expanduser() if value else platformdirs.user_cache_path("qorgau") / "networks"


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of a file, read in chunks; remembered per (path, size, modification time) in this process."""
    stat = Path(path).stat()
    return _sha256_of(str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _sha256_of(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(HASH_CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def cache_key(
    sha256: str, *, analysis_crs: str, profile: SpeedProfile, boundary: BaseGeometry | None, line_layer: bool = False
) -> str:
    """The cache file stem of a network: ``network-<sha256 prefix>-<hash of everything else>``; ``line_layer``:
    the source is a road line layer (its joining rules are part of the key)."""
    parts = {
        "sha256": sha256,
        "profile": profile.cache_key(),
        "crs": str(analysis_crs),
        "builder": BUILDER_VERSION,
        "clip": hashlib.sha256(boundary.wkb).hexdigest()[:16] if boundary is not None else None,
    }
    if line_layer:  # the joining rules of line layers (geo.roadlayer) are part of what was built
        parts["line_layer"] = [LINE_LAYER_VERSION, SNAP_ENDS_M]
    return f"network-{sha256[:12]}-{hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:20]}"


def find_road_file(region_dir: str | Path) -> Path | None:
    """The region folder's road file (the first of :data:`geo.settings.ROAD_FILE_NAMES` there), or None."""
    for name in ROAD_FILE_NAMES:
        candidate = Path(region_dir) / name
        if candidate.is_file():
            return candidate
    return None


def build_network(
    path: str | Path,
    *,
    analysis_crs: str,
    profile: SpeedProfile = DEFAULT_PROFILE,
    boundary: BaseGeometry | None = None,
    cache_dir: str | Path | None = None,
    progress: ProgressCallback | None = None,
) -> RoadNetwork:
    """The routable network of a road file, from the cache when it is there.

    Parameters
    ----------
    path : path
        ``.osm.pbf``, ``.osm``, ``.osm.gz``, ``.osm.bz2``, ``.graphml`` or a road line layer (``.geojson``,
        ``.gpkg``, zipped Shapefile: :mod:`geo.roadlayer`).
    analysis_crs : str
        Projected CRS in metres.
    profile : SpeedProfile
    boundary : shapely geometry, optional
        Region outline in EPSG:4326; ways with no node inside are left out while streaming.
    cache_dir : path, optional
        Where cached networks live; default :func:`network_cache_dir`.
    progress : callable, optional
        ``progress(fraction, message)``.

    Returns
    -------
    RoadNetwork
    """
    path = Path(path)
    report = progress or (lambda fraction, message: None)
    if not path.is_file():
        raise RoadSourceError(f"road file {path.name!r} does not exist")
    sha256 = file_sha256(path)
    folder = Path(cache_dir) if cache_dir is not None else network_cache_dir()
    key = cache_key(
        sha256, analysis_crs=analysis_crs, profile=profile, boundary=boundary, line_layer=is_line_layer(path)
    )
    cache_file = folder / f"{key}.npz"
    if cache_file.is_file():
        report(1.0, f"road network loaded from cache {cache_file.name}")
        return load_network(cache_file)
    report(0.05, f"reading {path.name}")
    ways = ways_from_road_file(path, profile=profile, boundary=boundary)
    report(0.6, f"building the network ({len(ways.node_id):,} road nodes)")
    network = network_from_ways(
        ways, analysis_crs=analysis_crs, profile_description=profile.describe(), source_sha256=sha256
    )
    _save_to_cache(network, cache_file)
    report(1.0, f"road network built: {network.n_nodes:,} nodes, {network.n_edges:,} edges")
    return network


def _save_to_cache(network: RoadNetwork, cache_file: Path) -> None:
    """Write the network to the cache; a cache that cannot be written costs a rebuild next time, nothing else."""
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        partial = cache_file.with_suffix(f".{os.getpid()}.partial.npz")
        save_network(network, partial)
        partial.replace(cache_file)
    except OSError:
        return


def ways_from_road_file(
    path: str | Path, *, profile: SpeedProfile = DEFAULT_PROFILE, boundary: BaseGeometry | None = None
) -> WaySet:
    """The drivable ways of a road file (OSM formats streamed with pyosmium; GraphML read with OSMnx).

    Parameters
    ----------
    path : path
    profile : SpeedProfile
    boundary : shapely geometry, optional
        Outline (EPSG:4326) the ways are clipped to.
    """
    path = Path(path)
    try:
        if is_osm_file(path):
            return read_ways(path, profile=profile, boundary=boundary)
        if path.name.lower().endswith(".graphml"):
            return ways_from_graph(_osmnx().load_graphml(path), profile=profile, boundary=boundary)
        if is_line_layer(path):
            return read_road_layer(path, profile=profile, boundary=boundary).ways
    except OsmFileError as error:
        raise RoadSourceError(str(error)) from error
    except (OSError, ValueError, KeyError, ElementTree.ParseError) as error:
        if isinstance(error, QorgauError):
            raise
        raise RoadSourceError(
            f"{path.name}: cannot read roads ({error}). Use an OpenStreetMap .osm.pbf, .osm, "
            ".osm.gz or .osm.bz2 file, e.g. a Geofabrik extract."
        ) from error
    raise RoadSourceError(
        f"{path.name}: unknown road file type; expected .osm.pbf, .osm, .osm.gz, .osm.bz2, .graphml, or a road line "
        "layer (.geojson, .gpkg, zipped Shapefile)"
    )


def ways_from_graph(
    G: nx.MultiDiGraph, *, profile: SpeedProfile = DEFAULT_PROFILE, boundary: BaseGeometry | None = None
) -> WaySet:
    """The drivable edges of an unsimplified OSMnx graph (EPSG:4326) as one-way, two-node ways.

    OSMnx has already split ways into directed edges (two for a two-way road), so each edge is one way of its
    own direction; the same tag rule as for files decides which are roads and how fast
    (:func:`geo.osmfile.way_rule`).
    """
    speed_cache: dict = {}
    rows = []
    for u, v, data in G.edges(data=True):
        tags = {
            key: _first_tag(data.get(key))
            for key in ("highway", "maxspeed", "surface", "area", "access", "motor_vehicle", "motorcar")
        }
        rule = way_rule(tags, profile, speed_cache)
        if rule is not None:
            rows.append((u, v, rule[0]))
    if not rows:
        return ways_from_pairs(
            np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 2)), np.zeros((0, 2)), speed_kmh=np.zeros(0)
        )
    tail, head, speed = (np.array(column) for column in zip(*rows))
    lonlat = {node: (float(d["x"]), float(d["y"])) for node, d in G.nodes(data=True)}
    ways = ways_from_pairs(
        tail.astype(np.int64),
        head.astype(np.int64),
        np.array([lonlat[n] for n in tail]),
        np.array([lonlat[n] for n in head]),
        speed_kmh=speed.astype(float),
    )
    return ways if boundary is None else clip_ways(ways, boundary)


def _first_tag(value: object) -> str | None:
    """OSMnx keeps a list where merged ways disagree (and GraphML may give it as text): use the first value."""
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    return None if value is None else str(value)


def drive_filter(profile: SpeedProfile = DEFAULT_PROFILE) -> str:
    """Overpass way filter for the highway classes the profile drives, closed roads excluded."""
    classes = "|".join(sorted(profile.speeds_kmh))
    return (
        f'["highway"~"^({classes})$"]["area"!~"yes"]["access"!~"^(private|no)$"]'
        f'["motor_vehicle"!~"^(private|no)$"]["motorcar"!~"^(private|no)$"]'
    )


def download_region(
    region_dir: str | Path,
    boundary: BaseGeometry,
    *,
    profile: SpeedProfile = DEFAULT_PROFILE,
    progress: ProgressCallback | None = None,
    roads_only: bool = False,
) -> dict[str, Path]:
    """Download roads, district outlines and settlements for an outline from OpenStreetMap (Overpass).

    Only runs when called (a button or ``python -m planning download-osm``). First checks within
    :data:`CONNECT_TIMEOUT_S` that the Overpass server can be reached at all. Writes into ``region_dir``:
    ``roads.osm.pbf`` always (the drivable ways and their nodes, all tags kept, a real OSM file that the importer
    reads like any other); ``districts.geojson`` (admin_level 6) and ``settlements.geojson`` (place nodes)
    only when the folder has none.

    Parameters
    ----------
    region_dir : path
        Region folder (created if missing).
    boundary : shapely Polygon or MultiPolygon
        Region outline, EPSG:4326.
    profile : SpeedProfile
        Decides which highway classes are downloaded.
    progress : callable, optional
        ``progress(fraction, message)``.
    roads_only : bool
        Download the roads only (into the deployment's road store, beside no region files).

    Returns
    -------
    dict of str to Path
        The files written, by kind (``"roads"``, ``"districts"``, ``"settlements"``).
    """
    report = progress or (lambda fraction, message: None)
    check_overpass_reachable()
    ox = _osmnx()
    region_dir = Path(region_dir)
    region_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    try:
        report(0.0, "downloading roads from OpenStreetMap (Overpass)")
        responses = ox._overpass._download_overpass_network(boundary, "drive", drive_filter(profile))
        written["roads"] = region_dir / "roads.osm.pbf"
        n_nodes, n_ways = write_overpass_elements(responses, written["roads"])
        for stale in ROAD_FILE_NAMES:  # the downloaded file is the one used
            if stale != written["roads"].name:
                (region_dir / stale).unlink(missing_ok=True)
        report(0.6, f"roads saved: {n_ways:,} ways, {n_nodes:,} nodes")
        if not roads_only and not (region_dir / "districts.geojson").exists():
            report(0.65, "downloading district outlines (admin_level 6)")
            districts = _districts_from_features(
                ox.features_from_polygon(boundary, tags={"admin_level": DISTRICT_ADMIN_LEVEL})
            )
            written["districts"] = region_dir / "districts.geojson"
            districts.to_file(written["districts"], driver="GeoJSON")
        if not roads_only and not (
            (region_dir / "settlements.geojson").exists() or (region_dir / "settlements.csv").exists()
        ):
            report(0.85, "downloading settlements (place nodes)")
            settlements = _settlements_from_features(
                ox.features_from_polygon(boundary, tags={"place": PLACE_KINDS_DOWNLOADED})
            )
            written["settlements"] = region_dir / "settlements.geojson"
            settlements.to_file(written["settlements"], driver="GeoJSON")
    except (ConnectionError, OSError, ox._errors.InsufficientResponseError) as error:
        raise DownloadError(
            f"OpenStreetMap download failed: {error}. Check the internet connection or import an .osm.pbf file instead."
        ) from error
    report(1.0, "download finished")
    return written


def write_overpass_elements(responses: Iterable[Mapping[str, Any]], path: str | Path) -> tuple[int, int]:
    """Write the nodes and ways of Overpass JSON responses to an OSM file (PBF by its name), each element once.

    Parameters
    ----------
    responses : iterable of dict
        Overpass JSON (``{"elements": [...]}``), as OSMnx's client yields them.
    path : path
        Target file; written to a partial file first, so a failed download leaves no half file behind.

    Returns
    -------
    (n_nodes, n_ways) : tuple of int
    """
    nodes: dict[int, tuple[float, float]] = {}
    ways: dict[int, tuple[list[int], dict[str, str]]] = {}
    for response in responses:
        for element in response.get("elements", []):
            if element.get("type") == "node":
                nodes[int(element["id"])] = (float(element["lon"]), float(element["lat"]))
            elif element.get("type") == "way":
                ways[int(element["id"])] = (
                    [int(n) for n in element.get("nodes", [])],
                    {str(k): str(v) for k, v in (element.get("tags") or {}).items()},
                )
    path = Path(path)
    partial = path.with_name(f".{path.name}.partial{''.join(path.suffixes)}")
    partial.unlink(missing_ok=True)
    with osmium.SimpleWriter(str(partial)) as writer:
        for node_id in sorted(nodes):
            writer.add_node(osmium.osm.mutable.Node(id=node_id, location=nodes[node_id]))
        for way_id in sorted(ways):
            refs, tags = ways[way_id]
            writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=refs, tags=tags))
    partial.replace(path)
    return len(nodes), len(ways)


def check_overpass_reachable(*, timeout_s: float = CONNECT_TIMEOUT_S) -> None:
    """Raise :class:`DownloadError` at once when the Overpass server cannot be reached.

    Without this, OSMnx waits about a minute (its rate-limit check pauses 60 s when the status query fails)
    before it reports that there is no internet.
    """
    url = urlsplit(overpass_url())
    host, port = url.hostname or "", url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            pass
    except OSError as error:
        raise DownloadError(
            f"cannot reach the OpenStreetMap server {host} ({error}). Fix: connect this machine "
            "to the internet, or import an .osm.pbf file instead."
        ) from error


def _districts_from_features(features: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    import geopandas as gpd
    import pandas as pd

    frame = features.reset_index()
    keep = (frame.get("boundary") == "administrative") & frame.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    frame = frame[keep]
    return gpd.GeoDataFrame(
        {
            "district_id": ("osm-" + frame["element"].astype(str) + "-" + frame["id"].astype(str)).to_numpy(),
            "name_ru": _column(frame, "name:ru", fallback="name"),
            "name_kk": _column(frame, "name:kk"),
            "name_en": _column(frame, "name:en"),
            "population": pd.to_numeric(_column(frame, "population"), errors="coerce"),
        },
        geometry=frame.geometry.to_numpy(),
        crs="EPSG:4326",
    )


def _settlements_from_features(features: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    import geopandas as gpd
    import pandas as pd

    frame = features.reset_index()
    frame = frame[frame.geometry.geom_type == "Point"]
    return gpd.GeoDataFrame(
        {
            "settlement_id": ("osm-" + frame["id"].astype(str)).to_numpy(),
            "name": _column(frame, "name"),
            "name_ru": _column(frame, "name:ru", fallback="name"),
            "name_kk": _column(frame, "name:kk"),
            "name_en": _column(frame, "name:en"),
            "kind": _column(frame, "place"),
            "population": pd.to_numeric(_column(frame, "population"), errors="coerce"),
        },
        geometry=frame.geometry.to_numpy(),
        crs="EPSG:4326",
    )


def _column(frame: pd.DataFrame, name: str, *, fallback: str | None = None) -> np.ndarray:
    import pandas as pd

    values = frame[name] if name in frame else pd.Series(None, index=frame.index, dtype=object)
    if fallback is not None and fallback in frame:
        values = values.fillna(frame[fallback])
    return values.astype(object).where(values.notna(), None).to_numpy()
