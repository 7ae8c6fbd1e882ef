"""Stream an OpenStreetMap file once with pyosmium into flat arrays of drivable ways.

Every OSM format libosmium reads goes through the same pass: ``.osm.pbf``, ``.osm`` (XML), ``.osm.gz`` and
``.osm.bz2`` (Geofabrik and HOT exports). Only ways with a ``highway`` tag reach Python (the filter runs in
C++); node locations are kept by libosmium in a *file-backed* sparse index in a temporary folder, so a
country-sized extract (40 M nodes) does not need the RAM of all its nodes. What stays in memory is the kept
roads: three numbers per road node.

Which ways are roads, and which way they run, follow OSMnx (``osmnx.graph._is_path_one_way``):

- the ``highway`` class must be one the speed profile drives (footways, paths and the like are not);
- ``area=yes`` is not a road; a way is closed to cars when ``access``, ``motor_vehicle`` or ``motorcar`` is
  ``no`` or ``private``;
- ``oneway`` in :data:`ONEWAY_VALUES` (or ``junction=roundabout``) is one way; in :data:`REVERSED_VALUES` it
  runs against the order of its nodes; any other value (``no``, ``reversible``, ``alternating``) is two-way.

A country-sized file has ten times the roads of the region it is clipped to. With an outline, each road's
coordinates first come out of libosmium in one call (its WKB line); a road with no node inside the outline's
bounding box is dropped there, before its nodes are read one by one in Python (the slow part: 3/4 of the import's
time on a country file before this). What is left is clipped exactly to the outline in numpy.

A way that references a node missing from the file (the edge of an extract) is cut there: the pieces on either
side are kept, never joined by a straight line across the gap.
"""

from __future__ import annotations

import tempfile
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import osmium
import shapely
from shapely.geometry.base import BaseGeometry

from geo.errors import QorgauError, ValidationError
from geo.speeds import SpeedProfile
from geo.tabular import MAX_OSM_FILE_BYTES, file_size, too_large

OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".xml", ".osm.gz", ".osm.bz2", ".xml.gz", ".xml.bz2")
"""File names the streaming reader accepts (the compression is read from the name)."""
ONEWAY_VALUES = frozenset({"yes", "true", "1", "-1", "reverse", "T", "F"})
"""``oneway`` values that make a way one way (as OSMnx reads them)."""
REVERSED_VALUES = frozenset({"-1", "reverse", "T"})
"""``oneway`` values by which a way runs against the order of its nodes."""
CLOSED_VALUES = frozenset({"no", "private"})
"""Values of ``access``, ``motor_vehicle`` or ``motorcar`` that close a way to cars."""
ACCESS_KEYS = ("access", "motor_vehicle", "motorcar")
LOCATION_INDEX = "sparse_file_array"
"""libosmium node-location index: file-backed, 16 bytes per node on disk, paged in by the OS as needed."""
COORDINATE_PRECISION = 1e7
"""OSM stores coordinates as integers of 1e-7 degrees."""
CHUNK_REFS = 2_000_000
"""Node references buffered before they are cleaned and clipped (bounds memory for a country-sized file)."""
UNDEFINED_COORDINATE = 2_147_483_647
"""What libosmium reports as the coordinate of a node missing from the file."""
WKB_HEADER_BYTES = 9
"""Bytes before the coordinates of a WKB line string: byte order (1), geometry type (4), number of points (4)."""
WKB_LITTLE_ENDIAN = "01"
"""First byte of a little-endian WKB, in hex (what libosmium writes on the platforms pyosmium ships for)."""


class OsmFileError(QorgauError, ValueError):
    """An OSM file that cannot be read."""


class OsmFileTooLarge(ValidationError, OsmFileError):
    """An OSM file over :data:`geo.tabular.MAX_OSM_FILE_BYTES`, refused before it is read (its problem names the
    file, its size and the limit)."""


