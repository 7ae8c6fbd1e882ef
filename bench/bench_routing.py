"""Benchmark of the routing core on a synthetic road network of the Turkistan region's size.

Run: ``.venv/bin/python bench/bench_routing.py`` (``--nodes 2000`` for a quick smoke run).

A perturbed grid (300,000 nodes, ~740,000 directed edges, random speeds, 10 % oneway) over a square of the
region's area, 1,000 settlements and 20 services. Timed: nearest-service minutes for all settlements,
isochrones for 20 sites × 3 bands, the site × settlement matrix for 1,000 candidate sites with a 60-minute
cutoff; and, in the same run on the same graph, the OSMnx-example approach (networkx ``ego_graph`` + convex
hull) and a networkx multi-source Dijkstra for nearest-service minutes. Prints ratios and peak memory.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo.isochrones import isochrones  # noqa: E402
from geo.network import RoadNetwork  # noqa: E402
from geo.traveltime import minutes_matrix, nearest_service_minutes  # noqa: E402

CRS = "EPSG:32642"
REGION_AREA_KM2 = 117_300.0
"""Turkistan region and Shymkent together, km² (the grid covers a square of this area)."""
ORIGIN_M = (300_000.0, 4_500_000.0)
"""South-west corner of the synthetic grid in UTM 42N, metres."""
SPEEDS_KMH = np.array([20.0, 30.0, 40.0, 50.0, 60.0, 80.0, 90.0])
KEEP_SHARE = 0.65
ONEWAY_SHARE = 0.10
BANDS_MINUTES = (15, 30, 60)
CUTOFF_MINUTES = 60.0


def synthetic_network(n_nodes: int, *, seed: int) -> RoadNetwork:
    """A perturbed grid with random speeds, some streets removed and some oneway."""
    rng = np.random.default_rng(seed)
    side = int(round(np.sqrt(n_nodes)))
    spacing_m = np.sqrt(REGION_AREA_KM2 * 1e6) / side
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    x_m = ORIGIN_M[0] + jj.ravel() * spacing_m + rng.uniform(-0.25, 0.25, side * side) * spacing_m
    y_m = ORIGIN_M[1] + ii.ravel() * spacing_m + rng.uniform(-0.25, 0.25, side * side) * spacing_m
    ids = np.arange(side * side).reshape(side, side)
    a = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()])
    b = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()])
    keep = rng.random(len(a)) < KEEP_SHARE
    a, b = a[keep], b[keep]
    oneway = rng.random(len(a)) < ONEWAY_SHARE
    tails = np.concatenate([a, b[~oneway]])
    heads = np.concatenate([b, a[~oneway]])
    speed = np.concatenate([rng.choice(SPEEDS_KMH, len(a))] * 2)[: len(tails)]
    length_m = np.hypot(x_m[tails] - x_m[heads], y_m[tails] - y_m[heads])
    order = np.lexsort((heads, tails))
    tails, heads, length_m, speed = tails[order], heads[order], length_m[order], speed[order]
    geom_xy = np.empty((2 * len(tails), 2))
    geom_xy[0::2, 0], geom_xy[0::2, 1] = x_m[tails], y_m[tails]
    geom_xy[1::2, 0], geom_xy[1::2, 1] = x_m[heads], y_m[heads]
    return RoadNetwork(
        x_m=x_m,
        y_m=y_m,
        indptr=np.concatenate([[0], np.cumsum(np.bincount(tails, minlength=side * side))]).astype(np.int64),
        edge_to=heads.astype(np.int32),
        edge_seconds=length_m / (speed / 3.6),
        edge_length_m=length_m,
        geom_offsets=np.arange(0, 2 * len(tails) + 1, 2, dtype=np.int64),
        geom_xy=geom_xy,
        crs=CRS,
        profile_description="synthetic: random speeds 20-90 km/h",
        source_sha256="",
    )


def random_points(network: RoadNetwork, n: int, id_column: str, *, seed: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    x = rng.uniform(network.x_m.min(), network.x_m.max(), n)
    y = rng.uniform(network.y_m.min(), network.y_m.max(), n)
    return gpd.GeoDataFrame(
        {id_column: [f"{id_column[:2]}{i}" for i in range(n)]}, geometry=shapely.points(x, y), crs=CRS
    ).to_crs("EPSG:4326")


def timed(function, *, repeat: int = 1):
    best, result = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def networkx_graph(network: RoadNetwork) -> nx.DiGraph:
    G = nx.DiGraph()
    G.add_nodes_from((i, {"x": x, "y": y}) for i, (x, y) in enumerate(zip(network.x_m, network.y_m)))
    G.add_weighted_edges_from(
        zip(network.edge_from.tolist(), network.edge_to.tolist(), network.edge_seconds.tolist()), weight="travel_time"
    )
    return G


def networkx_isochrones(G: nx.DiGraph, centers: list[int], bands_minutes) -> list[shapely.Geometry]:
    """The OSMnx isochrone example: ego_graph within the time, convex hull of the reached nodes."""
    shapes = []
    for center in centers:
        for band in bands_minutes:
            sub = nx.ego_graph(G, center, radius=band * 60.0, distance="travel_time")
            xy = np.array([(d["x"], d["y"]) for _, d in sub.nodes(data=True)])
            shapes.append(shapely.multipoints(xy).convex_hull)
    return shapes


def networkx_per_service(G: nx.DiGraph, service_nodes: list[int], settlement_nodes: np.ndarray) -> np.ndarray:
    """Nearest-service seconds the OSMnx-example way: one networkx search per service, then the minimum."""
    reverse = G.reverse(copy=False)
    best = np.full(len(settlement_nodes), np.inf)
    for node in service_nodes:
        lengths = nx.single_source_dijkstra_path_length(reverse, node, weight="travel_time")
        best = np.minimum(best, [lengths.get(int(n), np.inf) for n in settlement_nodes])
    return best


def networkx_nearest(G: nx.DiGraph, service_nodes: list[int], settlement_nodes: np.ndarray) -> np.ndarray:
    """Nearest-service seconds with networkx (multi-source Dijkstra on the reversed graph)."""
    lengths = nx.multi_source_dijkstra_path_length(G.reverse(copy=False), set(service_nodes), weight="travel_time")
    return np.array([lengths.get(int(n), np.inf) for n in settlement_nodes])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=300_000)
    parser.add_argument("--settlements", type=int, default=1_000)
    parser.add_argument("--services", type=int, default=20)
    parser.add_argument("--candidates", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    build_s, network = timed(lambda: synthetic_network(args.nodes, seed=args.seed))
    settlements = random_points(network, args.settlements, "settlement_id", seed=args.seed + 1)
    services = random_points(network, args.services, "service_id", seed=args.seed + 2)
    candidates = random_points(network, args.candidates, "site_id", seed=args.seed + 3)
    print(
        f"network: {network.n_nodes:,} nodes, {network.n_edges:,} edges (built in {build_s:.2f} s); "
        f"{len(settlements):,} settlements, {len(services)} services, {len(candidates):,} candidate sites"
    )

    first_s, _ = timed(lambda: nearest_service_minutes(network, settlements, services, analysis_crs=CRS))
    nearest_s, tt = timed(lambda: nearest_service_minutes(network, settlements, services, analysis_crs=CRS), repeat=5)
    print(
        f"nearest-service minutes, all settlements: {nearest_s * 1000:.1f} ms "
        f"(first call incl. snapping index: {first_s * 1000:.0f} ms); "
        f"median {np.nanmedian(np.where(np.isfinite(tt.minutes), tt.minutes, np.nan)):.1f} min"
    )

    iso_s, iso = timed(lambda: isochrones(network, services, analysis_crs=CRS, minutes=BANDS_MINUTES))
    per_iso_s = iso_s / len(iso)
    print(
        f"isochrones {len(services)} sites × {len(BANDS_MINUTES)} bands: {iso_s:.2f} s "
        f"({per_iso_s * 1000:.0f} ms per band)"
    )

    sites = candidates.rename(columns={"site_id": "service_id"})
    matrix_s, matrix = timed(
        lambda: minutes_matrix(network, sites, settlements, cutoff_minutes=CUTOFF_MINUTES, analysis_crs=CRS)
    )
    chosen = np.random.default_rng(args.seed).choice(len(sites), size=min(20, len(sites)), replace=False)
    scenario_s, _ = timed(lambda: matrix[chosen].min(axis=0), repeat=5)
    print(
        f"site × settlement matrix {matrix.shape[0]:,} × {matrix.shape[1]:,}, cutoff {CUTOFF_MINUTES:g} min: "
        f"{matrix_s:.2f} s; a scenario from the cached matrix: {scenario_s * 1e6:.0f} µs"
    )

    graph_s, G = timed(lambda: networkx_graph(network))
    settlement_nodes = network.snap(*_xy(settlements)).low  # baseline: settlement at a node of its road
    service_nodes = network.snap(*_xy(services)).low.tolist()
    nx_nearest_s, _ = timed(lambda: networkx_nearest(G, service_nodes, settlement_nodes))
    nx_each_s, _ = timed(lambda: networkx_per_service(G, service_nodes, settlement_nodes))
    nx_iso_s, hulls = timed(lambda: networkx_isochrones(G, service_nodes, BANDS_MINUTES))
    nx_per_iso_s = nx_iso_s / len(hulls)
    print(
        f"networkx (graph built in {graph_s:.1f} s): nearest-service one search per service (OSMnx-example "
        f"style) {nx_each_s * 1000:.0f} ms, multi-source {nx_nearest_s * 1000:.0f} ms; "
        f"ego_graph + convex hull {len(hulls)} isochrones {nx_iso_s:.2f} s ({nx_per_iso_s * 1000:.0f} ms each)"
    )
    net_area = iso.to_crs(CRS).area.sum()
    hull_area = sum(h.area for h in hulls)
    print(
        f"ratios: nearest-service graph search {nx_each_s / nearest_s:.0f}× faster than networkx per-service, "
        f"{nx_nearest_s / nearest_s:.0f}× than networkx multi-source; scenario from the cached matrix "
        f"{nx_nearest_s / scenario_s:,.0f}× than networkx multi-source; isochrones "
        f"{nx_per_iso_s / per_iso_s:.1f}× faster per band; convex hulls cover {hull_area / net_area:.2f}× "
        "the area of the buffered reached roads (clipped to nothing here)"
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS, whole process incl. networkx baseline): {peak_mb:,.0f} MB")
    targets = [
        ("nearest-service < 100 ms", nearest_s < 0.1),
        ("nearest-service >= 50x networkx per-service", nx_each_s / nearest_s >= 50),
        ("nearest-service >= 50x networkx multi-source", nx_nearest_s / nearest_s >= 50),
        ("peak memory < 2 GB", peak_mb < 2048),
    ]
    print("targets: " + "; ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in targets))
    return 0


def _xy(frame: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    projected = frame.geometry.to_crs(CRS)
    return projected.x.to_numpy(), projected.y.to_numpy()


if __name__ == "__main__":
    raise SystemExit(main())
