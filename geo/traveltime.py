"""Travel times from settlements to services: over the road network where it connects them, else a labelled estimate.

Direction matters: travel is *from the village to the service*. Searches therefore run on the reversed graph,
starting at the services: the distance found at a node is the time from that node to the nearest service.
Each service enters the search as a virtual node joined to both ends of the road it was snapped to, with the
part of the edge and its access leg as weights; a settlement adds its own access leg and the part of its edge.

One rule decides, for every (site, settlement) pair, how its time is obtained (:func:`network_pairs`, as AccessMod
treats off-road travel): when both lie within :attr:`TravelConstants.max_access_km` of a road (boundary included)
and those roads are connected (one weakly connected piece of the network), the time is the network time plus the
access legs at :attr:`TravelConstants.access_speed_kmh`; otherwise it is the labelled straight-line estimate, the
distance in the analysis CRS × :attr:`TravelConstants.circuity` at :attr:`TravelConstants.estimate_speed_kmh`.
Without a network every pair is an estimate. A settlement's time is the best over the sites, and its method the
method of that best pair. "Unreachable" is left only where nothing reaches it: no services at all, or one-way roads
that allow no path to any service of its own piece of network.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree
from shapely.ops import substring

from geo.errors import CrsError, QorgauError
from geo.network import ACCESS_SPEED_KMH, MAX_SNAP_M, MIN_EDGE_SECONDS, RoadNetwork, Snap, along_seconds

DEFAULT_CIRCUITY = 1.3
"""Road distance / straight-line distance assumed by the estimate."""
DEFAULT_ESTIMATE_SPEED_KMH = 40.0
"""Average road speed assumed by the estimate, km/h."""
DEFAULT_MAX_ACCESS_KM = MAX_SNAP_M / 1000.0
"""A settlement or site farther than this from every road gets straight-line estimated times, km."""
DEFAULT_ACCESS_SPEED_KMH = ACCESS_SPEED_KMH
"""Off-road speed of the access leg between a point and its road, km/h."""
CONSTANT_RANGES = {
    "max_access_km": (0.0, 100.0),
    "access_speed_kmh": (1.0, 120.0),
    "circuity": (1.0, 5.0),
    "estimate_speed_kmh": (1.0, 150.0),
}
"""Allowed (lowest, highest) value of each :class:`TravelConstants` field; the lowest excluded for the distance."""
MATRIX_CHUNK_SITES = 32
"""Sites searched together when building a minutes matrix (bounds memory: chunk × nodes × 8 bytes)."""

METHOD_NETWORK = "network"
METHOD_ESTIMATE = "estimate"
STATUS_OK = "ok"
STATUS_UNREACHABLE = "unreachable"
REASON_NO_SERVICES = "no_services"
"""Why a settlement is unreachable: there is no service at all."""
REASON_ONEWAY = "oneway"
"""Why a settlement is unreachable: one-way roads allow no path to any service of its piece of network."""


class TravelConstantsError(QorgauError, ValueError):
    """A travel constant out of its range (:data:`CONSTANT_RANGES`) or not a number."""


@dataclass(frozen=True)
class TravelConstants:
    """The stated constants of access legs and the straight-line estimate (stored per region by a deployment).

    Attributes
    ----------
    max_access_km : float
        A point farther than this from every road is not joined to the network: its pairs are estimated, km. A point
        exactly this far is joined.
    access_speed_kmh : float
        Off-road speed of the access leg from a point to its road, km/h.
    circuity : float
        Road distance / straight-line distance assumed by the estimate (>= 1).
    estimate_speed_kmh : float
        Average speed assumed by the estimate, km/h.
    """

    max_access_km: float = DEFAULT_MAX_ACCESS_KM
    access_speed_kmh: float = DEFAULT_ACCESS_SPEED_KMH
    circuity: float = DEFAULT_CIRCUITY
    estimate_speed_kmh: float = DEFAULT_ESTIMATE_SPEED_KMH

    def __post_init__(self) -> None:
        problems = []
        for name, (low, high) in CONSTANT_RANGES.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                problems.append(f"`{name}` must be a number; got {value!r}")
            elif not (low < value <= high if name == "max_access_km" else low <= value <= high):
                problems.append(f"`{name}` must be within {low:g}..{high:g}; got {value:g}")
        if problems:
            raise TravelConstantsError("travel constants: " + "; ".join(problems) + ".")

    @property
    def max_access_m(self) -> float:
        """:attr:`max_access_km` in metres."""
        return float(self.max_access_km) * 1000.0

    def to_dict(self) -> dict[str, float]:
        """The four constants as a JSON-ready dict (what a deployment stores)."""
        return {name: float(getattr(self, name)) for name in CONSTANT_RANGES}

    @classmethod
    def from_dict(cls, value: Mapping[str, object] | None) -> TravelConstants:
        """Constants from a stored dict; a missing key keeps its default.

        Raises
        ------
        TravelConstantsError
            On a value out of range or not a number, or an unknown key.
        """
        value = dict(value or {})
        unknown = sorted(set(value) - set(CONSTANT_RANGES))
        if unknown:
            raise TravelConstantsError(
                f"travel constants: unknown keys {unknown}; expected some of {sorted(CONSTANT_RANGES)}."
            )
        return cls(**{name: value[name] for name in CONSTANT_RANGES if name in value})  # type: ignore[arg-type]

    def describe(self) -> str:
        """The constants in English, as stated with every result (pages translate them themselves)."""
        return (
            f"access legs off-road at {self.access_speed_kmh:g} km/h up to {self.max_access_km:g} km from a road; "
            f"beyond that, or without a road connection: straight-line distance × {self.circuity:g} at "
            f"{self.estimate_speed_kmh:g} km/h"
        )


DEFAULT_CONSTANTS = TravelConstants()


@dataclass(frozen=True)
class TravelTimes:
    """Minutes from each settlement to its nearest service, and how each was obtained.

    Parameters
    ----------
    settlement_id : ndarray of str
    minutes : ndarray of float64
        Minutes to the nearest service; ``inf`` only when nothing reaches the settlement (see ``status``).
    service_id : ndarray of object
        Id of the nearest service (None when unreachable).
    status : ndarray of str
        ``"ok"`` or ``"unreachable"``.
    method : {"network", "estimate"}
        ``"network"`` when a road network was given (some settlements may still be estimated: see ``methods``),
        else ``"estimate"``.
    description : str
        The speed profile, or the estimate's assumptions, that produced the times.
    warnings : tuple of str
        Things the user must be told (settlements or services far from every road).
    routes : RouteTree or None
        The search's shortest-path tree, for :func:`route` (only when asked for with ``keep_routes=True``).
    methods : ndarray of str
        Per settlement, the method of its best time: ``"network"`` or ``"estimate"`` (``"estimate"`` too where it
        is unreachable).
    access_km : ndarray of float64
        Per settlement, the distance to the nearest road (the road it joins when within the maximum access
        distance), km; NaN without a network.
    reason : ndarray of object
        Per settlement, why it is unreachable (:data:`REASON_NO_SERVICES`, :data:`REASON_ONEWAY`), else None.
    constants : TravelConstants
        The constants the times were computed with.
    """

    settlement_id: np.ndarray
    minutes: np.ndarray
    service_id: np.ndarray
    status: np.ndarray
    method: str
    description: str
    warnings: tuple[str, ...] = ()
    routes: RouteTree | None = field(default=None, repr=False)
    methods: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object), repr=False)
    access_km: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    reason: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object), repr=False)
    constants: TravelConstants = DEFAULT_CONSTANTS

    def to_frame(self) -> pd.DataFrame:
        """Columns ``settlement_id, minutes, service_id, method, access_km, status, reason`` (minutes NaN when
        unreachable; ``method`` per settlement)."""
        return pd.DataFrame(
            {
                "settlement_id": self.settlement_id,
                "minutes": np.where(np.isfinite(self.minutes), self.minutes, np.nan),
                "service_id": self.service_id,
                "method": self.methods,
                "access_km": self.access_km,
                "status": self.status,
                "reason": self.reason,
            }
        )


NO_PREDECESSOR = -9999
"""scipy's predecessor value of a search's start (and of nodes it did not reach)."""


@dataclass(frozen=True, eq=False)
class RouteTree:
    """What :func:`nearest_service_minutes` keeps for :func:`route` (``keep_routes=True``).

    Attributes
    ----------
    predecessors : ndarray of int, shape (n_nodes + n_sites,)
        In the reversed graph searched from the services: the node before each node on its shortest path from a
        service, i.e. the *next* node on the way from it to the service (:data:`NO_PREDECESSOR` at the start).
    places, sites : Snap
        Where the settlements and the services join the network.
    entry : ndarray of int, shape (n_settlements,)
        How each settlement's best time was reached: 0 via its edge's ``low`` node, 1 via ``high``, 2 along its own
        edge straight to a service on it.
    site : ndarray of int, shape (n_settlements,)
        Index of that service (-1: none reached).
    place_x_m, place_y_m, site_x_m, site_y_m : ndarray of float
        The settlements' and services' coordinates in the analysis CRS, metres.
    """

    predecessors: np.ndarray
    places: Snap
    sites: Snap
    entry: np.ndarray
    site: np.ndarray
    place_x_m: np.ndarray
    place_y_m: np.ndarray
    site_x_m: np.ndarray
    site_y_m: np.ndarray


@dataclass(frozen=True, eq=False)
class Route:
    """The shortest way by road from a settlement to its nearest service.

    Attributes
    ----------
    minutes : float
        Its travel time: access leg, the roads along the path, the service's access leg (equal to the search's
        minutes for the settlement).
    xy_m : ndarray of float64, shape (n_points, 2)
        The path from the settlement to the service in ``crs``, metres: the access leg, the roads' own polylines,
        the service's access leg.
    nodes : ndarray of int
        Network nodes passed, in travel order.
    crs : str
    """

    minutes: float
    xy_m: np.ndarray
    nodes: np.ndarray
    crs: str

    def lat_lon(self) -> list[tuple[float, float]]:
        """The path as (latitude, longitude) pairs, EPSG:4326 (for a web map's polyline)."""
        import pyproj

        transformer = pyproj.Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)
        lon, lat = transformer.transform(self.xy_m[:, 0], self.xy_m[:, 1])
        return [(float(b), float(a)) for a, b in zip(lon, lat)]


