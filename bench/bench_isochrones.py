"""Benchmark of isochrone bands against the implementation they replaced and the OSMnx example, in one run.

Run: ``.venv/bin/python bench/bench_isochrones.py`` (``--nodes 2000 --services 5 --no-osm`` for a smoke run).

Networks: the synthetic grid of ``bench_routing.py`` (300,000 nodes, ~740,000 directed edges over a square of the
region's area) and the real OpenStreetMap extracts in ``../shared/data/osm`` (helsinki, kouvola; skipped with a
message when absent). On each, 20 services × 3 bands (15/30/60 min), timed service by service with the three
methods in turn, so that a change of load on the shared machine hits all three alike:

- ``geo.isochrones.isochrones`` (today's);
- the previous implementation, ``geo/isochrones.py`` at commit :data:`PREVIOUS_COMMIT`, read with ``git show``
  and imported as a temporary module (one buffer per reached edge, ``shapely.ops.substring`` per partial edge);
- the OSMnx isochrone example: networkx ``ego_graph`` + convex hull of the reached nodes.

Times are CPU seconds of this process (the work is single-threaded; wall time in brackets). Prints the ratios
and how far today's polygons are from the previous ones (symmetric difference over the previous area).
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_routing import (  # noqa: E402
    BANDS_MINUTES,
    CRS,
    networkx_graph,
    networkx_isochrones,
    random_points,
    synthetic_network,
)

from geo.isochrones import isochrones  # noqa: E402

PREVIOUS_COMMIT = "842b342"
"""The commit whose ``geo/isochrones.py`` is the baseline (the last before edge chains)."""
OSM_DIR = ROOT.parent / "shared" / "data" / "osm"
OSM_FILES = ("helsinki.osm.pbf", "kouvola.osm.pbf")
OSM_CRS = "EPSG:3067"
"""ETRS-TM35FIN, metres: the projected CRS of the Finnish extracts."""


def previous_implementation():
    """The module ``geo/isochrones.py`` of :data:`PREVIOUS_COMMIT`, imported from a temporary file."""
    try:
        source = subprocess.run(
            ["git", "show", f"{PREVIOUS_COMMIT}:geo/isochrones.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:  # no git, or a shallow clone without the commit
        print(
            f"previous implementation: not measured (git show {PREVIOUS_COMMIT}:geo/isochrones.py failed: "
            f"{getattr(error, 'stderr', '') or error}); fetch the history (git fetch --unshallow) to compare"
        )
        return None
    folder = Path(tempfile.mkdtemp(prefix="qorgau-bench-"))
    path = folder / f"isochrones_{PREVIOUS_COMMIT}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _spend(account: list, function):
    """Run ``function``, adding its CPU and wall seconds to ``account``; return its result."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = function()
    account[0] += time.process_time() - cpu
    account[1] += time.perf_counter() - wall
    return result


