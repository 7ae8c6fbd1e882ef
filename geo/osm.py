"""Road network sources: an OSM XML file, a streamed ``.osm.pbf``, a GraphML file or an explicit download.

Every source becomes the same thing: an unsimplified OSMnx graph, turned into a :class:`RoadNetwork` by
:func:`geo.network.network_from_graph`. :func:`build_network` caches the result on disk as ``.npz``, keyed by
the source file's sha256, the speed profile, the analysis CRS and the clip outline, so a restart does not
rebuild.

``.osm.pbf`` files (a Geofabrik extract of Kazakhstan is hundreds of MB) are streamed with pyosmium: only
drivable highway ways with a node inside the region outline and their nodes are kept, written to a small OSM XML
file and read by OSMnx. The download (:func:`download_region`) runs only when called; it never happens as a side
effect of loading.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import tempfile
from xml.etree import ElementTree
from collections.abc import Callable, Iterator
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import osmium
import osmnx as ox
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.errors import QorgauError
from geo.network import RoadNetwork, load_network, network_from_graph, save_network
from geo.speeds import DEFAULT_PROFILE, SpeedProfile

CACHE_FORMAT_VERSION = 1
"""Bumped when the cached arrays change meaning; old cache files are then ignored."""
CACHE_DIR_NAME = ".cache"
ROAD_FILE_NAMES = ("roads.osm.pbf", "roads.osm", "roads.graphml")
"""Road files a region folder may hold, in order of preference."""
EXTRA_WAY_TAGS = ("surface", "motor_vehicle", "motorcar", "tracktype")
"""OSM way tags kept on edges besides OSMnx's defaults (the speed profile needs them)."""
PLACE_KINDS_DOWNLOADED = ["city", "town", "village", "hamlet"]
DISTRICT_ADMIN_LEVEL = "6"
HASH_CHUNK_BYTES = 1 << 20

ProgressCallback = Callable[[float, str], None]
"""Called with (fraction done in [0, 1], message)."""


class RoadSourceError(QorgauError, ValueError):
    """A road file that cannot be read."""


