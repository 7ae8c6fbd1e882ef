"""Isochrone bands: the area within 15/30/60 minutes of each service.

With a network, a band is the set of points within :data:`ISOCHRONE_BUFFER_M` of the road pieces from which the
service is reached within the time: whole edges and the reached part of partly reached edges, cut along the edge
geometry. Not convex hulls: a hull around a few trunk roads claims the empty steppe between them. Bands nest and are
clipped to the region outline.

How, fast: that set is the buffer of the reached pieces, and it is computed as the sublevel set ``distance <= buffer``
of the distance to the roads, not as a union of thousands of buffer polygons (GEOS spent most of the time there).
The pieces are cut in numpy and sampled every :data:`SAMPLE_SHARE` of the buffer; the distance to the samples is
taken on a grid of cells of :data:`GRID_CELL_SHARE` of the buffer, roughly by a Euclidean distance transform and
exactly (k-d tree) at the grid nodes near the band's edge, and contoured with linear interpolation (contourpy).
On straight roads the edge is exact; on round ends it lies a little inside the exact buffer; at the notches where
two buffers meet it cuts across by a fraction of a cell. Against the exact union of buffers the area differs by a
few tenths of a per cent (``tests/test_isochrones.py``; measured in ``bench/bench_isochrones.py``). A larger band's
distances are never above a smaller band's on the same grid, so bands nest by construction.

Without a network, bands are circles of radius speed × time / circuity (the labelled estimate).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import contourpy
import geopandas as gpd
import numpy as np
import shapely
import shapely.ops
from scipy import ndimage
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry

from geo.network import ACCESS_SPEED_KMH, MAX_SNAP_M, RoadNetwork, Snap
from geo.traveltime import (
    DEFAULT_CIRCUITY,
    DEFAULT_ESTIMATE_SPEED_KMH,
    METHOD_ESTIMATE,
    METHOD_NETWORK,
    _check_network_crs,
    _graph_with_sites,
    _xy_m,
    estimate_description,
)

DEFAULT_BANDS_MINUTES = (15, 30, 60)
ISOCHRONE_BUFFER_M = 500.0
"""Width added on each side of reached roads: the access distance (1.5 min at the 20 km/h access speed), metres."""
GRID_CELL_SHARE = 0.3
"""Largest cell of the distance grid, as a share of the buffer (150 m for 500 m): finer is closer to the exact buffer
and slower (0.2 took 1.45× the time of 0.3 on the synthetic benchmark)."""
SAMPLE_SHARE = 0.2
"""Spacing of the points sampled along reached roads, as a share of the buffer: between two samples the distance
to a straight road is overestimated by at most spacing² / (8 × buffer), 0.5 % of the buffer."""
GRID_NODES_ACROSS = 150
"""A small band gets finer cells: at most this many nodes across the grid's wider side (accuracy is relative to
the band's size, and such a grid costs little)."""
MAX_GRID_CELLS = 4_000_000
"""Most cells of one service's distance grid (32 MB of distances); a band wider than that gets coarser cells."""
OUTPUT_CRS = "EPSG:4326"
CLIP_SEGMENT_DEG = 0.01
"""The outline is densified to this segment length (degrees) before it is projected for clipping."""