def compare(name: str, network, services, crs: str, previous) -> dict:
    """Time the three methods service by service on ``network``; print and return the figures."""
    network.edge_lines, network.edge_twin, network.vertex_fraction  # noqa: B018  built once per network, as in the app
    isochrones(network, services.iloc[:1], analysis_crs=crs, minutes=BANDS_MINUTES)  # snapping index
    G = networkx_graph(network)
    projected = services.geometry.to_crs(crs)
    service_nodes = network.snap(projected.x.to_numpy(), projected.y.to_numpy()).low.tolist()
    spent = {"new": [0.0, 0.0], "previous": [0.0, 0.0], "hull": [0.0, 0.0]}
    new, old, hulls = [], [], []
    for k in range(len(services)):
        one = services.iloc[[k]]
        new.append(
            _spend(spent["new"], lambda one=one: isochrones(network, one, analysis_crs=crs, minutes=BANDS_MINUTES))
        )
        if previous is not None:
            old.append(
                _spend(
                    spent["previous"],
                    lambda one=one: previous.isochrones(network, one, analysis_crs=crs, minutes=BANDS_MINUTES),
                )
            )
        hulls.extend(_spend(spent["hull"], lambda k=k: networkx_isochrones(G, service_nodes[k : k + 1], BANDS_MINUTES)))
    new = pd.concat(new, ignore_index=True)
    (new_s, new_w), (old_s, old_w), (hull_s, hull_w) = spent["new"], spent["previous"], spent["hull"]
    n_bands = len(new)
    previous_text = (
        f"previous ({PREVIOUS_COMMIT}) {old_s:.2f} ({old_w:.2f})"
        if previous is not None
        else f"previous ({PREVIOUS_COMMIT}) not measured"
    )
    print(
        f"{name}: {network.n_nodes:,} nodes, {network.n_edges:,} edges; {len(services)} services × "
        f"{len(BANDS_MINUTES)} bands, CPU s (wall s): today {new_s:.2f} ({new_w:.2f}), {previous_text}, "
        f"ego_graph + convex hull {hull_s:.2f} ({hull_w:.2f}); {new_s / n_bands * 1000:.0f} ms per band today"
    )
    speedup_previous, difference = float("nan"), np.array([np.nan])
    if previous is not None:
        old = pd.concat(old, ignore_index=True)
        a, b = new.to_crs(crs).geometry.to_numpy(), old.to_crs(crs).geometry.to_numpy()
        difference = shapely.area(shapely.symmetric_difference(a, b)) / np.maximum(shapely.area(b), 1.0)
        speedup_previous = old_s / new_s
    print(
        f"  ratios: today {speedup_previous:.1f}× faster than the previous implementation ({PREVIOUS_COMMIT}), "
        f"{hull_s / new_s:.1f}× faster than ego_graph + convex hull; geometry: symmetric difference to the "
        f"previous {np.median(difference):.1e} of its area (median), {difference.max():.1e} (largest)"
    )
    return {
        "name": name,
        "speedup_previous": speedup_previous,
        "speedup_hull": hull_s / new_s,
        "largest_difference": float(difference.max()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=300_000)
    parser.add_argument("--services", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-osm", action="store_true", help="only the synthetic network")
    args = parser.parse_args(argv)
    previous = previous_implementation()

    network = synthetic_network(args.nodes, seed=args.seed)
    services = random_points(network, args.services, "service_id", seed=args.seed + 2)
    results = [compare("synthetic grid", network, services, CRS, previous)]
    if not args.no_osm:
        from geo.osm import build_network

        for file_name in OSM_FILES:
            path = OSM_DIR / file_name
            if not path.is_file():
                print(f"{file_name}: skipped, {path} is absent (real OSM extracts live in ../shared/data/osm)")
                continue
            with tempfile.TemporaryDirectory() as cache:
                real = build_network(path, analysis_crs=OSM_CRS, cache_dir=cache)
            points = random_points_within(real, args.services, seed=args.seed)
            results.append(compare(file_name, real, points, OSM_CRS, previous))
    synthetic = results[0]
    targets = [
        ("synthetic: >= 5x the previous implementation", synthetic["speedup_previous"] >= 5),
        ("synthetic: faster than ego_graph + convex hull", synthetic["speedup_hull"] > 1),
    ]
    targets += [
        (f"{r['name']}: not slower than the previous implementation", r["speedup_previous"] >= 1) for r in results[1:]
    ]
    print("targets: " + "; ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in targets))
    return 0


def random_points_within(network, n: int, *, seed: int):
    """``n`` services at random road vertices of ``network`` (a real extract is not a filled square)."""
    import geopandas as gpd

    rng = np.random.default_rng(seed)
    at = rng.choice(len(network.geom_xy), size=n, replace=False)
    xy = network.geom_xy[at] + rng.uniform(-50.0, 50.0, (n, 2))
    return gpd.GeoDataFrame(
        {"service_id": [f"se{i}" for i in range(n)]}, geometry=shapely.points(xy), crs=network.crs
    ).to_crs("EPSG:4326")


if __name__ == "__main__":
    raise SystemExit(main())