def route(network: RoadNetwork, times: TravelTimes, settlement: int) -> Route | None:
    """The shortest path behind ``times.minutes[settlement]``, read from the search's predecessors.

    Parameters
    ----------
    network : RoadNetwork
        The network ``times`` was computed on.
    times : TravelTimes
        From :func:`nearest_service_minutes` with ``keep_routes=True``.
    settlement : int
        Position of the settlement in the frame ``times`` was computed for.

    Returns
    -------
    Route or None
        None when no service is reached (or the settlement is not connected).

    Raises
    ------
    ValueError
        When ``times`` was computed without ``keep_routes=True`` (an estimate has no route at all).
    """
    tree = times.routes
    if tree is None:
        raise ValueError(
            "`times` keeps no routes: call nearest_service_minutes(..., keep_routes=True) with a road "
            "network (an estimate has no route)."
        )
    i = int(settlement)
    k = int(tree.site[i])
    if k < 0 or not np.isfinite(times.minutes[i]):
        return None
    places, sites = tree.places, tree.sites
    line = network.edge_lines[places.edge[i]]
    start_at = _line_position(places, i, places.fraction[i])
    pieces = [np.array([[tree.place_x_m[i], tree.place_y_m[i]]])]
    if tree.entry[i] == 2:  # along its own road straight to the service
        leave = 0.0
        on_site_edge = _line_position(places, i, sites.fraction[k])
        pieces.append(_piece(line, start_at, on_site_edge))
        seconds = (
            along_seconds(sites.fraction[k] - places.fraction[i], places.forward_s[i])
            if sites.fraction[k] >= places.fraction[i]
            else along_seconds(places.fraction[i] - sites.fraction[k], places.backward_s[i])
        )
        nodes = np.zeros(0, dtype=np.int64)
        total_s = places.access_s[i] + float(seconds)  # as the search counts it: no access leg for the service
    else:
        leave_low, leave_high = places.leave_costs()
        entry_node = int(places.low[i] if tree.entry[i] == 0 else places.high[i])
        leave = float(leave_low[i] if tree.entry[i] == 0 else leave_high[i])
        pieces.append(_piece(line, start_at, _line_position(places, i, 0.0 if tree.entry[i] == 0 else 1.0)))
        walked = [entry_node]
        while tree.predecessors[walked[-1]] < network.n_nodes:
            if tree.predecessors[walked[-1]] == NO_PREDECESSOR or len(walked) > network.n_nodes:
                raise ValueError(
                    f"settlement {i} has minutes but its path does not lead to a service; the route "
                    "tree does not belong to this network."
                )
            walked.append(int(tree.predecessors[walked[-1]]))
        edges_s = 0.0
        for a, b in zip(walked[:-1], walked[1:]):
            edge = _fastest_edge(network, a, b)
            edges_s += float(network.edge_seconds[edge])
            pieces.append(network.geom_xy[network.geom_offsets[edge] : network.geom_offsets[edge + 1]])
        last = walked[-1]
        arrive_low, arrive_high = sites.arrive_costs()
        via_low = last == sites.low[k] and (last != sites.high[k] or arrive_low[k] <= arrive_high[k])
        arrive = float(arrive_low[k] if via_low else arrive_high[k])
        site_line = network.edge_lines[sites.edge[k]]
        pieces.append(
            _piece(
                site_line,
                _line_position(sites, k, 0.0 if via_low else 1.0),
                _line_position(sites, k, sites.fraction[k]),
            )
        )
        total_s = places.access_s[i] + leave + edges_s + max(arrive + sites.access_s[k], MIN_EDGE_SECONDS)
        nodes = np.asarray(walked, dtype=np.int64)
    pieces.append(np.array([[tree.site_x_m[k], tree.site_y_m[k]]]))
    xy = np.vstack([p for p in pieces if len(p)])
    keep = np.concatenate([[True], np.any(np.diff(xy, axis=0) != 0, axis=1)])  # no repeated vertices
    return Route(minutes=float(total_s) / 60.0, xy_m=xy[keep], nodes=nodes, crs=str(network.crs))


