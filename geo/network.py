"""The routable road network as compact arrays, and snapping points onto it.

A :class:`RoadNetwork` holds node coordinates in the analysis CRS (metres) and the directed edges as a CSR
matrix of travel times in seconds (row = from-node). Oneway streets have one direction only. Each edge keeps its
length and polyline (flat coordinate arrays) for isochrones and snapping.

Points (settlements, services) are snapped to the nearest point on an edge; the straight line to it is an
*access leg* driven at :data:`ACCESS_SPEED_KMH`. A point farther than :data:`MAX_SNAP_M` from every road is
"not connected": it is kept and reported, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import networkx as nx
import numpy as np
import osmnx as ox
import scipy.sparse as sp
import shapely

from geo.speeds import SpeedProfile

ACCESS_SPEED_KMH = 20.0
"""Speed of the access leg from a point to the nearest road: a car on an unmapped steppe track or yard, km/h."""
MAX_SNAP_M = 5_000.0
"""A point farther than this from every road is reported as not connected, metres."""
SNAP_CACHE_SIZE = 8
"""Snapped point sets remembered per network (settlements are snapped again at every scenario change)."""
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

    def snap(self, x_m: np.ndarray, y_m: np.ndarray, *, max_snap_m: float = MAX_SNAP_M,
             access_speed_kmh: float = ACCESS_SPEED_KMH) -> Snap:
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
            return Snap(np.zeros(n, np.int32), np.zeros(n, np.int32), np.zeros(n), np.full(n, np.inf),
                        np.full(n, np.inf), np.full(n, np.inf), np.zeros(n, bool), np.full(n, np.inf),
                        np.full(n, -1, np.int64), np.zeros(n, bool))
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
        snap = Snap(low.astype(np.int32), high.astype(np.int32), fraction, forward_s, backward_s,
                    np.where(connected, access_s, np.inf), connected, distance_m, edge, swap)
        if len(self._snap_cache) >= SNAP_CACHE_SIZE:
            self._snap_cache.pop(next(iter(self._snap_cache)))
        self._snap_cache[key] = snap
        return snap


@dataclass(frozen=True)
class Snap:
    """Where points join the network.

    Each point lies on the road between nodes ``low`` and ``high`` (``low < high``) at ``fraction`` of the way
    from ``low``; ``forward_s``/``backward_s`` are the times of the whole edge ``low -> high`` / ``high -> low``
    (inf when oneway forbids it). ``access_s`` is the access leg, seconds (inf when not connected); ``distance_m`` its length, metres.
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


def network_from_graph(G: nx.MultiDiGraph, *, profile: SpeedProfile, analysis_crs: str,
                       source_sha256: str = "") -> RoadNetwork:
    """Build a :class:`RoadNetwork` from an unsimplified OSMnx graph in EPSG:4326.

    Ways whose ``highway`` class the profile does not drive (footways, paths) and ways closed to cars are
    dropped; each edge gets ``travel_time`` from the profile before the graph is simplified (only segments of
    equal speed are merged, times are summed). Parallel edges keep the fastest
    (``ox.convert.to_digraph(G, weight="travel_time")``).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Unsimplified graph with ``highway``, ``length`` and optionally ``maxspeed``/``surface`` edge attributes.
    profile : SpeedProfile
    analysis_crs : str
        Projected CRS for node coordinates and edge geometry (metres).
    source_sha256 : str
        Hash of the source file, kept for provenance.
    """
    G = G.copy()
    closed = {"no", "private"}
    drop = [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True)
            if not profile.drives(d.get("highway")) or d.get("area") == "yes"
            or closed & {d.get("access"), d.get("motor_vehicle"), d.get("motorcar")}]
    G.remove_edges_from(drop)
    G.remove_nodes_from([n for n in list(G.nodes) if G.degree(n) == 0])
    for _, _, data in G.edges(data=True):
        speed_kmh = profile.speed_kmh(data.get("highway"), maxspeed=data.get("maxspeed"),
                                      surface=data.get("surface"))
        data["speed_kmh"] = speed_kmh
        data["travel_time"] = float(data["length"]) / (speed_kmh / 3.6)
    if G.number_of_edges() and not G.graph.get("simplified", False):
        # a change of speed keeps a node, so speed is uniform along every simplified edge and a point at a
        # fraction of its length is at the same fraction of its time
        G = ox.simplify_graph(G, edge_attrs_differ=["speed_kmh"], remove_rings=False,
                              edge_attr_aggs={"length": "sum", "travel_time": "sum"})
    if G.number_of_nodes():
        G = ox.project_graph(G, to_crs=analysis_crs)
    D = ox.convert.to_digraph(G, weight="travel_time")
    return _arrays_from_digraph(D, analysis_crs=analysis_crs, profile_description=profile.describe(),
                                source_sha256=source_sha256)


def _arrays_from_digraph(D: nx.DiGraph, *, analysis_crs: str, profile_description: str,
                         source_sha256: str) -> RoadNetwork:
    nodes = list(D.nodes)
    index = {node: i for i, node in enumerate(nodes)}
    x_m = np.array([D.nodes[n]["x"] for n in nodes], dtype=float)
    y_m = np.array([D.nodes[n]["y"] for n in nodes], dtype=float)
    edges = sorted(((index[u], index[v], d) for u, v, d in D.edges(data=True)), key=lambda e: (e[0], e[1]))
    tails = np.array([e[0] for e in edges], dtype=np.int64)
    polylines = []
    for u, v, data in edges:
        geometry = data.get("geometry")
        coords = (np.asarray(geometry.coords, dtype=float) if geometry is not None
                  else np.array([[x_m[u], y_m[u]], [x_m[v], y_m[v]]]))
        polylines.append(coords[:, :2])
    counts = np.array([len(p) for p in polylines], dtype=np.int64)
    return RoadNetwork(
        x_m=x_m, y_m=y_m,
        indptr=np.concatenate([[0], np.cumsum(np.bincount(tails, minlength=len(nodes)))]).astype(np.int64),
        edge_to=np.array([e[1] for e in edges], dtype=np.int32),
        edge_seconds=np.maximum(np.array([e[2]["travel_time"] for e in edges], dtype=float), MIN_EDGE_SECONDS),
        edge_length_m=np.array([float(e[2]["length"]) for e in edges], dtype=float),
        geom_offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        geom_xy=np.concatenate(polylines) if polylines else np.zeros((0, 2)),
        crs=analysis_crs, profile_description=profile_description, source_sha256=source_sha256,
    )


ARRAY_FIELDS = ("x_m", "y_m", "indptr", "edge_to", "edge_seconds", "edge_length_m", "geom_offsets", "geom_xy")
TEXT_FIELDS = ("crs", "profile_description", "source_sha256")


def save_network(network: RoadNetwork, path) -> None:
    """Write the network's arrays to an ``.npz`` file."""
    arrays = {name: getattr(network, name) for name in ARRAY_FIELDS}
    texts = {name: np.array(getattr(network, name)) for name in TEXT_FIELDS}
    np.savez(path, **arrays, **texts)


def load_network(path) -> RoadNetwork:
    """Read a network written by :func:`save_network`."""
    with np.load(path, allow_pickle=False) as data:
        return RoadNetwork(**{name: data[name] for name in ARRAY_FIELDS},
                           **{name: str(data[name]) for name in TEXT_FIELDS})