def isochrones(
    network: RoadNetwork | None,
    services: gpd.GeoDataFrame,
    *,
    analysis_crs: str,
    minutes: Sequence[float] = DEFAULT_BANDS_MINUTES,
    boundary: BaseGeometry | None = None,
    buffer_m: float = ISOCHRONE_BUFFER_M,
    circuity: float = DEFAULT_CIRCUITY,
    estimate_speed_kmh: float = DEFAULT_ESTIMATE_SPEED_KMH,
    max_snap_m: float = MAX_SNAP_M,
    access_speed_kmh: float = ACCESS_SPEED_KMH,
) -> gpd.GeoDataFrame:
    """Nested isochrone bands around each service.

    Parameters
    ----------
    network : RoadNetwork or None
        None gives estimated circles.
    services : GeoDataFrame
        Points with ``service_id``.
    analysis_crs : str
        Projected CRS in metres.
    minutes : sequence of float
        Band limits, minutes.
    boundary : shapely geometry, optional
        Region outline in EPSG:4326 to clip to.
    buffer_m : float
        Buffer around reached roads, metres.
    circuity, estimate_speed_kmh : float
        Assumptions of the estimate.
    max_snap_m, access_speed_kmh : float
        Snapping of services to the network.

    Returns
    -------
    GeoDataFrame
        ``service_id, minutes, method, geometry`` in EPSG:4326, one row per service and band (empty geometry
        for a service not connected to the network); ``attrs["description"]`` says how times were made.
    """
    bands = sorted(float(m) for m in minutes)
    if not bands or bands[0] <= 0:
        raise ValueError(f"`minutes` must be positive band limits; got {list(minutes)}")
    if not buffer_m > 0:
        raise ValueError(f"`buffer_m` must be a positive distance in metres; got {buffer_m}")
    service_ids = services["service_id"].astype(str).to_numpy(dtype=object)
    sx, sy = _xy_m(services, analysis_crs, "services")
    clip = None
    if boundary is not None:
        dense = shapely.segmentize(boundary, CLIP_SEGMENT_DEG)  # straight in degrees stays close in metres
        clip = gpd.GeoSeries([dense], crs=OUTPUT_CRS).to_crs(analysis_crs).iloc[0]
        shapely.prepare(clip)
    rows: list[tuple[str, float, BaseGeometry]] = []
    if network is None:
        method = METHOD_ESTIMATE
        description = estimate_description(circuity=circuity, speed_kmh=estimate_speed_kmh)
        for k, sid in enumerate(service_ids):
            radii_m = [_estimate_radius_m(b, circuity, estimate_speed_kmh) for b in bands]
            shapes = [shapely.Point(sx[k], sy[k]).buffer(r, quad_segs=16) for r in radii_m]
            rows.extend(_clipped_rows(sid, bands, shapes, clip))
    else:
        method = METHOD_NETWORK
        description = network.profile_description
        _check_network_crs(network, analysis_crs)
        sites = network.snap(sx, sy, max_snap_m=max_snap_m, access_speed_kmh=access_speed_kmh)
        graph = _graph_with_sites(network, sites)
        indptr, by_head = network.in_edges
        for k, sid in enumerate(service_ids):
            if not sites.connected[k]:
                rows.extend((sid, band, shapely.Polygon()) for band in bands)
                continue
            node_s = dijkstra(graph, directed=True, indices=network.n_nodes + k, limit=bands[-1] * 60.0)
            # only edges whose head is reached at all can be reached: work on those, not the whole network
            heads = np.flatnonzero(np.isfinite(node_s[: network.n_nodes]))
            candidates = by_head[_ranges(indptr[heads], indptr[heads + 1] - indptr[heads])]
            samples = [
                _road_samples(
                    network,
                    sites,
                    k,
                    node_s,
                    band * 60.0,
                    candidates,
                    (sx[k], sy[k]),
                    spacing_m=buffer_m * SAMPLE_SHARE,
                )
                for band in bands
            ]
            rows.extend(_clipped_rows(sid, bands, _distance_bands(samples, buffer_m), clip))
    frame = gpd.GeoDataFrame(
        {"service_id": [r[0] for r in rows], "minutes": [r[1] for r in rows], "method": method},
        geometry=[r[2] for r in rows],
        crs=analysis_crs,
    ).to_crs(OUTPUT_CRS)
    frame.attrs["description"] = description
    return frame


def _estimate_radius_m(minutes: float, circuity: float, speed_kmh: float) -> float:
    return speed_kmh / 3.6 * minutes * 60.0 / circuity


def _clipped_rows(
    service_id: str, bands: list[float], shapes: list[BaseGeometry], clip: BaseGeometry | None
) -> list[tuple[str, float, BaseGeometry]]:
    """One row per band, each shape (already nested) clipped to the outline where it reaches beyond it."""
    rows = []
    for band, shape in zip(bands, shapes):
        inside = clip is None or shapely.covers(clip, shape)  # the outline is prepared: a quick test first
        rows.append((service_id, band, shape if inside else shapely.intersection(shape, clip)))
    return rows


def _road_samples(
    network: RoadNetwork,
    sites: Snap,
    k: int,
    node_s: np.ndarray,
    budget_s: float,
    candidates: np.ndarray,
    service_xy_m: tuple[float, float],
    *,
    spacing_m: float,
) -> np.ndarray:
    """Points every ``spacing_m`` or closer along the road pieces from which service ``k`` is reached within
    ``budget_s`` (with their vertices and ends), and the service's own point: an ``(n, 2)`` array, metres.

    Whole edges and the reached head-ward part of partly reached edges are cut in numpy; of a two-way road wholly
    reached, one direction only (the same polyline).
    """
    seconds = network.edge_seconds[candidates]
    tail, head = network.edge_from[candidates], network.edge_to[candidates]
    left_s = budget_s - node_s[head]
    reached = left_s > 0
    start = np.where(reached, np.clip(1.0 - left_s / seconds, 0.0, 1.0), 1.0)
    full = reached & (start <= 0.0)
    full_anywhere = np.zeros(network.n_edges + 1, dtype=bool)  # the last entry stands for "no twin" (-1)
    full_anywhere[candidates[full]] = True
    twin_full = full & (tail > head) & full_anywhere[network.edge_twin[candidates]]
    whole = candidates[np.flatnonzero(full & ~twin_full)]
    partial_at = np.flatnonzero(reached & ~full)
    xy, offsets = _pieces_xy(network, whole, candidates[partial_at], start[partial_at])
    own = [shapely.get_coordinates(line) for line in _own_edge_pieces(network, sites, k, budget_s)]
    own.append(np.array([service_xy_m]))  # the service itself, a piece of one point
    xy = np.concatenate([xy, *own])
    offsets = np.concatenate([offsets, offsets[-1] + np.cumsum([len(piece) for piece in own])])
    return _samples_along(xy, offsets, spacing_m)