class DownloadError(QorgauError, RuntimeError):
    """The OpenStreetMap download failed (no internet, server busy)."""


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(HASH_CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def find_road_file(region_dir: str | Path) -> Path | None:
    """The region folder's road file (``roads.osm.pbf``, ``roads.osm`` or ``roads.graphml``), or None."""
    for name in ROAD_FILE_NAMES:
        candidate = Path(region_dir) / name
        if candidate.is_file():
            return candidate
    return None


def build_network(path: str | Path, *, analysis_crs: str, profile: SpeedProfile = DEFAULT_PROFILE,
                  boundary: BaseGeometry | None = None, cache_dir: str | Path | None = None,
                  progress: ProgressCallback | None = None) -> RoadNetwork:
    """The routable network of a road file, from the disk cache when it is there.

    Parameters
    ----------
    path : path
        ``.osm`` / ``.xml`` (OSM XML), ``.osm.pbf`` or ``.graphml`` (as written by :func:`download_region`).
    analysis_crs : str
        Projected CRS in metres.
    profile : SpeedProfile
    boundary : shapely geometry, optional
        Region outline in EPSG:4326; ``.osm.pbf`` files are clipped to it while streaming.
    cache_dir : path, optional
        Where cached networks live; default ``<folder of path>/.cache``.
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
    key_parts = {"sha256": sha256, "profile": profile.cache_key(), "crs": str(analysis_crs),
                 "version": CACHE_FORMAT_VERSION,
                 "clip": hashlib.sha256(boundary.wkb).hexdigest()[:16] if boundary is not None else None}
    key = hashlib.sha256(json.dumps(key_parts, sort_keys=True).encode()).hexdigest()[:24]
    cache_path = Path(cache_dir) if cache_dir is not None else path.parent / CACHE_DIR_NAME
    cache_file = cache_path / f"network-{key}.npz"
    if cache_file.is_file():
        report(1.0, f"road network loaded from cache {cache_file.name}")
        return load_network(cache_file)
    report(0.05, f"reading {path.name}")
    G = graph_from_road_file(path, boundary=boundary)
    report(0.6, f"building the network ({G.number_of_nodes():,} nodes)")
    network = network_from_graph(G, profile=profile, analysis_crs=analysis_crs, source_sha256=sha256)
    cache_path.mkdir(parents=True, exist_ok=True)
    partial = cache_file.with_suffix(".partial.npz")
    save_network(network, partial)
    partial.replace(cache_file)
    report(1.0, f"road network built: {network.n_nodes:,} nodes, {network.n_edges:,} edges")
    return network


def graph_from_road_file(path: str | Path, *, boundary: BaseGeometry | None = None) -> nx.MultiDiGraph:
    """Read a road file into an unsimplified OSMnx graph (EPSG:4326, all components kept).

    Parameters
    ----------
    path : path
        ``.osm``/``.xml``, ``.osm.pbf`` or ``.graphml``.
    boundary : shapely geometry, optional
        Outline (EPSG:4326) a ``.osm.pbf`` is clipped to while streaming.
    """
    path = Path(path)
    name = path.name.lower()
    try:
        if name.endswith(".osm.pbf") or name.endswith(".pbf"):
            with tempfile.TemporaryDirectory() as tmp:
                xml_path = Path(tmp) / "roads.osm"
                stream_pbf_roads(path, xml_path, boundary=boundary)
                return graph_from_road_file(xml_path)
        if name.endswith(".graphml"):
            return ox.load_graphml(path)
        if name.endswith((".osm", ".xml")):
            with _extra_way_tags():
                return ox.graph_from_xml(path, simplify=False, retain_all=True)
    except (OSError, RuntimeError, ValueError, KeyError, ElementTree.ParseError) as error:
        if isinstance(error, QorgauError):
            raise
        raise RoadSourceError(f"{path.name}: cannot read roads ({error}). Use an OpenStreetMap .osm or "
                              ".osm.pbf file, e.g. a Geofabrik extract.") from error
    raise RoadSourceError(f"{path.name}: unknown road file type; expected .osm, .osm.pbf or .graphml")


def stream_pbf_roads(pbf_path: str | Path, xml_path: str | Path, *,
                     boundary: BaseGeometry | None = None,
                     profile: SpeedProfile = DEFAULT_PROFILE) -> tuple[int, int]:
    """Stream a ``.osm.pbf`` and write its drivable highway ways (and their nodes) to OSM XML.

    The file is read once, object by object (pyosmium keeps node locations in a compact index); only ways
    whose ``highway`` class the profile drives and that have at least one node inside ``boundary`` are kept.
    Memory grows with the kept roads, not with the file.

    Parameters
    ----------
    pbf_path, xml_path : path
    boundary : shapely geometry, optional
        Clip outline, EPSG:4326.
    profile : SpeedProfile
        Decides which highway classes are roads.

    Returns
    -------
    (n_ways, n_nodes) : tuple of int
        What was written.
    """
    prepared = None
    if boundary is not None:
        prepared = boundary
        shapely.prepare(prepared)
    ways: list[tuple[int, list[int], dict[str, str]]] = []
    locations: dict[int, tuple[float, float]] = {}
    processor = (osmium.FileProcessor(str(pbf_path), osmium.osm.NODE | osmium.osm.WAY)
                 .with_locations().with_filter(osmium.filter.KeyFilter("highway")))
    for way in processor:
        if not way.is_way() or not profile.drives(way.tags.get("highway")):
            continue
        refs = [n.ref for n in way.nodes if n.location.valid()]
        coords = np.array([(n.location.lon, n.location.lat) for n in way.nodes if n.location.valid()])
        if len(refs) < 2:
            continue
        if prepared is not None and not shapely.contains_xy(prepared, coords[:, 0], coords[:, 1]).any():
            continue
        ways.append((way.id, refs, dict(way.tags)))
        locations.update(zip(refs, map(tuple, coords)))
    xml_path = Path(xml_path)
    if xml_path.exists():
        xml_path.unlink()
    with osmium.SimpleWriter(str(xml_path)) as writer:
        for node_id in sorted(locations):
            lon, lat = locations[node_id]
            writer.add_node(osmium.osm.mutable.Node(id=node_id, location=(lon, lat), tags={}))
        for way_id, refs, tags in sorted(ways, key=lambda w: w[0]):
            writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=refs, tags=tags))
    return len(ways), len(locations)


def drive_filter(profile: SpeedProfile = DEFAULT_PROFILE) -> str:
    """Overpass way filter for the highway classes the profile drives, closed roads excluded."""
    classes = "|".join(sorted(profile.speeds_kmh))
    return (f'["highway"~"^({classes})$"]["area"!~"yes"]["access"!~"^(private|no)$"]'
            f'["motor_vehicle"!~"^(private|no)$"]["motorcar"!~"^(private|no)$"]')


def download_region(region_dir: str | Path, boundary: BaseGeometry, *,
                    profile: SpeedProfile = DEFAULT_PROFILE,
                    progress: ProgressCallback | None = None) -> dict[str, Path]:
    """Download roads, district outlines and settlements for an outline from OpenStreetMap (Overpass).

    Only runs when called (a button or ``python -m planning download-osm``). Writes into ``region_dir``:
    ``roads.graphml`` always; ``districts.geojson`` (admin_level 6) and ``settlements.geojson`` (place nodes)
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

    Returns
    -------
    dict of str to Path
        The files written, by kind (``"roads"``, ``"districts"``, ``"settlements"``).
    """
    report = progress or (lambda fraction, message: None)
    region_dir = Path(region_dir)
    region_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    try:
        report(0.0, "downloading roads from OpenStreetMap (Overpass)")
        with _extra_way_tags():
            G = ox.graph_from_polygon(boundary, network_type="drive", custom_filter=drive_filter(profile),
                                      simplify=False, retain_all=True, truncate_by_edge=True)
        written["roads"] = region_dir / "roads.graphml"
        ox.save_graphml(G, written["roads"])
        report(0.6, f"roads saved: {G.number_of_nodes():,} nodes")
        if not (region_dir / "districts.geojson").exists():
            report(0.65, "downloading district outlines (admin_level 6)")
            districts = _districts_from_features(
                ox.features_from_polygon(boundary, tags={"admin_level": DISTRICT_ADMIN_LEVEL}))
            written["districts"] = region_dir / "districts.geojson"
            districts.to_file(written["districts"], driver="GeoJSON")
        if not (region_dir / "settlements.geojson").exists() and not (region_dir / "settlements.csv").exists():
            report(0.85, "downloading settlements (place nodes)")
            settlements = _settlements_from_features(
                ox.features_from_polygon(boundary, tags={"place": PLACE_KINDS_DOWNLOADED}))
            written["settlements"] = region_dir / "settlements.geojson"
            settlements.to_file(written["settlements"], driver="GeoJSON")
    except (ConnectionError, OSError, ox._errors.InsufficientResponseError) as error:
        raise DownloadError(f"OpenStreetMap download failed: {error}. Check the internet connection or "
                            "import an .osm.pbf file instead.") from error
    report(1.0, "download finished")
    return written


def _districts_from_features(features: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    frame = features.reset_index()
    keep = (frame.get("boundary") == "administrative") & frame.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    frame = frame[keep]
    return gpd.GeoDataFrame({
        "district_id": ("osm-" + frame["element"].astype(str) + "-" + frame["id"].astype(str)).to_numpy(),
        "name_ru": _column(frame, "name:ru", fallback="name"),
        "name_kk": _column(frame, "name:kk"),
        "name_en": _column(frame, "name:en"),
        "population": pd.to_numeric(_column(frame, "population"), errors="coerce"),
    }, geometry=frame.geometry.to_numpy(), crs="EPSG:4326")


def _settlements_from_features(features: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    frame = features.reset_index()
    frame = frame[frame.geometry.geom_type == "Point"]
    return gpd.GeoDataFrame({
        "settlement_id": ("osm-" + frame["id"].astype(str)).to_numpy(),
        "name": _column(frame, "name"),
        "name_ru": _column(frame, "name:ru", fallback="name"),
        "name_kk": _column(frame, "name:kk"),
        "name_en": _column(frame, "name:en"),
        "kind": _column(frame, "place"),
        "population": pd.to_numeric(_column(frame, "population"), errors="coerce"),
    }, geometry=frame.geometry.to_numpy(), crs="EPSG:4326")


def _column(frame: pd.DataFrame, name: str, *, fallback: str | None = None) -> np.ndarray:
    values = frame[name] if name in frame else pd.Series(None, index=frame.index, dtype=object)
    if fallback is not None and fallback in frame:
        values = values.fillna(frame[fallback])
    return values.astype(object).where(values.notna(), None).to_numpy()


@contextlib.contextmanager
def _extra_way_tags() -> Iterator[None]:
    """Temporarily keep the way tags the speed profile reads (OSMnx drops tags not in its settings)."""
    saved = list(ox.settings.useful_tags_way)
    ox.settings.useful_tags_way = list(dict.fromkeys(saved + list(EXTRA_WAY_TAGS)))
    try:
        yield
    finally:
        ox.settings.useful_tags_way = saved