def _line_position(snap: Snap, i: int, canonical_fraction: float) -> float:
    """Where ``canonical_fraction`` of the way from ``low`` to ``high`` lies on the snapped edge's own polyline
    (which runs tail -> head), as a share of its length."""
    return float(1.0 - canonical_fraction if snap.swapped[i] else canonical_fraction)


def _piece(line: shapely.LineString, start: float, end: float) -> np.ndarray:
    """The part of ``line`` from ``start`` to ``end`` (shares of its length; reversed when ``end < start``)."""
    part = substring(line, min(start, end), max(start, end), normalized=True)
    xy = shapely.get_coordinates(part)
    return xy[::-1] if end < start else xy


def _fastest_edge(network: RoadNetwork, tail: int, head: int) -> int:
    """Index of the fastest edge ``tail -> head`` (parallel roads: the one a shortest path takes)."""
    span = np.arange(network.indptr[tail], network.indptr[tail + 1])
    matching = span[network.edge_to[span] == head]
    if not len(matching):
        raise ValueError(f"no edge from node {tail} to node {head}; the route tree does not belong to this network.")
    return int(matching[np.argmin(network.edge_seconds[matching])])


def estimate_description(*, circuity: float, speed_kmh: float) -> str:
    """The label of estimated times."""
    return f"estimate (no road network): straight-line distance × {circuity:g} circuity at {speed_kmh:g} km/h"


