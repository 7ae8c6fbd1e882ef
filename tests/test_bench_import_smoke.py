"""The import benchmark runs end to end on small generated files (exercised, not timed: figures are printed)."""

import subprocess
import sys
from pathlib import Path

import osmium

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

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
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_import.py"),
            "--nodes",
            "20000",
            "--osmnx-nodes",
            "3000",
            "--folder",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    for expected in (
        "bare pyosmium pass",
        "Qorgau import (cold)",
        "Qorgau load (cached)",
        "ratio import / bare pass",
        "peak memory of the import",
        "ratio OSMnx path / Qorgau import",
    ):
        assert expected in result.stdout
