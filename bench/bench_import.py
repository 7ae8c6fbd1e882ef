"""Benchmark of the road-file import: a synthetic ``.osm.pbf`` of the Turkistan region's size, and one of a country.

Run: ``.venv/bin/python bench/bench_import.py`` (``--nodes 20000 --country-nodes 30000 --osmnx-nodes 5000`` for a
quick smoke run; ``--country-nodes 0`` skips the country file, ``--osmnx-nodes 0`` the OSMnx baseline).

Files (:mod:`bench.synthetic_osm`), generated once and kept in the system's temporary folder (``--folder``):

- *region-sized* (``--nodes``, ≈ 2 M nodes, about a minute to generate): roads only, ≈ 80 k curvy ways with 5–6
  nodes between junctions, mixed classes, surfaces, maxspeed, oneway, closed ways, over a square of the region's
  area. Imported whole (no clip).
- *country-size* (``--country-nodes``, 8 M nodes by default, as Geofabrik's Kazakhstan extract with its 6–10 M;
  about 40 s to generate): Kazakhstan's area with the region's road grid denser, and beside the roads (42 % of the
  nodes) buildings, landuse areas, rivers and power lines, tagged nodes and relations as in a real extract
  (:func:`synthetic_osm.write_country_pbf` says what and why). Imported clipped to the region's outline
  (``--boundary``, default ``data/default/boundary.geojson``), as the app does: ≈ 8 % of the nodes lie inside.

Each measurement runs in a fresh process; its peak memory is that child's peak resident set (``VmHWM``: Python,
libraries, the mapped node index and all):

- *bare pass* (the baseline): one pyosmium pass over every object of the file, doing nothing (the floor for any
  reader); on the country file it runs before and after the import, and the faster of the two is the baseline;
  the ratios are of wall-clock time (the targets) and of CPU time (user + system, all threads: less moved by
  other work on a shared machine);
- *Qorgau import*: :func:`geo.osm.build_network` cold (empty cache): stream, split, clip, build the CSR network,
  save;
- *cached load*: the same call again, from the cache (region-sized file);
- *OSMnx path* (the importer before this one): pbf → OSM XML → ``ox.graph_from_xml`` → ``ox.simplify_graph`` →
  ``ox.convert.to_digraph``. At full size it takes minutes and > 10 GB (measured once: 614 s, 10.5 GB), so it
  runs on a smaller file (``--osmnx-nodes``) beside a Qorgau import of that same file.

Prints the times, the peak memory and the ratios with their targets: region file, import / bare pass ≤ 8× and
peak < 1 GB; country file, import / bare pass ≤ 2× and peak < 2 GB; OSMnx path / Qorgau import on the same file.
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
"""Region-sized file: import / bare pass."""
TARGET_PEAK_MB = 1024.0
"""Region-sized file: peak memory of the import, MB."""
COUNTRY_TARGET_RATIO_TO_BARE = 2.0
"""Country-size file: import clipped to the region / bare pass over the same file (issue 17)."""
COUNTRY_TARGET_PEAK_MB = 2048.0
"""Country-size file: peak memory of the import, MB (issue 17)."""
DEFAULT_BOUNDARY = PROJECT / "data" / "default" / "boundary.geojson"
COUNTRY_FILE_VERSION = 2
"""In the cached country file's name: raise it when :func:`synthetic_osm.write_country_pbf` changes."""


def _child(mode: str, path: str, cache: str, boundary_file: str | None = None) -> dict:
    """One measurement in this (fresh) process: seconds and what was read or built."""
    boundary = _load_outline(boundary_file) if boundary_file else None
    started, cpu_started = time.perf_counter(), time.process_time()
    if mode == "bare":
        import osmium

        count = sum(1 for _ in osmium.FileProcessor(path))
        extra = {"objects": count}
    elif mode == "qorgau":
        from geo.osm import build_network

        network = build_network(path, analysis_crs=CRS, cache_dir=cache, boundary=boundary)
        extra = {"nodes": network.n_nodes, "edges": network.n_edges}
    elif mode == "osmnx":
        extra = _osmnx_path(path)
    else:
        raise ValueError(mode)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "peak_mb": peak_rss_mb(), **extra}


def _load_outline(path: str):  # a shapely geometry (shapely is imported in the child only)
    """The outline of a GeoJSON file (EPSG:4326) as one geometry, as :func:`geo.region.outline_degrees` gives it."""
    import shapely
    from shapely.geometry import shape

    features = json.loads(Path(path).read_text(encoding="utf-8"))["features"]
    return shapely.union_all([shape(feature["geometry"]) for feature in features])


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