def network_pairs(site_component: np.ndarray, place_component: np.ndarray) -> np.ndarray:
    """The rule: which (site, place) pairs are timed over the network (True) rather than estimated (False).

    Parameters
    ----------
    site_component, place_component : ndarray of int
        The network piece each site / place joins (:func:`_components`), -1 where it lies farther than the maximum
        access distance from every road (or there is no network). Broadcast against each other.

    Returns
    -------
    ndarray of bool
        True where both join the network and on the same piece of it.
    """
    return (np.asarray(site_component) == np.asarray(place_component)) & (np.asarray(site_component) >= 0)


def _components(network: RoadNetwork | None, snap: Snap | None, n: int) -> np.ndarray:
    """The weakly connected piece of network each snapped point joins, -1 where it does not join (too far)."""
    if network is None or snap is None:
        return np.full(n, -1, dtype=np.int64)
    return np.where(snap.connected, network.node_component[snap.low], -1).astype(np.int64)


def _access_km(network: RoadNetwork | None, snap: Snap | None, x_m: np.ndarray, y_m: np.ndarray) -> np.ndarray:
    """Distance from each point to its road (within the limit) or to the nearest road (beyond it), km; NaN without
    a network."""
    if network is None or snap is None:
        return np.full(len(x_m), np.nan)
    distance_m = np.asarray(snap.distance_m, dtype=float).copy()
    far = ~np.isfinite(distance_m)
    if far.any():
        distance_m[far] = network.nearest_road_m(x_m[far], y_m[far])
    return np.where(np.isfinite(distance_m), distance_m / 1000.0, np.nan)