@dataclass(frozen=True)
class WaySet:
    """Drivable ways as flat arrays: ``node_id[way_offsets[w]:way_offsets[w + 1]]`` are way ``w``'s nodes in order.

    Parameters
    ----------
    way_offsets : ndarray of int64, shape (n_ways + 1,)
    node_id : ndarray of int64, shape (n_refs,)
        OSM node ids (consecutive repeats removed; every way has at least 2 nodes).
    lon, lat : ndarray of float64, shape (n_refs,)
        Node coordinates, degrees (EPSG:4326).
    speed_kmh : ndarray of float64, shape (n_ways,)
        Travel speed along each way, km/h.
    forward, backward : ndarray of bool, shape (n_ways,)
        Whether the way may be driven in (against) the order of its nodes.
    """

    way_offsets: np.ndarray
    node_id: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    speed_kmh: np.ndarray
    forward: np.ndarray
    backward: np.ndarray

    @property
    def n_ways(self) -> int:
        return len(self.way_offsets) - 1

    def way_of_ref(self) -> np.ndarray:
        """Index of the way each node reference belongs to, int64."""
        return np.repeat(np.arange(self.n_ways, dtype=np.int64), np.diff(self.way_offsets))


def is_osm_file(path: str | Path) -> bool:
    """Whether the reader takes this file, judged by its name."""
    return Path(path).name.lower().endswith(OSM_SUFFIXES)


def way_rule(
    tags: Mapping[str, str | None] | osmium.osm.TagList, profile: SpeedProfile, speed_cache: dict
) -> tuple[float, bool, bool] | None:
    """Speed and directions of one way from its tags, or None when it is no road for cars.

    Parameters
    ----------
    tags : mapping
        The way's tags (a pyosmium TagList or a dict).
    profile : SpeedProfile
    speed_cache : dict
        Speeds already worked out, keyed by (highway, maxspeed, surface); filled in.

    Returns
    -------
    (speed_kmh, forward, backward) or None
    """
    highway = tags.get("highway")
    if not profile.drives(highway) or tags.get("area") == "yes":
        return None
    if any(tags.get(key) in CLOSED_VALUES for key in ACCESS_KEYS):
        return None
    key = (highway, tags.get("maxspeed"), tags.get("surface"))
    speed = speed_cache.get(key)
    if speed is None:
        speed = speed_cache[key] = profile.speed_kmh(highway, maxspeed=key[1], surface=key[2])
    oneway = tags.get("oneway")
    if oneway in ONEWAY_VALUES or tags.get("junction") == "roundabout":
        reverse = oneway in REVERSED_VALUES
        return speed, not reverse, reverse
    return speed, True, True


def read_ways(
    path: str | Path,
    *,
    profile: SpeedProfile,
    boundary: BaseGeometry | None = None,
    index_dir: str | Path | None = None,
) -> WaySet:
    """Stream an OSM file once and keep its drivable ways.

    Parameters
    ----------
    path : path
        ``.osm.pbf``, ``.osm``, ``.osm.gz`` or ``.osm.bz2``.
    profile : SpeedProfile
        Decides which ways are roads and how fast they are.
    boundary : shapely geometry, optional
        Outline in EPSG:4326: a way is kept when at least one of its nodes is inside (it is kept whole, so roads
        leaving the region stay connected up to their next node).
    index_dir : path, optional
        Where the temporary node-location index file lives (default: the system's temporary folder).

    Returns
    -------
    WaySet
    """
    path = Path(path)
    if not is_osm_file(path):
        raise OsmFileError(f"{path.name}: not an OpenStreetMap file; expected one of {', '.join(OSM_SUFFIXES)}")
    oversize = too_large(
        path.name,
        file_size(path),
        MAX_OSM_FILE_BYTES,
        key="osm_file_too_large",
        fix="use the extract of the region or the country (e.g. Geofabrik's kazakhstan-latest.osm.pbf), or cut it "
        "with osmium extract -b.",
    )
    if oversize is not None:
        raise OsmFileTooLarge([oversize])
    chunks: list[WaySet] = []
    speed_cache: dict = {}
    buffer = _WayBuffer()
    lines = osmium.geom.WKBFactory()
    box = boundary.bounds if boundary is not None else None
    with tempfile.TemporaryDirectory(prefix="qorgau-osm-", dir=index_dir) as tmp:
        index = f"{LOCATION_INDEX},{Path(tmp) / 'locations.bin'}"
        try:
            processor = (
                osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
                .with_locations(index)
                .with_filter(osmium.filter.KeyFilter("highway"))
            )
            for way in processor:
                if not isinstance(way, osmium.osm.Way):
                    continue
                rule = way_rule(way.tags, profile, speed_cache)
                if rule is None:
                    continue
                if box is not None and not _may_meet_box(way, lines, box):
                    continue  # no node inside the outline's bounding box: clipped away anyway
                buffer.add(way.nodes, rule)
                if len(buffer.refs) >= CHUNK_REFS:  # clip as we go: memory follows the region, not the file
                    chunks.append(buffer.flush(boundary))
        except RuntimeError as error:  # libosmium's parse and I/O errors
            raise OsmFileError(
                f"{path.name}: cannot read it as OpenStreetMap data ({error}). Use an .osm.pbf, "
                ".osm, .osm.gz or .osm.bz2 file, e.g. a Geofabrik extract."
            ) from error
    chunks.append(buffer.flush(boundary))
    return _concat(chunks)


