"""A synthetic ``.osm.pbf`` road file of the Turkistan region's size, for the import benchmark and its smoke test.

A jittered grid of junctions over a square of the region's area; ways run along grid rows and columns across a
few junctions each, with curvy intermediate nodes between junctions (5–6 by default), mixed ``highway`` classes,
unpaved surfaces, ``maxspeed`` in several forms, ``oneway`` (``yes``/``-1``), a few closed (``access=private``)
and non-drivable ways (footways). Deterministic for a given seed. Written with pyosmium, so it is a real PBF.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import osmium

REGION_AREA_KM2 = 117_300.0
"""Turkistan region and Shymkent together, km² (the grid covers a square of this area)."""
ORIGIN_LONLAT = (66.5, 41.0)
"""South-west corner of the grid, degrees."""
KM_PER_DEG_LAT = 111.2
CLASSES = np.array(
    ["trunk", "primary", "secondary", "tertiary", "unclassified", "residential", "track", "service", "footway"]
)
CLASS_SHARE = np.array([0.03, 0.05, 0.10, 0.17, 0.25, 0.20, 0.14, 0.04, 0.02])
SURFACES = np.array(["", "asphalt", "gravel", "dirt", "compacted"])
SURFACE_SHARE = np.array([0.55, 0.2, 0.1, 0.1, 0.05])
MAXSPEEDS = np.array(["", "60", "90 km/h", "RU:rural", "40", "none"])
MAXSPEED_SHARE = np.array([0.8, 0.06, 0.04, 0.04, 0.04, 0.02])
ONEWAYS = np.array(["", "yes", "-1", "no"])
ONEWAY_SHARE = np.array([0.85, 0.08, 0.02, 0.05])
CLOSED_SHARE = 0.01
JUNCTIONS_PER_WAY = 5


def grid_side_for(n_nodes: int, *, between: float) -> int:
    """Junctions per grid side so that the file has about ``n_nodes`` nodes (2 side² edges × ``between`` + side²)."""
    return max(3, int(round(np.sqrt(n_nodes / (1 + 2 * between)))))


def write_synthetic_pbf(
    path: str | Path, *, n_nodes: int = 2_000_000, between: tuple[int, int] = (5, 6), seed: int = 2017
) -> dict[str, int]:
    """Write the synthetic road file and return its counts (``nodes``, ``ways``, ``junctions``).

    Parameters
    ----------
    path : path
        Target ``.osm.pbf`` (overwritten).
    n_nodes : int
        Approximate number of nodes.
    between : (int, int)
        Range (inclusive) of intermediate nodes between consecutive junctions.
    seed : int
    """
    rng = np.random.default_rng(seed)
    side = grid_side_for(n_nodes, between=float(np.mean(between)))
    spacing_km = np.sqrt(REGION_AREA_KM2) / side
    dlat = spacing_km / KM_PER_DEG_LAT
    dlon = spacing_km / (KM_PER_DEG_LAT * np.cos(np.radians(ORIGIN_LONLAT[1] + side * dlat / 2)))
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    jlon = ORIGIN_LONLAT[0] + (jj + rng.uniform(-0.2, 0.2, jj.shape)) * dlon
    jlat = ORIGIN_LONLAT[1] + (ii + rng.uniform(-0.2, 0.2, ii.shape)) * dlat
    junction_id = 1 + np.arange(side * side).reshape(side, side)
    next_id = side * side + 1
    path = Path(path)
    path.unlink(missing_ok=True)
    n_ways = 0
    n_nodes_written = side * side
    with osmium.SimpleWriter(str(path)) as writer:
        for k in range(side * side):
            writer.add_node(osmium.osm.mutable.Node(id=int(k + 1), location=(float(jlon.flat[k]), float(jlat.flat[k]))))
        # curvy intermediate nodes, written after the junctions (ids keep increasing, as in a real file)
        lines = [(junction_id[r, :], jlon[r, :], jlat[r, :]) for r in range(side)]
        lines += [(junction_id[:, c], jlon[:, c], jlat[:, c]) for c in range(side)]
        way_nodes: list[list[int]] = []
        for ids, lons, lats in lines:
            refs = [int(ids[0])]
            for a in range(len(ids) - 1):
                count = int(rng.integers(between[0], between[1] + 1))
                share = np.sort(rng.uniform(0.05, 0.95, count))
                wiggle = rng.normal(0.0, 0.08, count)
                lon = lons[a] + share * (lons[a + 1] - lons[a]) - wiggle * (lats[a + 1] - lats[a]) * dlon / dlat
                lat = lats[a] + share * (lats[a + 1] - lats[a]) + wiggle * (lons[a + 1] - lons[a]) * dlat / dlon
                for x, y in zip(lon, lat):
                    writer.add_node(osmium.osm.mutable.Node(id=next_id, location=(float(x), float(y))))
                    refs.append(next_id)
                    next_id += 1
                    n_nodes_written += 1
                refs.append(int(ids[a + 1]))
            # split the line into ways of a few junctions each
            step = (between[0] + between[1]) // 2 + 1
            span = JUNCTIONS_PER_WAY * step
            for start in range(0, len(refs) - 1, span):
                way_nodes.append(refs[start : start + span + 1])
        n = len(way_nodes)
        highway = rng.choice(CLASSES, n, p=CLASS_SHARE)
        surface = rng.choice(SURFACES, n, p=SURFACE_SHARE)
        maxspeed = rng.choice(MAXSPEEDS, n, p=MAXSPEED_SHARE)
        oneway = rng.choice(ONEWAYS, n, p=ONEWAY_SHARE)
        closed = rng.random(n) < CLOSED_SHARE
        for w, refs in enumerate(way_nodes):
            tags = {"highway": str(highway[w])}
            for key, value in (("surface", surface[w]), ("maxspeed", maxspeed[w]), ("oneway", oneway[w])):
                if value:
                    tags[key] = str(value)
            if closed[w]:
                tags["access"] = "private"
            writer.add_way(osmium.osm.mutable.Way(id=w + 1, nodes=refs, tags=tags))
            n_ways += 1
    return {"nodes": n_nodes_written, "ways": n_ways, "junctions": side * side}
