"""Isochrone bands: the area within 15/30/60 minutes of each service.

With a network, a band is the union of the road pieces from which the service is reached within the time —
whole edges and the reached part of partly reached edges, cut along the edge geometry — buffered by
:data:`ISOCHRONE_BUFFER_M`. Not convex hulls: a hull around a few trunk roads claims the empty steppe between them.
Bands nest (each band is unioned with the smaller ones) and are clipped to the region outline.

How, fast: the pieces are cut in numpy (the cut point interpolated on the polyline, no shapely per edge), only
among the edges whose head the search reached; pieces meeting at a node are joined straight across into chains
(a few thousand lines instead of tens of thousands of edges: GEOS unions the buffers of fewer, longer lines
several times faster); the chains are simplified by 1 % of the buffer and each is buffered narrower by exactly
how far its simplification strays, so no point of a band is farther than the buffer from a reached road. A band
inside the outline is not intersected with it. Measured in ``bench/bench_isochrones.py``.

Without a network, bands are circles of radius speed × time / circuity (the labelled estimate).
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import shapely
import shapely.ops
from scipy.sparse.csgraph import dijkstra
from shapely.geometry.base import BaseGeometry

from geo.network import ACCESS_SPEED_KMH, MAX_SNAP_M, RoadNetwork
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
BUFFER_QUAD_SEGMENTS = 4
"""Segments per quarter circle in buffers (fewer is faster; 4 is smooth enough at map scale)."""
SIMPLIFY_SHARE = 0.01
"""Tolerance of the simplification of reached roads before buffering, as a share of the buffer: a simplified line
stays within the tolerance of the road, so buffering it narrower by its distance from the road (at most 1 % of the
buffer) keeps every point of a band within the access distance of a reached road and takes at most 2 % off a
band's width along a curvy road (a tenth or a twentieth of the buffer, as often used for display, would take
10-20 % off a lone road's corridor; straight roads lose nothing)."""
CHAIN_PIECES = 64
"""Most road pieces joined into one line before buffering (longer chains overlap themselves more)."""
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
            rows.extend(_nested_rows(sid, bands, shapes, clip))
    else:
        method = METHOD_NETWORK
        description = network.profile_description
        _check_network_crs(network, analysis_crs)
        sites = network.snap(sx, sy, max_snap_m=max_snap_m, access_speed_kmh=access_speed_kmh)
        graph = _graph_with_sites(network, sites)
        for k, sid in enumerate(service_ids):
            node_s = dijkstra(graph, directed=True, indices=network.n_nodes + k, limit=bands[-1] * 60.0)
            # only edges whose head is reached at all can be reached: work on those, not the whole network
            indptr, by_head = network.in_edges
            heads = np.flatnonzero(np.isfinite(node_s[: network.n_nodes]))
            candidates = by_head[_ranges(indptr[heads], indptr[heads + 1] - indptr[heads])]
            shapes, covered = [], np.zeros(len(candidates), dtype=bool)
            for band in bands:
                # edges wholly inside the smaller band are already in its polygon: buffer only the rest
                lines, covered_now = _reached_roads(
                    network, sites, k, node_s, band * 60.0, (sx[k], sy[k]), candidates=candidates, skip=covered
                )
                covered |= covered_now
                shapes.append(_buffered(lines, buffer_m))
            rows.extend(_nested_rows(sid, bands, shapes, clip))
    frame = gpd.GeoDataFrame(
        {"service_id": [r[0] for r in rows], "minutes": [r[1] for r in rows], "method": method},
        geometry=[r[2] for r in rows],
        crs=analysis_crs,
    ).to_crs(OUTPUT_CRS)
    frame.attrs["description"] = description
    return frame


def _buffered(lines: np.ndarray, buffer_m: float) -> BaseGeometry:
    """The union of ``lines`` buffered by ``buffer_m``, the lines simplified first.

    Simplifying by :data:`SIMPLIFY_SHARE` of the buffer (5 m of 500 m) halves the time on real, curvy OSM roads;
    each simplified line is buffered narrower by how far it strays from its road (at most the tolerance), so that
    every point is still within ``buffer_m`` of a road.
    """
    simple = shapely.simplify(lines, buffer_m * SIMPLIFY_SHARE, preserve_topology=False)
    # narrower by how far each simplified line strays from its road (0 where nothing was left out)
    changed = np.flatnonzero(shapely.get_num_coordinates(simple) < shapely.get_num_coordinates(lines))
    width_m = np.full(len(lines), float(buffer_m))
    width_m[changed] -= shapely.hausdorff_distance(simple[changed], lines[changed])
    return shapely.union_all(shapely.buffer(simple, width_m, quad_segs=BUFFER_QUAD_SEGMENTS))


def _estimate_radius_m(minutes: float, circuity: float, speed_kmh: float) -> float:
    return speed_kmh / 3.6 * minutes * 60.0 / circuity


def _nested_rows(
    service_id: str, bands: list[float], shapes: list[BaseGeometry], clip: BaseGeometry | None
) -> list[tuple[str, float, BaseGeometry]]:
    rows = []
    previous = shapely.Polygon()
    for band, shape in zip(bands, shapes):
        nested = shapely.union(shape, previous)
        previous = nested
        inside = clip is None or shapely.covers(clip, nested)  # the outline is prepared: a quick test first
        rows.append((service_id, band, nested if inside else shapely.intersection(nested, clip)))
    return rows