def measure(mode: str, path: Path, cache: Path, boundary: Path | None = None) -> dict:
    """Run one measurement in a fresh Python process: its report, with its peak resident set ``peak_mb`` (MB)."""
    command = [sys.executable, __file__, "--child", mode, str(path), str(cache), *([str(boundary)] if boundary else [])]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def peak_rss_mb() -> float:
    """This process's peak resident set, MB: ``VmHWM`` of ``/proc/self/status``.

    Not ``ru_maxrss``: Linux carries the parent's peak over a fork and exec into it, so a child started by a
    parent that generated a large file would report the parent's peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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


def country_file(n_nodes: int, folder: Path) -> tuple[Path, dict]:
    """The country-size file of about ``n_nodes`` nodes and its counts, generated once (counts kept beside it)."""
    from synthetic_osm import write_country_pbf

    path = folder / f"qorgau-bench-country-v{COUNTRY_FILE_VERSION}-{n_nodes}.osm.pbf"
    counts_file = path.with_suffix(".json")
    if not (path.is_file() and counts_file.is_file()):
        started = time.perf_counter()
        partial = path.with_suffix(".partial.pbf")
        counts = write_country_pbf(partial, n_nodes=n_nodes)
        partial.replace(path)
        counts_file.write_text(json.dumps(counts))
        print(
            f"generated {path.name}: {counts['nodes']:,} nodes ({counts['road_nodes']:,} on roads), "
            f"{counts['ways']:,} ways ({counts['road_ways']:,} roads), {counts['relations']:,} relations "
            f"({time.perf_counter() - started:.1f} s)"
        )
    return path, json.loads(counts_file.read_text())


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def bench_country(n_nodes: int, folder: Path, boundary: Path) -> None:
    """Country-size file: bare pass, import clipped to ``boundary``, bare pass again; print figures and ratios."""
    path, counts = country_file(n_nodes, folder)
    print(
        f"country-size file: {path.name}, {path.stat().st_size / 2**20:.1f} MB, {counts['nodes']:,} nodes, "
        f"{counts['ways']:,} ways ({counts['road_ways']:,} roads), {counts['relations']:,} relations; "
        f"clipped to {boundary.name}"
    )
    with tempfile.TemporaryDirectory() as cache:
        before = measure("bare", path, Path(cache))
        cold = measure("qorgau", path, Path(cache), boundary)
        after = measure("bare", path, Path(cache))
    bare = min(before, after, key=lambda run: run["seconds"])
    print(
        f"country bare pyosmium pass:    {before['seconds']:7.2f} s before, {after['seconds']:.2f} s after the import "
        f"(CPU {before['cpu_seconds']:.2f} s, {after['cpu_seconds']:.2f} s), peak {bare['peak_mb']:.0f} MB "
        f"({bare['objects']:,} objects)"
    )
    print(
        f"country Qorgau import, clipped: {cold['seconds']:7.2f} s (CPU {cold['cpu_seconds']:.2f} s), "
        f"peak {cold['peak_mb']:.0f} MB ({cold['nodes']:,} nodes, {cold['edges']:,} edges kept in the region)"
    )
    ratio = cold["seconds"] / bare["seconds"]
    cpu_ratio = cold["cpu_seconds"] / min(before["cpu_seconds"], after["cpu_seconds"])
    print(
        f"ratio country import / bare pyosmium pass over the same file (the faster one): {ratio:.2f}x "
        f"(target <= {COUNTRY_TARGET_RATIO_TO_BARE:g}x: {_verdict(ratio <= COUNTRY_TARGET_RATIO_TO_BARE)}); "
        f"in CPU time {cpu_ratio:.2f}x (less moved by other work on the machine)"
    )
    peak = cold["peak_mb"]
    print(
        f"peak memory of the country import: {peak:.0f} MB = {peak / COUNTRY_TARGET_PEAK_MB:.2f} of the target, "
        f"{peak / bare['peak_mb']:.1f}x the bare pass's {bare['peak_mb']:.0f} MB "
        f"(target < {COUNTRY_TARGET_PEAK_MB:.0f} MB: {_verdict(peak < COUNTRY_TARGET_PEAK_MB)})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=2_000_000, help="nodes in the region-sized file")
    parser.add_argument(
        "--country-nodes", type=int, default=8_000_000, help="nodes in the country-size file (0: skip it)"
    )
    parser.add_argument(
        "--boundary",
        type=Path,
        default=DEFAULT_BOUNDARY,
        help="region outline (GeoJSON) the country file is clipped to",
    )
    parser.add_argument(
        "--osmnx-nodes", type=int, default=100_000, help="nodes in the file for the OSMnx baseline (0: skip it)"
    )
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()), help="where the files are kept")
    parser.add_argument("--child", nargs="+", metavar="ARG", help=argparse.SUPPRESS)
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
        f"{_verdict(ratio <= TARGET_RATIO_TO_BARE)}); in CPU time {cold['cpu_seconds'] / bare['cpu_seconds']:.2f}x"
    )
    print(
        f"peak memory of the import: {cold['peak_mb']:.0f} MB (target < {TARGET_PEAK_MB:.0f} MB: "
        f"{_verdict(cold['peak_mb'] < TARGET_PEAK_MB)})"
    )
    if args.country_nodes:
        bench_country(args.country_nodes, args.folder, args.boundary)
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
