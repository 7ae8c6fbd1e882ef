"""The routing benchmark runs end to end on a tiny network (exercised, not timed)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_routing_runs_small():
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_routing.py"),
            "--nodes",
            "2000",
            "--settlements",
            "200",
            "--services",
            "5",
            "--candidates",
            "20",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    for expected in (
        "nearest-service minutes",
        "isochrones 5 sites × 3 bands",
        "site × settlement matrix 20 × 200",
        "ego_graph + convex hull 15 isochrones",
        "ratios:",
        "peak memory",
    ):
        assert expected in result.stdout


def test_bench_isochrones_runs_small():
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_isochrones.py"), "--nodes", "2000", "--services", "3", "--no-osm"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    for expected in (
        "synthetic grid: 2,025 nodes",
        "3 services × 3 bands",
        "previous (842b342)",
        "ego_graph + convex hull",
        "ratios: today",
        "targets:",
    ):
        assert expected in result.stdout
