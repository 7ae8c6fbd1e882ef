"""The routing benchmark runs end to end on a tiny network (exercised, not timed)."""

from bench_runs import run_bench


def test_bench_routing_runs_small():
    run_bench(
        "bench_routing.py",
        *("--nodes", "2000", "--settlements", "200", "--services", "5", "--candidates", "20"),
        expected=(
            "nearest-service minutes",
            "isochrones 5 sites × 3 bands",
            "site × settlement matrix 20 × 200",
            "ego_graph + convex hull 15 isochrones",
            "ratios:",
            "peak memory",
        ),
    )


def test_bench_isochrones_runs_small():
    run_bench(
        "bench_isochrones.py",
        *("--nodes", "2000", "--services", "3", "--no-osm"),
        expected=(
            "synthetic grid: 2,025 nodes",
            "3 services × 3 bands",
            "previous (842b342)",
            "ego_graph + convex hull",
            "ratios: today",
            "targets:",
        ),
    )
