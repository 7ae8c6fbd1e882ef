"""Benchmark of the road-file import on a synthetic ``.osm.pbf`` of the Turkistan region's size.

Run: ``.venv/bin/python bench/bench_import.py`` (``--nodes 20000 --osmnx-nodes 5000`` for a quick smoke run).

The file (≈ 2 M nodes, ≈ 80 k curvy ways with 5–6 nodes between junctions, mixed classes, surfaces, maxspeed,
oneway, closed ways; :mod:`bench.synthetic_osm`) is generated once and kept in the system's temporary folder.
Each measurement runs in a fresh process, so its peak memory (ru_maxrss, libraries included) is its own:

- *bare pass*: one pyosmium pass over every object of the file, doing nothing (the floor for any reader);
- *Qorgau import*: :func:`geo.osm.build_network` cold (empty cache): stream, split, build the CSR network, save;
- *cached load*: the same call again, from the cache;
- *OSMnx path* (the baseline: the importer before this one): pbf → OSM XML → ``ox.graph_from_xml`` →
  ``ox.simplify_graph`` → ``ox.convert.to_digraph``. At full size it takes minutes and > 10 GB (measured once:
  614 s, 10.5 GB), so by default it runs on a smaller file (``--osmnx-nodes``) beside a Qorgau import of that
  same file; ``--osmnx-nodes 0`` skips it.

Prints the times, the peak memory and the ratios: import / bare pass (target ≤ 8×), peak memory (target < 1 GB),
and OSMnx path / Qorgau import on the same file.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "bench"))

CRS = "EPSG:32642"
TARGET_RATIO_TO_BARE = 8.0
TARGET_PEAK_MB = 1024.0


def _child(mode: str, path: str, cache: str) -> dict:
    """One measurement in this (fresh) process: seconds and peak memory in MB."""
    import resource

    started = time.perf_counter()
    if mode == "bare":
        import osmium

        count = sum(1 for _ in osmium.FileProcessor(path))
        extra = {"objects": count}
    elif mode == "qorgau":
        from geo.osm import build_network

        network = build_network(path, analysis_crs=CRS, cache_dir=cache)
        extra = {"nodes": network.n_nodes, "edges": network.n_edges}
    elif mode == "osmnx":
        extra = _osmnx_path(path)
    else:
        raise ValueError(mode)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, **extra}


def _osmnx_path(path: str) -> dict:
    """The importer before this one: pbf to XML, OSMnx graph, simplification, DiGraph."""
    import osmium
    import osmnx as ox

    from geo.speeds import DEFAULT_PROFILE

    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / "roads.osm"
        with osmium.SimpleWriter(str(xml)) as writer:
            for obj in osmium.FileProcessor(path):
                if obj.is_node():
                    writer.add_node(obj)
                elif obj.is_way():
                    writer.add_way(obj)
        ox.settings.useful_tags_way = list(ox.settings.useful_tags_way) + ["surface", "motor_vehicle", "motorcar"]
        G = ox.graph_from_xml(xml, simplify=False, retain_all=True)
    drop = [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if not DEFAULT_PROFILE.drives(d.get("highway"))]
    G.remove_edges_from(drop)
    for _, _, d in G.edges(data=True):
        speed = DEFAULT_PROFILE.speed_kmh(d.get("highway"), maxspeed=d.get("maxspeed"), surface=d.get("surface"))
        d["speed_kmh"] = speed
        d["travel_time"] = float(d["length"]) / (speed / 3.6)
    G = ox.simplify_graph(
        G, edge_attrs_differ=["speed_kmh"], remove_rings=False, edge_attr_aggs={"length": sum, "travel_time": sum}
    )
    G = ox.project_graph(G, to_crs=CRS)
    D = ox.convert.to_digraph(G, weight="travel_time")
    return {"nodes": D.number_of_nodes(), "edges": D.number_of_edges()}


def measure(mode: str, path: Path, cache: Path) -> dict:
    """Run one measurement in a fresh Python process."""
    output = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path), str(cache)], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def synthetic_file(n_nodes: int, folder: Path) -> Path:
    """The synthetic file of about ``n_nodes`` nodes, generated once."""
    from synthetic_osm import write_synthetic_pbf

    path = folder / f"qorgau-bench-{n_nodes}.osm.pbf"
    if not path.is_file():
        started = time.perf_counter()
        counts = write_synthetic_pbf(path.with_suffix(".partial.pbf"), n_nodes=n_nodes)
        path.with_suffix(".partial.pbf").replace(path)
        print(
            f"generated {path.name}: {counts['nodes']:,} nodes, {counts['ways']:,} ways "
            f"({time.perf_counter() - started:.1f} s)"
        )
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=2_000_000, help="nodes in the region-sized file")
    parser.add_argument(
        "--osmnx-nodes", type=int, default=100_000, help="nodes in the file for the OSMnx baseline (0: skip it)"
    )
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()), help="where the files are kept")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "PATH", "CACHE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(*args.child)))
        return 0
    path = synthetic_file(args.nodes, args.folder)
    print(f"file: {path.name}, {path.stat().st_size / 2**20:.1f} MB")
    with tempfile.TemporaryDirectory() as cache:
        bare = measure("bare", path, Path(cache))
        cold = measure("qorgau", path, Path(cache))
        warm = measure("qorgau", path, Path(cache))
    print(
        f"bare pyosmium pass:   {bare['seconds']:7.2f} s  peak {bare['peak_mb']:6.0f} MB  ({bare['objects']:,} objects)"
    )
    print(
        f"Qorgau import (cold): {cold['seconds']:7.2f} s  peak {cold['peak_mb']:6.0f} MB  "
        f"({cold['nodes']:,} nodes, {cold['edges']:,} edges)"
    )
    print(f"Qorgau load (cached): {warm['seconds']:7.2f} s  peak {warm['peak_mb']:6.0f} MB")
    ratio = cold["seconds"] / bare["seconds"]
    print(
        f"ratio import / bare pass: {ratio:.2f}x (target <= {TARGET_RATIO_TO_BARE:g}x: "
        f"{'met' if ratio <= TARGET_RATIO_TO_BARE else 'NOT met'})"
    )
    print(
        f"peak memory of the import: {cold['peak_mb']:.0f} MB (target < {TARGET_PEAK_MB:.0f} MB: "
        f"{'met' if cold['peak_mb'] < TARGET_PEAK_MB else 'NOT met'})"
    )
    if args.osmnx_nodes:
        small = synthetic_file(args.osmnx_nodes, args.folder)
        with tempfile.TemporaryDirectory() as cache:
            ours = measure("qorgau", small, Path(cache))
            theirs = measure("osmnx", small, Path(cache))
        print(
            f"on {small.name}: OSMnx path {theirs['seconds']:.2f} s, peak {theirs['peak_mb']:.0f} MB "
            f"({theirs['nodes']:,} nodes, {theirs['edges']:,} edges); Qorgau import {ours['seconds']:.2f} s, "
            f"peak {ours['peak_mb']:.0f} MB ({ours['nodes']:,} nodes, {ours['edges']:,} edges)"
        )
        print(
            f"ratio OSMnx path / Qorgau import: {theirs['seconds'] / ours['seconds']:.1f}x time, "
            f"{theirs['peak_mb'] / ours['peak_mb']:.1f}x peak memory"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
