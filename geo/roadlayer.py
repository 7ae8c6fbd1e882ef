"""Road line layers (an akimat's GIS department, a basemap's tiles): GeoJSON, GeoPackage, zipped Shapefile.

A line layer is not an OSM file: its lines carry a road class (OSM ``highway`` values, or the Russian/Kazakh class
names of :data:`CLASS_NAMES`) or a speed, in any CRS the file declares, and nothing says which lines meet. Real
layers are cut where their tiles were cut: a road is several pieces whose ends meet, nearly meet or overlap by a
few metres, and a generalised layer's junctions do not quite meet. So that the network routes across them:

- vertices at the same place (to :data:`SAME_PLACE_M`) are one node: pieces that share a vertex meet there;
- a piece's loose end (no other piece at its place) is joined to the nearest other piece within
  :data:`SNAP_ENDS_M`: to that piece's nearest vertex when one is that close, else to a vertex inserted where
  the end projects onto it (a T-junction, or the far side of an overlap);
- overlapping pieces, once joined, repeat a stretch of road; where they repeat the same vertices the network keeps
  one edge (:func:`geo.network.network_from_ways` keeps the fastest of parallel edges).

Lines that cross without a shared vertex are not joined (a bridge over a road). The result is a
:class:`geo.osmfile.WaySet` of two-way ways, built into a network by the same array builder as OSM files.
"""

from __future__ import annotations

import math
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo.errors import Problem, ValidationError
from geo.osmfile import WaySet, clip_ways
from geo.speeds import MAXSPEED_RANGE_KMH, SpeedProfile
from geo.tabular import MAX_ROAD_LAYER_BYTES, file_size, too_large

LINE_LAYER_SUFFIXES = (".geojson", ".gpkg", ".shp.zip", ".zip")
"""File names read as road line layers (a Shapefile comes zipped, with its .shp, .shx, .dbf and .prj)."""
SNAP_ENDS_M = 20.0
"""A loose end of a piece this close to another piece is joined to it, metres. Measured on the region's real
layers: tile cuts mostly share a vertex, 22 of the 1,299 loose ends of ``south_strip`` lie within 5 m of another
piece and 118 within 20 m; the generalised trunk layer's junctions miss by 1–20 m (12 of its 55 loose ends). A
false join in a street grid bridges at most this distance."""
SAME_PLACE_M = 0.01
"""Vertices closer than this are the same node, metres."""
LINE_LAYER_VERSION = 1
"""Version of the joining rules; part of the network cache key of a line layer."""

CLASS_COLUMNS = (
    "highway",
    "road_class",
    "class",
    "fclass",
    "type",
    "класс",
    "класс_дороги",
    "категория",
    "тип",
    "санат",
    "жол_санаты",
    "түрі",
)
"""Column names (any case) holding the road class, in order of preference."""
SPEED_COLUMNS = ("speed_kmh", "speed", "maxspeed", "скорость", "скорость_км_ч", "жылдамдық")
"""Column names (any case) holding a travel speed in km/h, in order of preference."""
CLASS_NAMES = (
    ("автомагистрал", "motorway"),
    ("международн", "trunk"),
    ("халықаралық", "trunk"),
    ("республикан", "trunk"),
    ("республикалық", "trunk"),
    ("областн", "secondary"),
    ("облыстық", "secondary"),
    ("районн", "tertiary"),
    ("аудандық", "tertiary"),
    ("местн", "unclassified"),
    ("жергілікті", "unclassified"),
    ("улиц", "residential"),
    ("көше", "residential"),
    ("грунтов", "track"),
    ("полев", "track"),
    ("дала", "track"),
)
"""Russian and Kazakh road class names (word stems, lower case) and the OSM ``highway`` class each is read as:
roads of international and republican importance as trunk, of regional importance as secondary, of district
importance as tertiary, local roads as unclassified, streets as residential, dirt and field roads as track."""


@dataclass(frozen=True)
class RoadLayer:
    """A line layer read for routing.

    Parameters
    ----------
    ways : WaySet
        The drivable pieces, joined (two-way), clipped to the outline when one was given.
    pieces : int
        Drivable pieces kept (after clipping).
    km_by_class : dict of str to float
        Length of the kept pieces per OSM class (``"speed"`` for pieces timed by their speed column), km.
    joined_ends : int
        Loose ends joined to another piece within :data:`SNAP_ENDS_M`.
    """

    ways: WaySet
    pieces: int
    km_by_class: dict[str, float]
    joined_ends: int


def is_line_layer(path: str | Path) -> bool:
    """Whether a file is read as a road line layer, judged by its name."""
    return Path(path).name.lower().endswith(LINE_LAYER_SUFFIXES)