def _may_meet_box(way: osmium.osm.Way, lines: osmium.geom.WKBFactory, box: tuple[float, float, float, float]) -> bool:
    """False only when no node of the way lies in ``box`` (west, south, east, north; degrees; edges included).

    The coordinates come in one call to libosmium (the way's WKB line, every node kept). When it cannot make the
    line (a node missing from the file, fewer than two nodes, big-endian WKB) the answer is True: the caller reads
    the nodes one by one and the exact clip decides.
    """
    try:
        wkb = lines.create_linestring(way, osmium.geom.ALL)
    except (osmium.InvalidLocationError, RuntimeError):
        return True
    if not wkb.startswith(WKB_LITTLE_ENDIAN):
        return True
    lonlat = np.frombuffer(bytes.fromhex(wkb), dtype="<f8", offset=WKB_HEADER_BYTES).reshape(-1, 2)
    low, high = lonlat.min(axis=0), lonlat.max(axis=0)
    return bool(high[0] >= box[0] and low[0] <= box[2] and high[1] >= box[1] and low[1] <= box[3])


class _WayBuffer:
    """Ways as they stream by, in compact arrays, until they are cleaned and clipped in numpy."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self.refs, self.xs, self.ys, self.counts = array("q"), array("i"), array("i"), array("q")
        self.speeds, self.forward, self.backward = array("d"), array("b"), array("b")

    def add(self, nodes: Iterable[osmium.osm.NodeRef], rule: tuple[float, bool, bool]) -> None:
        before = len(self.refs)
        for node in nodes:
            self.refs.append(node.ref)
            self.xs.append(node.x)
            self.ys.append(node.y)
        self.counts.append(len(self.refs) - before)
        self.speeds.append(rule[0])
        self.forward.append(rule[1])
        self.backward.append(rule[2])

    def flush(self, boundary: BaseGeometry | None) -> WaySet:
        """The buffered ways, cleaned and clipped; the buffer is emptied."""
        counts = np.frombuffer(self.counts, dtype=np.int64) if len(self.counts) else np.zeros(0, np.int64)
        way_of_ref = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
        ways = _clean_ways(
            _as_numpy(self.refs, np.int64),
            _as_numpy(self.xs, np.int32),
            _as_numpy(self.ys, np.int32),
            way_of_ref,
            speed_kmh=_as_numpy(self.speeds, np.float64),
            forward=_as_numpy(self.forward, np.int8).astype(bool),
            backward=_as_numpy(self.backward, np.int8).astype(bool),
            boundary=boundary,
        )
        self._reset()
        return ways


def _as_numpy(values: array, dtype: npt.DTypeLike) -> np.ndarray:
    return np.array(values, dtype=dtype) if len(values) else np.zeros(0, dtype=dtype)


def _concat(parts: list[WaySet]) -> WaySet:
    """One WaySet of several, in order."""
    sizes = np.concatenate([np.diff(p.way_offsets) for p in parts])
    return WaySet(
        way_offsets=np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
        node_id=np.concatenate([p.node_id for p in parts]),
        lon=np.concatenate([p.lon for p in parts]),
        lat=np.concatenate([p.lat for p in parts]),
        speed_kmh=np.concatenate([p.speed_kmh for p in parts]),
        forward=np.concatenate([p.forward for p in parts]),
        backward=np.concatenate([p.backward for p in parts]),
    )


def ways_from_pairs(
    tail_id: np.ndarray, head_id: np.ndarray, tail_lonlat: np.ndarray, head_lonlat: np.ndarray, *, speed_kmh: np.ndarray
) -> WaySet:
    """A WaySet of one-way, two-node ways (``tail -> head``), e.g. from the edges of an OSMnx graph.

    Parameters
    ----------
    tail_id, head_id : ndarray of int64, shape (n,)
    tail_lonlat, head_lonlat : ndarray of float64, shape (n, 2)
        Degrees.
    speed_kmh : ndarray of float64, shape (n,)
    """
    n = len(tail_id)
    refs = np.column_stack([tail_id, head_id]).ravel().astype(np.int64)
    lonlat = np.stack([np.reshape(tail_lonlat, (n, 2)), np.reshape(head_lonlat, (n, 2))], axis=1).reshape(-1, 2)
    ways = WaySet(
        way_offsets=np.arange(0, 2 * n + 1, 2, dtype=np.int64),
        node_id=refs,
        lon=lonlat[:, 0].astype(float),
        lat=lonlat[:, 1].astype(float),
        speed_kmh=np.asarray(speed_kmh, dtype=float),
        forward=np.ones(n, bool),
        backward=np.zeros(n, bool),
    )
    return _subset(ways, np.asarray(tail_id) != np.asarray(head_id))


def _clean_ways(
    refs: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    way_of_ref: np.ndarray,
    *,
    speed_kmh: np.ndarray,
    forward: np.ndarray,
    backward: np.ndarray,
    boundary: BaseGeometry | None,
) -> WaySet:
    """Cut ways at missing nodes, drop repeated nodes and ways with fewer than two nodes, clip to ``boundary``."""
    valid = (x != UNDEFINED_COORDINATE) & (y != UNDEFINED_COORDINATE)
    n = len(refs)
    # a new piece starts at a way's first node and after every missing node
    starts = np.ones(n, dtype=bool)
    if n:
        starts[1:] = (way_of_ref[1:] != way_of_ref[:-1]) | ~valid[:-1]
    piece = np.cumsum(starts) - 1
    # drop missing nodes and a node repeating the one before it in the same piece
    repeat = np.zeros(n, dtype=bool)
    if n:
        repeat[1:] = (refs[1:] == refs[:-1]) & (piece[1:] == piece[:-1])
    keep = valid & ~repeat
    refs, x, y, piece = refs[keep], x[keep], y[keep], piece[keep]
    owner = way_of_ref[keep]
    lon, lat = x / COORDINATE_PRECISION, y / COORDINATE_PRECISION
    _, first, sizes = np.unique(piece, return_index=True, return_counts=True)  # piece is non-decreasing
    pieces = WaySet(
        way_offsets=np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
        node_id=refs,
        lon=lon,
        lat=lat,
        speed_kmh=np.asarray(speed_kmh, dtype=float)[owner[first]],
        forward=np.asarray(forward)[owner[first]],
        backward=np.asarray(backward)[owner[first]],
    )
    pieces = _subset(pieces, sizes >= 2)
    return pieces if boundary is None else clip_ways(pieces, boundary)


def clip_ways(ways: WaySet, boundary: BaseGeometry) -> WaySet:
    """The ways with at least one node inside ``boundary`` (EPSG:4326), each kept whole."""
    if ways.n_ways == 0:
        return ways
    outline = shapely.from_wkb(shapely.to_wkb(boundary))  # prepared here; the caller's geometry stays as it is
    shapely.prepare(outline)
    inside = shapely.intersects_xy(outline, ways.lon, ways.lat)  # a node on the outline counts as inside
    return _subset(ways, np.logical_or.reduceat(inside, ways.way_offsets[:-1]))


def _subset(ways: WaySet, keep: np.ndarray) -> WaySet:
    """The ways where ``keep`` is True."""
    sizes = np.diff(ways.way_offsets)[keep]
    ref_keep = np.repeat(keep, np.diff(ways.way_offsets))
    return WaySet(
        way_offsets=np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
        node_id=ways.node_id[ref_keep],
        lon=ways.lon[ref_keep],
        lat=ways.lat[ref_keep],
        speed_kmh=ways.speed_kmh[keep],
        forward=ways.forward[keep],
        backward=ways.backward[keep],
    )
