"""The import benchmark runs end to end on small generated files (exercised, not timed: figures are printed)."""

import json
import sys
from pathlib import Path

import numpy as np
import osmium
import shapely
from bench_runs import BENCH_DIR, run_bench
from shapely.geometry import shape

sys.path.insert(0, str(BENCH_DIR))

from synthetic_osm import COUNTRY_SHARES, write_country_pbf, write_synthetic_pbf  # noqa: E402

BOUNDARY = Path(__file__).resolve().parent.parent / "data" / "default" / "boundary.geojson"


def test_synthetic_file_has_the_shape_the_benchmark_names(tmp_path):
    counts = write_synthetic_pbf(tmp_path / "s.osm.pbf", n_nodes=20_000, seed=1)
    nodes = sum(1 for _ in osmium.FileProcessor(str(tmp_path / "s.osm.pbf"), osmium.osm.NODE))
    ways = [dict(w.tags) for w in osmium.FileProcessor(str(tmp_path / "s.osm.pbf"), osmium.osm.WAY)]
    assert nodes == counts["nodes"] and abs(nodes - 20_000) < 2_000
    assert len(ways) == counts["ways"]
    assert {w.get("oneway") for w in ways} >= {"yes", "-1"}
    assert sum(1 for w in ways if "maxspeed" in w) > 0 and sum(1 for w in ways if "surface" in w) > 0
    assert counts["junctions"] * 5 < nodes  # 5-6 curvy nodes between junctions


def test_country_file_is_a_country_with_the_region_a_minority(tmp_path):
    path = tmp_path / "c.osm.pbf"
    counts = write_country_pbf(path, n_nodes=60_000, seed=1)
    lonlat, node_ids, tagged_nodes = [], [], 0
    for node in osmium.FileProcessor(str(path), osmium.osm.NODE):
        lonlat.append((node.location.lon, node.location.lat))
        node_ids.append(node.id)
        tagged_nodes += len(node.tags) > 0
    kinds: dict[str, int] = {}
    road_refs = 0
    for way in osmium.FileProcessor(str(path), osmium.osm.WAY):
        kind = next((k for k in ("highway", "building", "landuse", "natural", "waterway") if k in way.tags), "other")
        kinds[kind] = kinds.get(kind, 0) + 1
        road_refs += len(way.nodes) if kind == "highway" else 0
    relations = [dict(r.tags) for r in osmium.FileProcessor(str(path), osmium.osm.RELATION)]
    assert len(node_ids) == counts["nodes"] and abs(counts["nodes"] - 60_000) < 3_000
    assert node_ids == sorted(node_ids)  # in id order, as in a Geofabrik file
    assert sum(kinds.values()) == counts["ways"] and kinds["highway"] == counts["road_ways"]
    assert kinds["building"] > kinds["highway"] and kinds["landuse"] + kinds["natural"] > 0 and kinds["waterway"] > 0
    assert abs(counts["road_nodes"] / counts["nodes"] - COUNTRY_SHARES["road"]) < 0.05
    assert road_refs > counts["road_nodes"]  # every road node is on a road (junctions on two)
    assert {r["type"] for r in relations} == {"multipolygon", "route"} and len(relations) == counts["relations"]
    assert 0.01 < tagged_nodes / len(node_ids) < 0.1
    features = json.loads(BOUNDARY.read_text(encoding="utf-8"))["features"]
    outline = shapely.union_all([shape(f["geometry"]) for f in features])
    inside = shapely.intersects_xy(outline, *np.array(lonlat).T).mean()
    assert 0.03 < inside < 0.2  # the region is a minority of the country, denser than its area share (4.3 %)


def test_bench_import_runs_small(tmp_path):
    output = run_bench(
        "bench_import.py",
        *("--nodes", "20000", "--country-nodes", "30000", "--osmnx-nodes", "3000", "--folder", str(tmp_path)),
        expected=(
            "bare pyosmium pass",
            "Qorgau import (cold)",
            "Qorgau load (cached)",
            "ratio import / bare pass",
            "peak memory of the import",
            "country bare pyosmium pass",
            "country Qorgau import, clipped",
            "ratio country import / bare pyosmium pass over the same file",
            "peak memory of the country import",
            "ratio OSMnx path / Qorgau import",
        ),
        timeout_s=600,
    )
    assert "(target <= 2x: " in output and "(target < 2048 MB: " in output
    assert list(tmp_path.glob("qorgau-bench-country-*-30000.osm.pbf"))  # kept for the next run
