"""The import benchmark runs end to end on small generated files (exercised, not timed: figures are printed)."""

import sys

import osmium
from bench_runs import BENCH_DIR, run_bench

sys.path.insert(0, str(BENCH_DIR))

from synthetic_osm import write_synthetic_pbf  # noqa: E402


def test_synthetic_file_has_the_shape_the_benchmark_names(tmp_path):
    counts = write_synthetic_pbf(tmp_path / "s.osm.pbf", n_nodes=20_000, seed=1)
    nodes = sum(1 for _ in osmium.FileProcessor(str(tmp_path / "s.osm.pbf"), osmium.osm.NODE))
    ways = [dict(w.tags) for w in osmium.FileProcessor(str(tmp_path / "s.osm.pbf"), osmium.osm.WAY)]
    assert nodes == counts["nodes"] and abs(nodes - 20_000) < 2_000
    assert len(ways) == counts["ways"]
    assert {w.get("oneway") for w in ways} >= {"yes", "-1"}
    assert sum(1 for w in ways if "maxspeed" in w) > 0 and sum(1 for w in ways if "surface" in w) > 0
    assert counts["junctions"] * 5 < nodes  # 5-6 curvy nodes between junctions


def test_bench_import_runs_small(tmp_path):
    run_bench(
        "bench_import.py",
        *("--nodes", "20000", "--osmnx-nodes", "3000", "--folder", str(tmp_path)),
        expected=(
            "bare pyosmium pass",
            "Qorgau import (cold)",
            "Qorgau load (cached)",
            "ratio import / bare pass",
            "peak memory of the import",
            "ratio OSMnx path / Qorgau import",
        ),
        timeout_s=600,
    )