def _samples_along(xy: np.ndarray, offsets: np.ndarray, spacing_m: float) -> np.ndarray:
    """Points every ``spacing_m`` or closer along each polyline ``xy[offsets[i]:offsets[i + 1]]``, its vertices
    included: an ``(n, 2)`` array."""
    if len(xy) == 0:
        return np.zeros((0, 2))
    is_last = np.zeros(len(xy), dtype=bool)
    is_last[offsets[1:] - 1] = True
    first = np.flatnonzero(~is_last)  # the first vertex of each segment
    step_xy = xy[first + 1] - xy[first]
    counts = np.maximum(np.ceil(np.hypot(step_xy[:, 0], step_xy[:, 1]) / spacing_m).astype(np.int64), 1)
    owner = np.repeat(np.arange(len(first)), counts)
    along = (_ranges(np.zeros(len(counts), dtype=np.int64), counts) / counts[owner])[:, None]
    return np.concatenate([xy[first][owner] + step_xy[owner] * along, xy[is_last]])


def _distance_bands(samples: list[np.ndarray], buffer_m: float) -> list[BaseGeometry]:
    """For each band's road samples (smallest band first), the points within ``buffer_m`` of them, nested.

    One grid of cells for all of a service's bands (aligned to multiples of the cell, so that the grid nodes are
    the same points whatever the extent): the distance from each node to the nearest sample, first from a
    Euclidean distance transform of the nodes nearest to the samples (off by at most half a cell diagonal), then
    exactly at the nodes whose rough distance is within :func:`_exact_margin` of ``buffer_m`` (all corners of the
    cells the band's edge crosses); contoured at ``buffer_m``. Each band's distances are capped by the smaller
    band's, so a larger band always covers a smaller one.
    """
    everything = np.concatenate(samples)
    if len(everything) == 0:
        return [shapely.Polygon() for _ in samples]
    low, high = everything.min(axis=0), everything.max(axis=0)
    extent_m = high - low + 2 * buffer_m
    cell_m = min(buffer_m * GRID_CELL_SHARE, float(extent_m.max()) / GRID_NODES_ACROSS)
    cell_m = max(cell_m, float(np.sqrt(np.prod(extent_m + 6 * cell_m) / MAX_GRID_CELLS)))
    pad_m = buffer_m + 3 * cell_m  # nodes on the grid's rim are farther than the buffer from every sample
    origin = np.floor((low - pad_m) / cell_m) * cell_m
    shape = (np.ceil((high + pad_m - origin) / cell_m).astype(np.int64) + 1)[::-1]  # rows (y), columns (x)
    margin_m = _exact_margin(cell_m)
    node_x, node_y = origin[0] + np.arange(shape[1]) * cell_m, origin[1] + np.arange(shape[0]) * cell_m
    capped = np.full(tuple(shape), np.inf)
    out = []
    for points in samples:
        if len(points) == 0:
            out.append(shapely.Polygon())
            continue
        column, row = np.rint((points - origin) / cell_m).astype(np.int64).T
        free = np.ones(tuple(shape), dtype=bool)
        free[row, column] = False
        distance = ndimage.distance_transform_edt(free, sampling=cell_m)
        near_row, near_column = np.nonzero(np.abs(distance - buffer_m) <= margin_m)
        exact, _ = cKDTree(points).query(
            np.column_stack([node_x[near_column], node_y[near_row]]), distance_upper_bound=buffer_m + 2 * margin_m
        )
        distance[near_row, near_column] = np.minimum(exact, buffer_m + 2 * margin_m)
        capped = np.minimum(capped, distance)
        out.append(_sublevel_polygons(node_x, node_y, capped, buffer_m))
    return out


def _exact_margin(cell_m: float) -> float:
    """How far from the buffer a rough grid distance may be at a corner of a cell the band's edge crosses: the
    distance changes by at most the cell diagonal across a cell, and the rough distance is off by at most half
    a diagonal."""
    return cell_m * (np.sqrt(2.0) + np.sqrt(0.5)) * 1.001