def road_class_of(value: object) -> str | None:
    """The OSM ``highway`` class of a cell: an OSM value as it is (lower case), a Russian or Kazakh class name
    through :data:`CLASS_NAMES`; None for an empty cell."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip().lower().replace("ё", "е")
    if not text:
        return None
    if re.fullmatch(r"[a-z_]+", text):
        return text
    return next((osm for stem, osm in CLASS_NAMES if stem in text), text)


def read_road_layer(
    path: str | Path,
    *,
    profile: SpeedProfile,
    boundary: BaseGeometry | None = None,
    snap_m: float = SNAP_ENDS_M,
    name: str | None = None,
) -> RoadLayer:
    """Read a road line layer, join its pieces and keep its drivable lines.

    Parameters
    ----------
    path : path
        ``.geojson``, ``.gpkg`` or a zipped Shapefile (``.zip``).
    profile : SpeedProfile
        Which classes are driven and how fast; a speed column, where it holds a speed, wins over the class.
    boundary : shapely geometry, optional
        Region outline (EPSG:4326); pieces with no vertex inside are left out.
    snap_m : float
        Loose ends within this distance of another piece are joined to it, metres.
    name : str, optional
        The file name used in messages (default: the file's own).

    Returns
    -------
    RoadLayer

    Raises
    ------
    ValidationError
        A file that cannot be read, has no CRS, no class or speed column, or no drivable lines; the problem names
        the file and the fix.
    """
    import geopandas as gpd
    import pandas as pd

    path = Path(path)
    label = name or path.name
    frame = _read_frame(path, label)
    if frame.crs is None:
        raise _problem(
            label,
            "the file declares no coordinate reference system.",
            "save the layer with its CRS (a .prj file beside the .shp, or the CRS of the GeoPackage layer).",
            key="roadlayer_no_crs",
        )
    columns = {str(c).strip().lower(): c for c in frame.columns if c != frame.geometry.name}
    class_column = next((columns[c] for c in CLASS_COLUMNS if c in columns), None)
    speed_column = next((columns[c] for c in SPEED_COLUMNS if c in columns), None)
    if class_column is None and speed_column is None:
        raise _problem(
            label,
            f"no road class or speed column; the columns are: {', '.join(map(str, columns.values())) or '—'}.",
            "add a column 'highway' (OSM classes, or Russian/Kazakh class names) or 'speed_kmh' (km/h).",
            key="roadlayer_no_class",
            params=(("columns", ", ".join(map(str, columns.values())) or "—"),),
        )
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    frame = frame[frame.geometry.geom_type.isin(["LineString", "MultiLineString"])].explode(ignore_index=True)
    classes = (
        np.array([road_class_of(v) for v in frame[class_column]], dtype=object)
        if class_column is not None
        else np.full(len(frame), None, dtype=object)
    )
    speeds = (
        pd.to_numeric(frame[speed_column].astype(str).str.replace(",", ".", regex=False), errors="coerce").to_numpy()
        if speed_column is not None
        else np.full(len(frame), np.nan)
    )
    low, high = MAXSPEED_RANGE_KMH
    has_speed = (speeds >= low) & (speeds <= high)
    drives = np.array([profile.drives(c) for c in classes], dtype=bool)
    keep = has_speed | drives
    frame, classes, speeds, has_speed = frame[keep], classes[keep], speeds[keep], has_speed[keep]
    speed_kmh = np.where(has_speed, speeds, [profile.speed_kmh(c) if c is not None else 0.0 for c in classes])
    if len(frame) == 0:
        raise _problem(
            label,
            "no drivable road lines (line geometries with a road class the speeds table drives, or a speed).",
            "export the roads as lines with their class (e.g. trunk, primary, residential) or speed in km/h.",
            key="roadlayer_no_lines",
        )
    lonlat_frame = frame.to_crs("EPSG:4326")
    metric = lonlat_frame.estimate_utm_crs()
    xy_lines = [np.asarray(g.coords)[:, :2] for g in lonlat_frame.to_crs(metric).geometry]
    ways, joined = _joined_ways(xy_lines, speed_kmh.astype(float), metric_crs=metric, snap_m=snap_m)
    labels = np.where(has_speed, "speed", classes.astype(str))
    if boundary is not None:
        inside = shapely.intersects(shapely.from_wkb(shapely.to_wkb(boundary)), lonlat_frame.geometry.to_numpy())
        labels = labels[inside]
        ways = clip_ways(ways, boundary)
        length_km = gpd.GeoSeries(lonlat_frame.geometry.to_numpy()[inside], crs="EPSG:4326").to_crs(metric).length
    else:
        length_km = gpd.GeoSeries(lonlat_frame.geometry.to_numpy(), crs="EPSG:4326").to_crs(metric).length
    if ways.n_ways == 0:
        raise _problem(
            label,
            "no drivable road line lies inside the region outline.",
            "check that the layer covers this region and declares the right CRS.",
            key="roadlayer_outside",
        )
    km = pd.Series(np.asarray(length_km) / 1000.0).groupby(labels).sum()
    return RoadLayer(
        ways=ways,
        pieces=ways.n_ways,
        km_by_class={str(k): round(float(v), 1) for k, v in km.sort_values(ascending=False).items()},
        joined_ends=joined,
    )


def _read_frame(path: Path, label: str):  # -> gpd.GeoDataFrame
    """Every line layer of the file in one frame (a GeoPackage may hold several; a zip, one Shapefile)."""
    import geopandas as gpd
    import pandas as pd
    import pyogrio

    if not path.is_file():
        raise _problem(label, "no such file.", "give the path of a road layer on this server.", key="roadlayer_no_file")
    oversize = too_large(
        label,
        file_size(path),
        MAX_ROAD_LAYER_BYTES,
        key="road_layer_too_large",
        fix="clip the layer to the region and keep only its road lines before importing it.",
    )
    if oversize is not None:  # refused before GDAL reads it
        raise ValidationError([oversize])
    source = str(path)
    if path.name.lower().endswith(".zip"):
        try:
            with zipfile.ZipFile(path) as archive:
                shapes = [n for n in archive.namelist() if n.lower().endswith(".shp")]
        except zipfile.BadZipFile:
            shapes = []
        if not shapes:
            raise _problem(
                label,
                "the zip file holds no Shapefile (.shp).",
                "zip the layer's .shp, .shx, .dbf and .prj files together.",
                key="roadlayer_no_shapefile",
            )
        source = f"/vsizip/{path}/{shapes[0]}"
    try:
        layers = pyogrio.list_layers(source)
        lines = [str(n) for n, kind in layers if kind and "line" in str(kind).lower()] or [str(layers[0][0])]
        frames = [gpd.read_file(source, layer=layer) for layer in lines]
    except Exception as error:  # noqa: BLE001  GDAL raises its own error types for every unreadable file
        raise _problem(
            label,
            f"cannot be read as a GeoJSON, GeoPackage or Shapefile ({error}).",
            "export the road layer again as GeoJSON, GeoPackage or a zipped Shapefile.",
            key="roadlayer_unreadable",
        ) from error
    crs = next((f.crs for f in frames if f.crs is not None), None)
    if len(frames) == 1 or crs is None:
        return frames[0]
    return gpd.GeoDataFrame(pd.concat([f.to_crs(crs) for f in frames], ignore_index=True), crs=crs)


def _problem(file: str, message: str, fix: str, *, key: str, params: tuple = ()) -> ValidationError:
    return ValidationError([Problem(file, message, fix, key=key, params=params)])


def _joined_ways(
    lines: list[np.ndarray], speed_kmh: np.ndarray, *, metric_crs: object, snap_m: float
) -> tuple[WaySet, int]:
    """Two-way ways from polylines in a metric CRS, pieces joined as the module says; lon/lat in the result.

    Returns the ways and how many loose ends were joined.
    """
    import pyproj

    # drop repeated vertices; pieces of fewer than two vertices are no road
    cleaned, kept_speed = [], []
    for xy, speed in zip(lines, speed_kmh):
        if len(xy) > 1:
            xy = xy[np.concatenate([[True], np.any(np.abs(np.diff(xy, axis=0)) > 0, axis=1)])]
        if len(xy) >= 2:
            cleaned.append(xy.astype(float))
            kept_speed.append(speed)
    lines = cleaned
    offsets = np.concatenate([[0], np.cumsum([len(xy) for xy in lines])]).astype(np.int64)
    xy = np.vstack(lines) if lines else np.zeros((0, 2))
    line_of = np.repeat(np.arange(len(lines)), np.diff(offsets))
    # one node per place
    _, node = np.unique(np.round(xy / SAME_PLACE_M).astype(np.int64), axis=0, return_inverse=True)
    node = node.ravel().astype(np.int64)
    next_id = int(node.max()) + 1 if len(node) else 0
    uses = np.bincount(node, minlength=next_id)
    # loose ends: a piece's first or last vertex that no other vertex shares
    ends = np.concatenate([offsets[:-1], offsets[1:] - 1])
    loose = ends[uses[node[ends]] == 1]
    geometries = shapely.linestrings(xy, indices=line_of) if len(xy) else np.array([])
    tree = shapely.STRtree(geometries)
    points = shapely.points(xy[loose])
    pairs = tree.query(points, predicate="dwithin", distance=snap_m)
    point_i, line_i = pairs
    other = line_i != line_of[loose[point_i]]
    point_i, line_i = point_i[other], line_i[other]
    distance = shapely.distance(points[point_i], geometries[line_i])
    order = np.lexsort((distance, point_i))
    point_i, line_i, distance = point_i[order], line_i[order], distance[order]
    first = np.ones(len(point_i), dtype=bool)
    first[1:] = point_i[1:] != point_i[:-1]
    parent = np.arange(next_id + len(loose), dtype=np.int64)  # union-find over nodes (and inserted vertices)

    def root(n: int) -> int:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = int(parent[n])
        return n

    inserted: dict[int, list[tuple[float, int, np.ndarray]]] = {}
    joined = 0
    for p, target in zip(point_i[first], line_i[first]):
        ref = int(loose[p])
        end_xy = xy[ref]
        start, stop = int(offsets[target]), int(offsets[target + 1])
        vertices = xy[start:stop]
        gaps = np.hypot(*(vertices - end_xy).T)
        nearest = int(np.argmin(gaps))
        if gaps[nearest] <= snap_m:
            to_node = int(node[start + nearest])
            xy[ref] = vertices[nearest]
        else:
            along = float(shapely.line_locate_point(geometries[target], points[p]))
            spot = np.asarray(shapely.line_interpolate_point(geometries[target], along).coords)[0]
            to_node = next_id
            next_id += 1
            inserted.setdefault(int(target), []).append((along, to_node, spot))
            xy[ref] = spot
        parent[root(int(node[ref]))] = root(to_node)
        joined += 1
    # rebuild the pieces with the inserted vertices in place, then the node of every vertex is its root
    out_xy, out_node, out_offsets = [], [], [0]
    for i in range(len(lines)):
        piece_xy, piece_node = xy[offsets[i] : offsets[i + 1]], node[offsets[i] : offsets[i + 1]]
        if i in inserted:
            cumulative = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(piece_xy, axis=0).T))])
            extra = sorted(inserted[i], key=lambda item: item[0])
            at = np.searchsorted(cumulative, [a for a, _, _ in extra], side="right")
            piece_xy = np.insert(piece_xy, at, np.array([s for _, _, s in extra]), axis=0)
            piece_node = np.insert(piece_node, at, [n for _, n, _ in extra])
        out_xy.append(piece_xy)
        out_node.append(piece_node)
        out_offsets.append(out_offsets[-1] + len(piece_xy))
    all_xy = np.vstack(out_xy) if out_xy else np.zeros((0, 2))
    all_node = np.array([root(int(n)) for n in np.concatenate(out_node)], dtype=np.int64) if out_node else np.zeros(0)
    to_lonlat = pyproj.Transformer.from_crs(metric_crs, "EPSG:4326", always_xy=True)
    lon, lat = to_lonlat.transform(all_xy[:, 0], all_xy[:, 1])
    ways = _drop_repeats(
        WaySet(
            way_offsets=np.asarray(out_offsets, dtype=np.int64),
            node_id=all_node.astype(np.int64),
            lon=np.asarray(lon, dtype=float),
            lat=np.asarray(lat, dtype=float),
            speed_kmh=np.asarray(kept_speed, dtype=float),
            forward=np.ones(len(lines), dtype=bool),
            backward=np.ones(len(lines), dtype=bool),
        )
    )
    return ways, joined


def _drop_repeats(ways: WaySet) -> WaySet:
    """Drop a vertex that repeats the node before it in the same way (an end joined onto its neighbour), and ways
    left with fewer than two vertices."""
    n = len(ways.node_id)
    way_of = ways.way_of_ref()
    repeat = np.zeros(n, dtype=bool)
    repeat[1:] = (ways.node_id[1:] == ways.node_id[:-1]) & (way_of[1:] == way_of[:-1])
    keep = ~repeat
    sizes = np.bincount(way_of[keep], minlength=ways.n_ways)
    long_enough = sizes >= 2
    ref_keep = keep & long_enough[way_of]
    return WaySet(
        way_offsets=np.concatenate([[0], np.cumsum(sizes[long_enough])]).astype(np.int64),
        node_id=ways.node_id[ref_keep],
        lon=ways.lon[ref_keep],
        lat=ways.lat[ref_keep],
        speed_kmh=ways.speed_kmh[long_enough],
        forward=ways.forward[long_enough],
        backward=ways.backward[long_enough],
    )
