"""Isochrone bands: the area within 15/30/60 minutes of each service.

With a network, a band is the union of the road pieces from which the service is reached within the time —
whole edges and the reached part of partly reached edges, cut along the edge geometry — buffered by
:data:`ISOCHRONE_BUFFER_M`. Not convex hulls: a hull around a few trunk roads claims the empty steppe between them.
Bands nest (each band is unioned with the smaller ones) and are clipped to the region outline.

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
    DEFAULT_CIRCUITY, DEFAULT_ESTIMATE_SPEED_KMH, METHOD_ESTIMATE, METHOD_NETWORK, _check_network_crs,
    _graph_with_sites, _xy_m, estimate_description,
)

DEFAULT_BANDS_MINUTES = (15, 30, 60)
ISOCHRONE_BUFFER_M = 500.0
"""Width added on each side of reached roads: the access distance (1.5 min at the 20 km/h access speed), metres."""
BUFFER_QUAD_SEGMENTS = 4
"""Segments per quarter circle in buffers (fewer is faster; 4 is smooth enough at map scale)."""
OUTPUT_CRS = "EPSG:4326"
CLIP_SEGMENT_DEG = 0.01
"""The outline is densified to this segment length (degrees) before it is projected for clipping."""


def isochrones(network: RoadNetwork | None, services: gpd.GeoDataFrame, *, analysis_crs: str,
               minutes: Sequence[float] = DEFAULT_BANDS_MINUTES, boundary: BaseGeometry | None = None,
               buffer_m: float = ISOCHRONE_BUFFER_M, circuity: float = DEFAULT_CIRCUITY,
               estimate_speed_kmh: float = DEFAULT_ESTIMATE_SPEED_KMH, max_snap_m: float = MAX_SNAP_M,
               access_speed_kmh: float = ACCESS_SPEED_KMH) -> gpd.GeoDataFrame:
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
            shapes, covered = [], np.zeros(network.n_edges, dtype=bool)
            for band in bands:
                # edges wholly inside the smaller band are already in its polygon: buffer only the rest
                lines, covered_now = _reached_roads(network, sites, k, node_s, band * 60.0, (sx[k], sy[k]),
                                                    skip=covered)
                covered |= covered_now
                shapes.append(shapely.union_all(shapely.buffer(lines, buffer_m, quad_segs=BUFFER_QUAD_SEGMENTS)))
            rows.extend(_nested_rows(sid, bands, shapes, clip))
    frame = gpd.GeoDataFrame(
        {"service_id": [r[0] for r in rows], "minutes": [r[1] for r in rows], "method": method},
        geometry=[r[2] for r in rows], crs=analysis_crs,
    ).to_crs(OUTPUT_CRS)
    frame.attrs["description"] = description
    return frame


def _estimate_radius_m(minutes: float, circuity: float, speed_kmh: float) -> float:
    return speed_kmh / 3.6 * minutes * 60.0 / circuity


def _nested_rows(service_id: str, bands: list[float], shapes: list[BaseGeometry],
                 clip: BaseGeometry | None) -> list[tuple[str, float, BaseGeometry]]:
    rows = []
    previous = shapely.Polygon()
    for band, shape in zip(bands, shapes):
        nested = shapely.union(shape, previous)
        previous = nested
        rows.append((service_id, band, nested if clip is None else shapely.intersection(nested, clip)))
    return rows


def _reached_roads(network: RoadNetwork, sites, k: int, node_s: np.ndarray, budget_s: float,
                   service_xy_m: tuple[float, float], *, skip: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Road pieces from which service ``k`` is reached within ``budget_s``, and the service's own point.

    Returns the geometries (``skip``-ped edges left out; of a two-way road wholly reached one direction
    only) and the mask of edges wholly reached.
    """
    if not sites.connected[k]:
        return np.array([], dtype=object), np.zeros(network.n_edges, dtype=bool)
    left_s = budget_s - node_s[network.edge_to]
    reached = left_s > 0
    start = np.where(reached, np.clip(1.0 - left_s / network.edge_seconds, 0.0, 1.0), 1.0)
    full = reached & (start <= 0.0)
    tail, head = network.edge_from, network.edge_to
    twin_full = full & (tail > head) & _has_full_twin(network, full)  # same polyline as its full twin
    whole = np.flatnonzero(full & ~skip & ~twin_full)
    partial = np.flatnonzero(reached & ~full)
    lines = [shapely.Point(service_xy_m), *network.edge_lines[whole]]
    lines += [shapely.ops.substring(network.edge_lines[e], start[e], 1.0, normalized=True) for e in partial]
    lines += _own_edge_pieces(network, sites, k, budget_s)
    return np.array([g for g in lines if not g.is_empty], dtype=object), full


def _has_full_twin(network: RoadNetwork, full: np.ndarray) -> np.ndarray:
    """For each edge, whether the edge in the opposite direction exists and is wholly reached."""
    forward = network.edge_from.astype(np.int64) * network.n_nodes + network.edge_to
    backward = network.edge_to.astype(np.int64) * network.n_nodes + network.edge_from
    full_keys = np.sort(forward[full])
    at = np.clip(np.searchsorted(full_keys, backward), 0, max(len(full_keys) - 1, 0))
    return (full_keys[at] == backward) if len(full_keys) else np.zeros(len(full), dtype=bool)


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