def _sublevel_polygons(node_x: np.ndarray, node_y: np.ndarray, field: np.ndarray, level: float) -> BaseGeometry:
    """The region where the grid ``field`` (rows along ``node_y``) is at most ``level``, linearly interpolated
    between nodes, as (multi)polygons with holes."""
    generator = contourpy.contour_generator(
        node_x, node_y, field, name="serial", fill_type=contourpy.FillType.ChunkCombinedOffsetOffset
    )
    # one chunk of (points, ring offsets, outer offsets) for the ChunkCombinedOffsetOffset fill type
    filled = cast("tuple[list[np.ndarray | None], ...]", generator.filled(-1.0, level))
    (points,), (ring_offsets,), (outer_offsets,) = filled
    if points is None:
        return shapely.Polygon()
    ring_sizes, polygon_sizes = np.diff(np.asarray(ring_offsets)), np.diff(np.asarray(outer_offsets))
    ring_of = np.repeat(np.arange(len(ring_sizes)), ring_sizes)
    polygon_of = np.repeat(np.arange(len(polygon_sizes)), polygon_sizes)
    polygons = shapely.polygons(shapely.linearrings(points, indices=ring_of), indices=polygon_of)
    shape = polygons[0] if len(polygons) == 1 else shapely.multipolygons(polygons)
    return shape if shapely.is_valid(shape) else shapely.make_valid(shape)


def _pieces_xy(
    network: RoadNetwork, whole: np.ndarray, partial: np.ndarray, start: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Vertices of whole edges and of the parts of ``partial`` edges from share ``start`` to the head.

    Returns the vertices (metres) and the offsets of each piece in them (whole edges first), in numpy: the
    cut point is interpolated on the segment of the polyline where the share of its length is ``start``.
    """
    go, gxy, share = network.geom_offsets, network.geom_xy, network.vertex_fraction
    # whole edges: their vertex ranges
    counts_w = go[whole + 1] - go[whole]
    # partial edges: the vertices beyond the cut (at least the head), plus the cut point before them
    counts_all = go[partial + 1] - go[partial]
    vertex = _ranges(go[partial], counts_all)
    owner = np.repeat(np.arange(len(partial)), counts_all)
    beyond = share[vertex] > start[owner]
    counts_p = np.bincount(owner[beyond], minlength=len(partial))
    first = go[partial + 1] - counts_p  # first vertex beyond the cut (shares grow along an edge)
    before = np.maximum(first - 1, go[partial])
    s0, s1 = share[before], share[first]
    t = np.divide(start - s0, s1 - s0, out=np.zeros(len(partial)), where=s1 > s0)[:, None]
    cut = gxy[before] * (1.0 - t) + gxy[first] * t
    pieces_p = np.empty((counts_p.sum() + len(partial), 2))
    offsets_p = np.concatenate([[0], np.cumsum(counts_p + 1)])
    pieces_p[offsets_p[:-1]] = cut
    is_cut = np.zeros(len(pieces_p), dtype=bool)
    is_cut[offsets_p[:-1]] = True
    pieces_p[~is_cut] = gxy[_ranges(first, counts_p)]
    xy = np.concatenate([gxy[_ranges(go[whole], counts_w)], pieces_p])
    offsets = np.concatenate([[0], np.cumsum(counts_w), counts_w.sum() + offsets_p[1:]]).astype(np.int64)
    return xy, offsets


def _ranges(first: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(first[i], first[i] + counts[i])``."""
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    return np.repeat(
        np.asarray(first, dtype=np.int64) - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts
    ) + np.arange(total)


def _own_edge_pieces(network: RoadNetwork, sites: Snap, k: int, budget_s: float) -> list[BaseGeometry]:
    """The reached parts of the edge the service stands on (points there reach it without a node)."""
    left_s = budget_s - sites.access_s[k]
    if left_s <= 0:
        return []
    edge = sites.edge[k]
    line = network.edge_lines[edge]
    at = 1.0 - sites.fraction[k] if sites.swapped[k] else sites.fraction[k]  # position along this edge's line
    along_s = network.edge_seconds[edge]  # direction of the line
    against_s = sites.forward_s[k] if sites.swapped[k] else sites.backward_s[k]
    pieces = [shapely.ops.substring(line, max(0.0, at - left_s / along_s), at, normalized=True)]
    if np.isfinite(against_s):
        pieces.append(shapely.ops.substring(line, at, min(1.0, at + left_s / against_s), normalized=True))
    return [p for p in pieces if p.geom_type == "LineString"]