def _reached_roads(
    network: RoadNetwork,
    sites,
    k: int,
    node_s: np.ndarray,
    budget_s: float,
    service_xy_m: tuple[float, float],
    *,
    candidates: np.ndarray,
    skip: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Road pieces from which service ``k`` is reached within ``budget_s``, and the service's own point.

    Whole edges and the reached tail-ward part of partly reached edges are cut in numpy (no shapely per
    edge) and joined end to end into chains of at most :data:`CHAIN_PIECES` pieces (see :func:`_chains`):
    the union of a few thousand chain buffers is several times faster than that of one buffer per edge.

    Returns the geometries (``skip``-ped edges left out; of a two-way road wholly reached one direction
    only) and the mask of edges wholly reached.
    """
    if not sites.connected[k]:
        return np.array([], dtype=object), np.zeros(len(candidates), dtype=bool)
    seconds = network.edge_seconds[candidates]
    tail, head = network.edge_from[candidates], network.edge_to[candidates]
    left_s = budget_s - node_s[head]
    reached = left_s > 0
    start = np.where(reached, np.clip(1.0 - left_s / seconds, 0.0, 1.0), 1.0)
    full = reached & (start <= 0.0)
    full_anywhere = np.zeros(network.n_edges + 1, dtype=bool)  # the last entry stands for "no twin" (-1)
    full_anywhere[candidates[full]] = True
    twin_full = full & (tail > head) & full_anywhere[network.edge_twin[candidates]]  # same polyline as its twin
    whole_at = np.flatnonzero(full & ~skip & ~twin_full)
    partial_at = np.flatnonzero(reached & ~full)
    whole, partial = candidates[whole_at], candidates[partial_at]
    tail, head, start = network.edge_from, network.edge_to, start[partial_at]
    xy, offsets = _pieces_xy(network, whole, partial, start)
    # ends of the pieces: nodes, except the cut end of a partial piece (an end of its own)
    n_pieces = len(whole) + len(partial)
    end_a = np.concatenate([tail[whole], network.n_nodes + np.arange(len(whole), n_pieces)])
    end_b = np.concatenate([head[whole], head[partial]])
    chains = _chains(xy, offsets, end_a, end_b)
    lines = np.concatenate(
        [[shapely.Point(service_xy_m)], chains, np.array(_own_edge_pieces(network, sites, k, budget_s), dtype=object)]
    )
    return lines[~shapely.is_empty(lines)], full


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


def _chains(xy: np.ndarray, offsets: np.ndarray, end_a: np.ndarray, end_b: np.ndarray) -> np.ndarray:
    """Pieces joined end to end at shared ends into LineStrings of at most :data:`CHAIN_PIECES` pieces.

    At each end node the pieces meeting there are paired two by two (a piece continues into its partner), so
    every piece is in exactly one chain and no piece is repeated: the union of the chains is the union of the
    pieces, with far fewer geometries to buffer and union.
    """
    n = len(end_a)
    if n == 0:
        return np.array([], dtype=object)
    ends = np.concatenate([end_a, end_b])  # end i belongs to piece i % n, side i // n (0: first vertex)
    # the direction each piece leaves its end in; at a node the pieces are paired straight across (sorted by
    # direction, the first half with the second half): chains run like streets, not zigzag
    outward = np.concatenate([xy[offsets[:-1] + 1] - xy[offsets[:-1]], xy[offsets[1:] - 2] - xy[offsets[1:] - 1]])
    order = np.lexsort((np.arctan2(outward[:, 1], outward[:, 0]), ends))
    ends_sorted = ends[order]
    first = np.searchsorted(ends_sorted, ends_sorted, side="left")
    size = np.searchsorted(ends_sorted, ends_sorted, side="right") - first
    rank = np.arange(2 * n) - first
    half = size // 2
    across = np.flatnonzero(rank < half)
    partner = np.full(2 * n, -1, dtype=np.int64)
    partner[order[across]], partner[order[across + half[across]]] = order[across + half[across]], order[across]
    partner_of = partner.tolist()
    # walk: start at unpaired ends (open chains), then whatever is left (closed loops)
    seen = bytearray(n)
    pieces_walked: list[int] = []
    reversed_walked: list[int] = []
    chain_walked: list[int] = []
    chain = -1
    starts = [e for e in range(2 * n) if partner_of[e] < 0] + list(range(n))
    for entry in starts:
        piece = entry % n
        if seen[piece]:
            continue
        chain += 1
        length = 0
        while not seen[piece]:
            seen[piece] = 1
            side = entry // n
            pieces_walked.append(piece)
            reversed_walked.append(side)  # entered at the last vertex: walk it backwards
            chain_walked.append(chain)
            length += 1
            out_end = piece + (1 - side) * n
            entry = partner_of[out_end]
            if entry < 0:
                break
            piece = entry % n
            if length >= CHAIN_PIECES and not seen[piece]:
                chain, length = chain + 1, 0
    walk_piece = np.array(pieces_walked)
    walk_reversed = np.array(reversed_walked, dtype=bool)
    chain_of = np.array(chain_walked)
    counts = offsets[walk_piece + 1] - offsets[walk_piece]
    head_of_chain = np.ones(len(walk_piece), dtype=bool)
    head_of_chain[1:] = chain_of[1:] != chain_of[:-1]
    # every piece but a chain's first drops its first vertex (the shared end, already there)
    step = _ranges(np.zeros(len(counts), dtype=np.int64), counts)
    index = np.where(
        np.repeat(walk_reversed, counts),
        np.repeat(offsets[walk_piece + 1] - 1, counts) - step,
        np.repeat(offsets[walk_piece], counts) + step,
    )
    keep = (step > 0) | np.repeat(head_of_chain, counts)
    lines = shapely.linestrings(xy[index[keep]], indices=np.repeat(chain_of, counts)[keep])
    return lines


def _own_edge_pieces(network: RoadNetwork, sites, k: int, budget_s: float) -> list[BaseGeometry]:
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