def nearest_service_minutes(
    network: RoadNetwork | None,
    settlements: gpd.GeoDataFrame,
    services: gpd.GeoDataFrame,
    *,
    analysis_crs: str,
    constants: TravelConstants = DEFAULT_CONSTANTS,
    circuity: float | None = None,
    estimate_speed_kmh: float | None = None,
    keep_routes: bool = False,
) -> TravelTimes:
    """Minutes from every settlement to its nearest service: one multi-source search over the network for the pairs
    it connects, the straight-line estimate for the others (:func:`network_pairs`), the best of both per settlement.

    Parameters
    ----------
    network : RoadNetwork or None
        The road network; None: every time is the labelled estimate.
    settlements, services : GeoDataFrame
        Points with ``settlement_id`` / ``service_id`` (canonical schema), any CRS.
    analysis_crs : str
        Projected CRS in metres (must equal the network's).
    constants : TravelConstants
        Maximum access distance, access speed, and the estimate's circuity and speed.
    circuity, estimate_speed_kmh : float, optional
        Override the estimate's constants of ``constants``.
    keep_routes : bool
        Keep the search's predecessors in :attr:`TravelTimes.routes` so that :func:`route` can draw each
        settlement's path (the search computes them anyway; keeping them costs one array per call).

    Returns
    -------
    TravelTimes
    """
    constants = _with_estimate(constants, circuity, estimate_speed_kmh)
    settlement_ids = settlements["settlement_id"].astype(str).to_numpy(dtype=object)
    service_ids = services["service_id"].astype(str).to_numpy(dtype=object)
    px, py = _xy_m(settlements, analysis_crs, "settlements")
    sx, sy = _xy_m(services, analysis_crs, "services")
    n = len(settlement_ids)
    network_s = np.full(n, np.inf)
    network_site = np.full(n, -1)
    places = sites = None
    predecessors, best = np.zeros(0, dtype=np.int64), np.zeros(n, dtype=np.int64)
    if network is not None:
        _check_network_crs(network, analysis_crs)
        places = network.snap(px, py, max_snap_m=constants.max_access_m, access_speed_kmh=constants.access_speed_kmh)
        sites = network.snap(sx, sy, max_snap_m=constants.max_access_m, access_speed_kmh=constants.access_speed_kmh)
        network_s, network_site, predecessors, best = _network_nearest(network, places, sites, len(service_ids))
    place_component = _components(network, places, n)
    site_component = _components(network, sites, len(service_ids))
    estimate_min, estimate_site = _estimate_nearest(
        px, py, sx, sy, place_component, site_component, constants.circuity, constants.estimate_speed_kmh
    )
    network_min = network_s / 60.0
    by_network = (network_site >= 0) & np.isfinite(network_min) & (network_min <= estimate_min)
    minutes = np.where(by_network, network_min, estimate_min)
    chosen = np.where(by_network, network_site, estimate_site)
    reachable = np.isfinite(minutes) & (chosen >= 0)
    minutes = np.where(reachable, minutes, np.inf)
    nearest = np.full(n, None, dtype=object)
    nearest[reachable] = service_ids[chosen[reachable]]
    status = np.where(reachable, STATUS_OK, STATUS_UNREACHABLE).astype(object)
    reason = np.full(n, None, dtype=object)
    reason[~reachable] = REASON_NO_SERVICES if not len(service_ids) else REASON_ONEWAY
    methods = np.where(by_network & reachable, METHOD_NETWORK, METHOD_ESTIMATE).astype(object)
    access_km = _access_km(network, places, px, py)
    if network is None or places is None or sites is None:
        return TravelTimes(
            settlement_ids,
            minutes,
            nearest,
            status,
            METHOD_ESTIMATE,
            estimate_description(circuity=constants.circuity, speed_kmh=constants.estimate_speed_kmh),
            methods=methods,
            access_km=access_km,
            reason=reason,
            constants=constants,
        )
    routes = (
        RouteTree(predecessors, places, sites, best, np.where(by_network & reachable, chosen, -1), px, py, sx, sy)
        if keep_routes
        else None
    )
    return TravelTimes(
        settlement_ids,
        minutes,
        nearest,
        status,
        METHOD_NETWORK,
        network.profile_description,
        _snap_warnings(places, settlement_ids, "settlement", constants)
        + _snap_warnings(sites, service_ids, "service", constants),
        routes,
        methods=methods,
        access_km=access_km,
        reason=reason,
        constants=constants,
    )


