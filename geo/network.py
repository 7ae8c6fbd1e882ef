"""The routable road network as compact arrays, and snapping points onto it.

A :class:`RoadNetwork` holds node coordinates in the analysis CRS (metres) and the directed edges as a CSR
matrix of travel times in seconds (row = from-node). Oneway streets have one direction only. Each edge keeps its
length and polyline (flat coordinate arrays) for isochrones and snapping.

Points (settlements, services) are snapped to the nearest point on an edge; the straight line to it is an
*access leg* driven at :data:`ACCESS_SPEED_KMH`. A point farther than :data:`MAX_SNAP_M` from every road is
"not connected": it is kept and reported, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pyproj
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components

from geo.osmfile import WaySet

ACCESS_SPEED_KMH = 20.0
"""Speed of the access leg from a point to the nearest road: a car on an unmapped steppe track or yard, km/h."""
MAX_SNAP_M = 5_000.0
"""A point farther than this from every road is reported as not connected, metres."""
SNAP_CACHE_SIZE = 8
"""Snapped point sets remembered per network (settlements are snapped again at every scenario change)."""
EARTH_RADIUS_M = 6_371_009.0
"""Mean earth radius for great-circle lengths (OSMnx's value), metres."""
MIN_EDGE_SECONDS = 1e-3
"""Floor for edge and access weights so that no weight is an (ignored) zero, seconds."""


@dataclass(frozen=True)
class RoadNetwork:
    """Directed road network as compact arrays.

    Parameters
    ----------
    x_m, y_m : ndarray of float64, shape (n_nodes,)
        Node coordinates in ``crs``, metres.
    indptr : ndarray of int64, shape (n_nodes + 1,)
        CSR row pointers: the edges leaving node ``i`` are ``indptr[i]:indptr[i + 1]``.
    edge_to : ndarray of int32, shape (n_edges,)
        Head node of each edge (CSR column indices).
    edge_seconds : ndarray of float64, shape (n_edges,)
        Travel time along each edge, seconds.
    edge_length_m : ndarray of float64, shape (n_edges,)
        Length of each edge, metres.
    geom_offsets : ndarray of int64, shape (n_edges + 1,)
        Edge ``e``'s polyline is ``geom_xy[geom_offsets[e]:geom_offsets[e + 1]]`` (from tail to head).
    geom_xy : ndarray of float64, shape (n_vertices, 2)
        Polyline vertices in ``crs``, metres.
    crs : str
        The analysis CRS.
    profile_description : str
        :meth:`SpeedProfile.describe` of the speeds used.
    source_sha256 : str
        Hash of the source file ("" when built in memory).
    node_osm_id : ndarray of int64, shape (n_nodes,) or (0,)
        OpenStreetMap id of each node (empty for networks not built from OSM data).
    """

    x_m: np.ndarray
    y_m: np.ndarray
    indptr: np.ndarray
    edge_to: np.ndarray
    edge_seconds: np.ndarray
    edge_length_m: np.ndarray
    geom_offsets: np.ndarray
    geom_xy: np.ndarray
    crs: str
    profile_description: str
    source_sha256: str = ""
    node_osm_id: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def n_nodes(self) -> int:
        return len(self.x_m)

    @property
    def n_edges(self) -> int:
        return len(self.edge_to)

    @cached_property
    def edge_from(self) -> np.ndarray:
        """Tail node of each edge, int32."""
        return np.repeat(np.arange(self.n_nodes, dtype=np.int32), np.diff(self.indptr))

    @cached_property
    def seconds_matrix(self) -> sp.csr_matrix:
        """Travel-time CSR matrix, seconds, row = from-node."""
        return sp.csr_matrix((self.edge_seconds, self.edge_to, self.indptr), shape=(self.n_nodes,) * 2)

    @cached_property
    def reversed_seconds_matrix(self) -> sp.csr_matrix:
        """Transposed travel-time matrix (row = to-node): searches on it give times *towards* a node."""
        return self.seconds_matrix.T.tocsr()

    @cached_property
    def edge_lines(self) -> np.ndarray:
        """Edge polylines as shapely LineStrings (built once, for snapping and isochrones)."""
        counts = np.diff(self.geom_offsets)
        return shapely.linestrings(self.geom_xy, indices=np.repeat(np.arange(self.n_edges), counts))

    @cached_property
    def edge_twin(self) -> np.ndarray:
        """Index of the edge in the opposite direction (``head -> tail``) of each edge, -1 where there is none."""
        forward = self.edge_from.astype(np.int64) * self.n_nodes + self.edge_to
        backward = self.edge_to.astype(np.int64) * self.n_nodes + self.edge_from
        order = np.argsort(forward, kind="stable")
        at = np.clip(np.searchsorted(forward[order], backward), 0, max(self.n_edges - 1, 0))
        found = forward[order][at] == backward if self.n_edges else np.zeros(0, dtype=bool)
        return np.where(found, order[at] if self.n_edges else at, -1)

    @cached_property
    def in_edges(self) -> tuple[np.ndarray, np.ndarray]:
        """Edges by head node: ``order[indptr[v]:indptr[v + 1]]`` are the edges entering node ``v``."""
        order = np.argsort(self.edge_to, kind="stable")
        indptr = np.concatenate([[0], np.cumsum(np.bincount(self.edge_to, minlength=self.n_nodes))])
        return indptr.astype(np.int64), order

    @cached_property
    def vertex_fraction(self) -> np.ndarray:
        """Share of its edge's polyline length at each vertex of ``geom_xy`` (0 at the tail, 1 at the head)."""
        counts = np.diff(self.geom_offsets)
        step = np.zeros(len(self.geom_xy))
        if len(step) > 1:
            step[1:] = np.hypot(*np.diff(self.geom_xy, axis=0).T)
        step[self.geom_offsets[:-1][counts > 0]] = 0.0  # no step across the start of an edge
        along = np.cumsum(step)
        along -= np.repeat(along[self.geom_offsets[:-1]], counts)
        total = np.repeat(along[np.maximum(self.geom_offsets[1:] - 1, 0)], counts)
        return np.divide(along, total, out=np.ones_like(along), where=total > 0)

    @cached_property
    def node_component(self) -> np.ndarray:
        """Weakly connected component of each node, int64 (ignoring direction: the pieces of road that touch)."""
        if self.n_nodes == 0:
            return np.zeros(0, dtype=np.int64)
        _, labels = connected_components(self.seconds_matrix, directed=True, connection="weak")
        return labels.astype(np.int64)

    def nearest_road_m(self, x_m: np.ndarray, y_m: np.ndarray) -> np.ndarray:
        """Distance from each point to the nearest edge, with no limit, metres (inf on a network without edges)."""
        points = shapely.points(np.asarray(x_m, float), np.asarray(y_m, float))
        if self.n_edges == 0 or len(points) == 0:
            return np.full(len(points), np.inf)
        point_idx, edge_idx = self._edge_tree.query_nearest(points, all_matches=False)
        distance_m = np.full(len(points), np.inf)
        distance_m[point_idx] = shapely.distance(self.edge_lines[edge_idx], points[point_idx])
        return distance_m

    @cached_property
    def _snap_cache(self) -> dict:
        return {}

    @cached_property
    def _edge_tree(self) -> shapely.STRtree:
        return shapely.STRtree(self.edge_lines)

    def edge_seconds_between(self, tail: np.ndarray, head: np.ndarray) -> np.ndarray:
        """Travel time of the edge ``tail -> head`` for each pair, seconds (inf where there is none)."""
        if len(tail) == 0:
            return np.zeros(0)
        values = np.asarray(self.seconds_matrix[np.asarray(tail), np.asarray(head)]).ravel()
        return np.where(values > 0, values, np.inf)  # weights are >= MIN_EDGE_SECONDS, so 0 means "no edge"

    def snap(
        self,
        x_m: np.ndarray,
        y_m: np.ndarray,
        *,
        max_snap_m: float = MAX_SNAP_M,
        access_speed_kmh: float = ACCESS_SPEED_KMH,
    ) -> Snap:
        """Snap points to the nearest point on an edge.

        Parameters
        ----------
        x_m, y_m : array-like of float
            Point coordinates in :attr:`crs`, metres.
        max_snap_m : float
            Points farther than this from every edge are marked not connected, metres.
        access_speed_kmh : float
            Speed of the straight access leg, km/h.

        Returns
        -------
        Snap
        """
        points = shapely.points(np.asarray(x_m, float), np.asarray(y_m, float))
        if self.n_edges == 0 or len(points) == 0:
            n = len(points)
            return Snap(
                np.zeros(n, np.int32),
                np.zeros(n, np.int32),
                np.zeros(n),
                np.full(n, np.inf),
                np.full(n, np.inf),
                np.full(n, np.inf),
                np.zeros(n, bool),
                np.full(n, np.inf),
                np.full(n, -1, np.int64),
                np.zeros(n, bool),
            )
        key = (np.asarray(x_m, float).tobytes(), np.asarray(y_m, float).tobytes(), max_snap_m, access_speed_kmh)
        if key in self._snap_cache:  # a scenario change re-snaps the same settlements: reuse
            return self._snap_cache[key]
        # bounded search: points beyond the snap limit are not connected anyway, and it is much faster
        point_idx, edge_idx = self._edge_tree.query_nearest(points, max_distance=max_snap_m, all_matches=False)
        edge = np.zeros(len(points), dtype=np.int64)
        edge[point_idx] = edge_idx
        lines = self.edge_lines[edge]
        along_m = shapely.line_locate_point(lines, points)
        distance_m = shapely.distance(lines, points)
        found = np.zeros(len(points), dtype=bool)
        found[point_idx] = True
        distance_m = np.where(found, distance_m, np.inf)
        line_length_m = shapely.length(lines)
        fraction = np.divide(along_m, line_length_m, out=np.zeros(len(points)), where=line_length_m > 0)
        tail = self.edge_from[edge]
        head = self.edge_to[edge]
        # canonical order (low node first) so that both directions of a two-way road compare equal
        swap = tail > head
        low, high = np.where(swap, head, tail), np.where(swap, tail, head)
        fraction = np.where(swap, 1.0 - fraction, fraction)
        forward_s = self.edge_seconds_between(low, high)
        backward_s = self.edge_seconds_between(high, low)
        access_s = distance_m / (access_speed_kmh / 3.6)
        connected = distance_m <= max_snap_m
        snap = Snap(
            low.astype(np.int32),
            high.astype(np.int32),
            fraction,
            forward_s,
            backward_s,
            np.where(connected, access_s, np.inf),
            connected,
            distance_m,
            edge,
            swap,
        )
        if len(self._snap_cache) >= SNAP_CACHE_SIZE:
            self._snap_cache.pop(next(iter(self._snap_cache)))
        self._snap_cache[key] = snap
        return snap


@dataclass(frozen=True)
class Snap:
    """Where points join the network.

    Each point lies on the road between nodes ``low`` and ``high`` (``low < high``) at ``fraction`` of the way
    from ``low``; ``forward_s``/``backward_s`` are the times of the whole edge ``low -> high`` / ``high -> low``
    (inf when oneway forbids it). ``access_s`` is the access leg, seconds (inf when not connected); ``distance_m``
    its length, metres.
    ``edge`` is the index of the edge whose polyline was nearest; ``swapped`` is True where that edge runs
    ``high -> low``.
    """

    low: np.ndarray
    high: np.ndarray
    fraction: np.ndarray
    forward_s: np.ndarray
    backward_s: np.ndarray
    access_s: np.ndarray
    connected: np.ndarray
    distance_m: np.ndarray
    edge: np.ndarray
    swapped: np.ndarray

    def leave_costs(self) -> tuple[np.ndarray, np.ndarray]:
        """Seconds from each point (after its access leg) to ``low`` and to ``high`` along its edge."""
        return along_seconds(self.fraction, self.backward_s), along_seconds(1.0 - self.fraction, self.forward_s)

    def arrive_costs(self) -> tuple[np.ndarray, np.ndarray]:
        """Seconds from ``low`` and from ``high`` along the edge to each point (before its access leg)."""
        return along_seconds(self.fraction, self.forward_s), along_seconds(1.0 - self.fraction, self.backward_s)


def along_seconds(share: np.ndarray, edge_seconds: np.ndarray) -> np.ndarray:
    """Time to cover ``share`` of an edge, seconds: 0 for no distance even on a forbidden (inf) direction."""
    share = np.asarray(share, dtype=float)
    return np.where(share > 0, share * np.where(share > 0, edge_seconds, 0.0), 0.0)


def network_from_ways(
    ways: WaySet, *, analysis_crs: str, profile_description: str, source_sha256: str = ""
) -> RoadNetwork:
    """Build a :class:`RoadNetwork` from drivable ways, in numpy (no networkx, no XML).

    Ways are split into edges at *junctions*: a way's first and last node and every node that more than one way
    (or one way twice) passes through. Speed is uniform along a way, so a change of speed is always at a way's
    end and thus at an edge's end: a point at a fraction of an edge's length is at the same fraction of its
    time. A ring is split at its middle node, so no edge leaves and enters the same node. Edge length is the
    great-circle length of its polyline (as OSMnx measures it); parallel edges keep the fastest (as
    ``ox.convert.to_digraph(G, weight="travel_time")``).

    Parameters
    ----------
    ways : WaySet
    analysis_crs : str
        Projected CRS for node coordinates and edge geometry (metres).
    profile_description : str
        :meth:`SpeedProfile.describe` of the speeds the ways were given.
    source_sha256 : str
        Hash of the source file, kept for provenance.
    """
    n_refs = len(ways.node_id)
    if ways.n_ways == 0:
        return _empty_network(analysis_crs, profile_description, source_sha256)
    way_of_ref = ways.way_of_ref()
    first, last = ways.way_offsets[:-1], ways.way_offsets[1:] - 1
    # junctions: way ends and nodes met more than once
    _, node_of_ref, occurrences = np.unique(ways.node_id, return_inverse=True, return_counts=True)
    junction = occurrences[node_of_ref] > 1
    junction[first] = True
    junction[last] = True
    for _ in range(2):  # split rings (an edge from a node back to itself) at their middle node
        start, end = _edge_spans(junction, last)
        loops = (ways.node_id[start] == ways.node_id[end]) & (end - start >= 2)
        if not loops.any():
            break
        junction[(start[loops] + end[loops]) // 2] = True
    start, end = _edge_spans(junction, last)
    keep = ways.node_id[start] != ways.node_id[end]  # a two-node ring would be a self-loop: drop
    start, end = start[keep], end[keep]
    # great-circle length of every segment (to the next node of the same way), summed along each edge
    segment_m = np.zeros(n_refs)
    segment_m[:-1] = _great_circle_m(ways.lat[:-1], ways.lon[:-1], ways.lat[1:], ways.lon[1:])
    segment_m[last] = 0.0
    cumulative_m = np.concatenate([[0.0], np.cumsum(segment_m)])
    length_m = cumulative_m[end] - cumulative_m[start]
    way = way_of_ref[start]
    seconds = length_m / (ways.speed_kmh[way] / 3.6)
    # directed edges: along the way where it may be driven so, against it where that is allowed
    fwd, bwd = ways.forward[way], ways.backward[way]
    tail_ref = np.concatenate([start[fwd], end[bwd]])
    head_ref = np.concatenate([end[fwd], start[bwd]])
    reverse = np.concatenate([np.zeros(fwd.sum(), bool), np.ones(bwd.sum(), bool)])
    seconds = np.concatenate([seconds[fwd], seconds[bwd]])
    length_m = np.concatenate([length_m[fwd], length_m[bwd]])
    # nodes: the junctions, numbered in order of OSM id
    node_ids = np.unique(ways.node_id[np.concatenate([start, end])])
    tails = np.searchsorted(node_ids, ways.node_id[tail_ref])
    heads = np.searchsorted(node_ids, ways.node_id[head_ref])
    # parallel edges keep the fastest; then CSR order (tail, head)
    order = np.lexsort((seconds, heads, tails))
    tails, heads = tails[order], heads[order]
    fastest = np.ones(len(order), dtype=bool)
    fastest[1:] = (tails[1:] != tails[:-1]) | (heads[1:] != heads[:-1])
    order = order[fastest]
    tails, heads = tails[fastest], heads[fastest]
    tail_ref, head_ref, reverse = tail_ref[order], head_ref[order], reverse[order]
    seconds, length_m = seconds[order], length_m[order]
    # coordinates in the analysis CRS: every referenced node once, then polylines by index
    transformer = pyproj.Transformer.from_crs("EPSG:4326", analysis_crs, always_xy=True)
    ref_x, ref_y = transformer.transform(ways.lon, ways.lat)
    node_ref = np.empty(len(node_ids), dtype=np.int64)
    node_ref[np.searchsorted(node_ids, ways.node_id[tail_ref])] = tail_ref
    node_ref[np.searchsorted(node_ids, ways.node_id[head_ref])] = head_ref
    low, high = np.minimum(tail_ref, head_ref), np.maximum(tail_ref, head_ref)
    counts = high - low + 1
    geom_offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    step = np.arange(geom_offsets[-1]) - np.repeat(geom_offsets[:-1], counts)
    vertex = np.where(np.repeat(reverse, counts), np.repeat(high, counts) - step, np.repeat(low, counts) + step)
    return RoadNetwork(
        x_m=np.asarray(ref_x)[node_ref],
        y_m=np.asarray(ref_y)[node_ref],
        indptr=np.concatenate([[0], np.cumsum(np.bincount(tails, minlength=len(node_ids)))]).astype(np.int64),
        edge_to=heads.astype(np.int32),
        edge_seconds=np.maximum(seconds, MIN_EDGE_SECONDS),
        edge_length_m=length_m,
        geom_offsets=geom_offsets,
        geom_xy=np.column_stack([np.asarray(ref_x)[vertex], np.asarray(ref_y)[vertex]]),
        crs=analysis_crs,
        profile_description=profile_description,
        source_sha256=source_sha256,
        node_osm_id=node_ids.astype(np.int64),
    )


def _edge_spans(junction: np.ndarray, way_last: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Reference positions (start, end) of the edges between consecutive junctions of the same way."""
    at = np.flatnonzero(junction)
    is_last = np.zeros(len(junction), dtype=bool)
    is_last[way_last] = True
    inner = ~is_last[at[:-1]]  # a way's last node starts no edge
    return at[:-1][inner], at[1:][inner]


def _great_circle_m(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distance, metres (haversine on a sphere of :data:`EARTH_RADIUS_M`, as OSMnx)."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, np.radians(lon2 - lon1)
    h = np.sin(d_phi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _empty_network(analysis_crs: str, profile_description: str, source_sha256: str) -> RoadNetwork:
    return RoadNetwork(
        x_m=np.zeros(0),
        y_m=np.zeros(0),
        indptr=np.zeros(1, np.int64),
        edge_to=np.zeros(0, np.int32),
        edge_seconds=np.zeros(0),
        edge_length_m=np.zeros(0),
        geom_offsets=np.zeros(1, np.int64),
        geom_xy=np.zeros((0, 2)),
        crs=analysis_crs,
        profile_description=profile_description,
        source_sha256=source_sha256,
    )


ARRAY_FIELDS = (
    "x_m",
    "y_m",
    "indptr",
    "edge_to",
    "edge_seconds",
    "edge_length_m",
    "geom_offsets",
    "geom_xy",
    "node_osm_id",
)
TEXT_FIELDS = ("crs", "profile_description", "source_sha256")


def save_network(network: RoadNetwork, path: str | Path) -> None:
    """Write the network's arrays to an ``.npz`` file."""
    arrays = {name: getattr(network, name) for name in ARRAY_FIELDS}
    texts = {name: np.array(getattr(network, name)) for name in TEXT_FIELDS}
    np.savez(path, **arrays, **texts)  # type: ignore[arg-type]  # numpy's stub types **kwds as its own options


def load_network(path: str | Path) -> RoadNetwork:
    """Read a network written by :func:`save_network`."""
    with np.load(path, allow_pickle=False) as data:
        return RoadNetwork(
            **{name: data[name] for name in ARRAY_FIELDS},
            **{name: str(data[name]) for name in TEXT_FIELDS},  # type: ignore[arg-type]  # fields by name
        )