def _with_estimate(constants: TravelConstants, circuity: float | None, speed_kmh: float | None) -> TravelConstants:
    if circuity is None and speed_kmh is None:
        return constants
    return replace(
        constants,
        circuity=constants.circuity if circuity is None else circuity,
        estimate_speed_kmh=constants.estimate_speed_kmh if speed_kmh is None else speed_kmh,
    )


def _network_nearest(
    network: RoadNetwork, places: Snap, sites: Snap, n_sites: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The multi-source search: per place the seconds to its nearest site over the network (with both access legs;
    inf where none is reached), that site (-1: none), the search's predecessors and how each place entered the
    network (0 via ``low``, 1 via ``high``, 2 along its own edge)."""
    n = len(places.low)
    graph = _graph_with_sites(network, sites)
    virtual = np.arange(network.n_nodes, network.n_nodes + n_sites)
    if n_sites:
        node_s, predecessors, source = dijkstra(
            graph, directed=True, indices=virtual, min_only=True, return_predecessors=True
        )
    else:
        node_s, source = np.full(graph.shape[0], np.inf), np.full(graph.shape[0], -9999)
        predecessors = np.full(graph.shape[0], NO_PREDECESSOR)
    site_of_node = np.where(source >= network.n_nodes, source - network.n_nodes, -1)
    leave_low, leave_high = places.leave_costs()
    candidates_s = np.column_stack([leave_low + node_s[places.low], leave_high + node_s[places.high]])
    candidates_site = np.column_stack([site_of_node[places.low], site_of_node[places.high]])
    place_idx, site_idx, direct_s = _same_edge_seconds(places, sites)
    direct = np.full(n, np.inf)
    direct_site = np.full(n, -1)
    fastest = (
        pd.DataFrame({"p": place_idx, "s": site_idx, "t": direct_s})
        .sort_values("t", kind="stable")
        .drop_duplicates("p")
    )
    direct[fastest["p"].to_numpy()] = fastest["t"].to_numpy()
    direct_site[fastest["p"].to_numpy()] = fastest["s"].to_numpy()
    candidates_s = np.column_stack([candidates_s, direct])
    candidates_site = np.column_stack([candidates_site, direct_site])
    best = np.argmin(candidates_s, axis=1)
    seconds = candidates_s[np.arange(n), best] + places.access_s
    best_site = candidates_site[np.arange(n), best]
    found = np.isfinite(seconds) & (best_site >= 0)
    return np.where(found, seconds, np.inf), np.where(found, best_site, -1), predecessors, best


def _estimate_nearest(
    px: np.ndarray,
    py: np.ndarray,
    sx: np.ndarray,
    sy: np.ndarray,
    place_component: np.ndarray,
    site_component: np.ndarray,
    circuity: float,
    speed_kmh: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Per place, the estimated minutes to the nearest site among those :func:`network_pairs` leaves to the estimate
    (inf and -1 where there is none), one KD-tree per piece of network the places join."""
    n = len(px)
    minutes, site = np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
    if not n or not len(sx):
        return minutes, site
    for component in np.unique(place_component):
        eligible = np.flatnonzero(~network_pairs(site_component, component))
        if not len(eligible):
            continue
        rows = np.flatnonzero(place_component == component)
        distance_m, index = cKDTree(np.column_stack([sx[eligible], sy[eligible]])).query(
            np.column_stack([px[rows], py[rows]])
        )
        minutes[rows] = _estimate_minutes(distance_m, circuity, speed_kmh)
        site[rows] = eligible[index]
    return minutes, site


@dataclass(frozen=True, eq=False)
class TravelMatrix:
    """Minutes from every site to every settlement and how each pair was obtained (:func:`travel_matrix`).

    Attributes
    ----------
    minutes : ndarray of float32, shape (n_sites, n_settlements)
        ``inf`` beyond the cutoff (or where one-way roads allow no path).
    estimated : ndarray of bool, shape (n_sites, n_settlements)
        True where the pair's time is the straight-line estimate, False where it is over the network.
    access_km : ndarray of float64, shape (n_settlements,)
        Each settlement's distance to the nearest road, km (NaN without a network).
    """

    minutes: np.ndarray
    estimated: np.ndarray
    access_km: np.ndarray


def minutes_matrix(
    network: RoadNetwork | None,
    sites: gpd.GeoDataFrame,
    settlements: gpd.GeoDataFrame,
    *,
    cutoff_minutes: float,
    analysis_crs: str,
    constants: TravelConstants = DEFAULT_CONSTANTS,
    circuity: float | None = None,
    estimate_speed_kmh: float | None = None,
) -> np.ndarray:
    """The minutes of :func:`travel_matrix` alone (row = site, column = settlement, float32, ``inf`` beyond the
    cutoff)."""
    return travel_matrix(
        network,
        sites,
        settlements,
        cutoff_minutes=cutoff_minutes,
        analysis_crs=analysis_crs,
        constants=_with_estimate(constants, circuity, estimate_speed_kmh),
    ).minutes


def travel_matrix(
    network: RoadNetwork | None,
    sites: gpd.GeoDataFrame,
    settlements: gpd.GeoDataFrame,
    *,
    cutoff_minutes: float,
    analysis_crs: str,
    constants: TravelConstants = DEFAULT_CONSTANTS,
) -> TravelMatrix:
    """Minutes from every settlement to every site, up to a cutoff, each pair by the rule of :func:`network_pairs`.

    Compute it once for all candidate sites; a scenario (a subset of sites) then costs
    ``matrix[rows].min(axis=0)`` (and the method of the chosen row from ``estimated``).

    Parameters
    ----------
    network : RoadNetwork or None
        None: every pair is the estimate.
    sites, settlements : GeoDataFrame
        Points, any CRS.
    cutoff_minutes : float
        Times above this are ``inf``, minutes.
    analysis_crs : str
    constants : TravelConstants

    Returns
    -------
    TravelMatrix
    """
    px, py = _xy_m(settlements, analysis_crs, "settlements")
    sx, sy = _xy_m(sites, analysis_crs, "sites")
    out = np.full((len(sx), len(px)), np.inf, dtype=np.float32)
    estimated = np.ones((len(sx), len(px)), dtype=bool)
    factor = constants.circuity / (constants.estimate_speed_kmh / 3.6) / 60.0  # minutes per straight-line metre
    _estimate_minutes(np.zeros(0), constants.circuity, constants.estimate_speed_kmh)  # checks the constants
    if network is None:
        for start in range(0, len(sx), 1024):
            d = np.hypot(sx[start : start + 1024, None] - px[None, :], sy[start : start + 1024, None] - py[None, :])
            out[start : start + 1024] = d * factor
        out[out > cutoff_minutes] = np.inf
        return TravelMatrix(out, estimated, np.full(len(px), np.nan))

    _check_network_crs(network, analysis_crs)
    places = network.snap(px, py, max_snap_m=constants.max_access_m, access_speed_kmh=constants.access_speed_kmh)
    site_snap = network.snap(sx, sy, max_snap_m=constants.max_access_m, access_speed_kmh=constants.access_speed_kmh)
    place_component = _components(network, places, len(px))
    site_component = _components(network, site_snap, len(sx))
    graph = _graph_with_sites(network, site_snap)
    leave_low, leave_high = places.leave_costs()
    limit_s = cutoff_minutes * 60.0
    for start in range(0, len(sx), MATRIX_CHUNK_SITES):
        rows = np.arange(start, min(start + MATRIX_CHUNK_SITES, len(sx)))
        on_network = network_pairs(site_component[rows, None], place_component[None, :])
        estimated[rows] = ~on_network
        if on_network.any():
            node_s = dijkstra(graph, directed=True, indices=network.n_nodes + rows, limit=limit_s)
            seconds = np.minimum(leave_low + node_s[:, places.low], leave_high + node_s[:, places.high])
            out[rows] = (seconds + places.access_s) / 60.0
        if not on_network.all():
            d = np.hypot(sx[rows, None] - px[None, :], sy[rows, None] - py[None, :])
            out[start : start + len(rows)] = np.where(on_network, out[rows], d * factor)
    place_idx, site_idx, direct_s = _same_edge_seconds(places, site_snap)
    if len(place_idx):  # on the same road: always one piece of network
        direct_min = ((direct_s + places.access_s[place_idx]) / 60.0).astype(np.float32)
        np.minimum.at(out, (site_idx, place_idx), direct_min)
    out[out > cutoff_minutes] = np.inf
    return TravelMatrix(out, estimated, _access_km(network, places, px, py))


def _estimate_minutes(distance_m: np.ndarray, circuity: float, speed_kmh: float) -> np.ndarray:
    if not (circuity >= 1.0 and speed_kmh > 0):
        raise ValueError(f"`circuity` must be >= 1 and `speed_kmh` > 0; got {circuity}, {speed_kmh}")
    return np.asarray(distance_m, float) * circuity / (speed_kmh / 3.6) / 60.0


def _xy_m(frame: gpd.GeoDataFrame, analysis_crs: str, name: str) -> tuple[np.ndarray, np.ndarray]:
    if frame.crs is None:
        raise CrsError(f"`{name}` has no CRS; expected EPSG:4326 points (use `set_crs()`).")
    projected = frame.geometry.to_crs(analysis_crs)
    return projected.x.to_numpy(dtype=float), projected.y.to_numpy(dtype=float)


def _check_network_crs(network: RoadNetwork, analysis_crs: str) -> None:
    if str(network.crs) != str(analysis_crs):
        raise CrsError(
            f"the road network is in {network.crs} but `analysis_crs` is {analysis_crs}; "
            "rebuild the network in the region's analysis CRS."
        )


def _graph_with_sites(network: RoadNetwork, sites: Snap) -> sp.csr_matrix:
    """The reversed travel-time graph plus one virtual node per site (node ``n_nodes + k``).

    In the reversed graph an edge ``site -> low`` stands for travelling ``low -> site``: its weight is the
    time along the snapped edge from ``low`` to the site plus the site's access leg.
    """
    reverse = network.reversed_seconds_matrix
    arrive_low, arrive_high = sites.arrive_costs()
    heads = np.column_stack([sites.low, sites.high]).astype(np.int32)
    weights = np.column_stack([arrive_low, arrive_high]) + sites.access_s[:, None]
    keep = np.isfinite(weights)
    counts = keep.sum(axis=1)
    n_total = network.n_nodes + len(counts)
    indptr = np.concatenate([reverse.indptr, reverse.indptr[-1] + np.cumsum(counts)])
    indices = np.concatenate([reverse.indices, heads[keep]])
    data = np.concatenate([reverse.data, np.maximum(weights[keep], MIN_EDGE_SECONDS)])
    return sp.csr_matrix((data, indices, indptr), shape=(n_total, n_total))


def _same_edge_seconds(places: Snap, sites: Snap) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (place, site) on the same road and the time along it from place to site (no access legs)."""
    n = np.int64(max(places.low.max(initial=0), places.high.max(initial=0), sites.high.max(initial=0)) + 1)
    place_key = np.where(places.connected, places.low.astype(np.int64) * n + places.high, -1)
    site_key = np.where(sites.connected, sites.low.astype(np.int64) * n + sites.high, -2)
    order = np.argsort(place_key, kind="stable")
    start = np.searchsorted(place_key[order], site_key, side="left")
    stop = np.searchsorted(place_key[order], site_key, side="right")
    s = np.repeat(np.arange(len(site_key)), stop - start)
    p = order[np.concatenate([np.arange(a, b) for a, b in zip(start, stop)])] if len(s) else np.zeros(0, int)
    ahead = sites.fraction[s] >= places.fraction[p]
    seconds = np.where(
        ahead,
        along_seconds(sites.fraction[s] - places.fraction[p], places.forward_s[p]),
        along_seconds(places.fraction[p] - sites.fraction[s], places.backward_s[p]),
    )
    finite = np.isfinite(seconds)
    return p[finite], s[finite], seconds[finite]


def _snap_warnings(snap: Snap, ids: np.ndarray, what: str, constants: TravelConstants) -> tuple[str, ...]:
    far = ids[~snap.connected]
    if not len(far):
        return ()
    shown = ", ".join(map(str, far[:10])) + (f" (+{len(far) - 10} more)" if len(far) > 10 else "")
    return (
        f"{len(far)} {what}(s) lie more than {constants.max_access_km:g} km from any road: {shown}. Their times "
        f"are straight-line estimates (× {constants.circuity:g} at {constants.estimate_speed_kmh:g} km/h); add the "
        "road to the network or raise the maximum access distance.",
    )
