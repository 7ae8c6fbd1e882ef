"""A synthetic ``.osm.pbf`` road file of the Turkistan region's size, for the import benchmark and its smoke test.

A jittered grid of junctions over a square of the region's area; ways run along grid rows and columns across a
few junctions each, with curvy intermediate nodes between junctions (5–6 by default), mixed ``highway`` classes,
unpaved surfaces, ``maxspeed`` in several forms, ``oneway`` (``yes``/``-1``), a few closed (``access=private``)
and non-drivable ways (footways). Deterministic for a given seed. Written with pyosmium, so it is a real PBF.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

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


# --- country-size file --------------------------------------------------------------------------------------------

COUNTRY_AREA_KM2 = 2_724_900.0
"""Kazakhstan's area, km² (the country file covers a rectangle of this area)."""
COUNTRY_SOUTH_WEST = (54.0, 40.5)
"""South-west corner of the country rectangle, degrees (it spans 40.5–52.2° N, 54.0° E to 81–85° E)."""
COUNTRY_HEIGHT_KM = 1300.0
"""North-south extent of the country rectangle, km (its width follows from the area)."""
REGION_BOUNDS = (66.0, 40.59, 70.94, 46.0)
"""Bounding box of the Turkistan region's outline (``data/default/boundary.geojson``), degrees: west, south,
east, north."""
REGION_BAND_DENSITY = 1.6
"""How much closer the road grid's rows (columns) are inside the region's latitude (longitude) band: the region's
box is 1.6² = 2.6× as dense in roads as the rest of the country, the bands crossing it 1.6× (Turkistan and
Shymkent hold about 16 % of Kazakhstan's people on 4.3 % of its area)."""
COUNTRY_SHARES = {"road": 0.42, "building": 0.32, "landuse": 0.15, "linear": 0.08, "poi": 0.03}
"""Share of the file's nodes by what they belong to: road ways (junctions and curvy nodes), buildings (closed
ways of 4 corners), landuse/natural areas (closed ways of 12–36 nodes), other lines (rivers, canals, power lines,
railways, fences: 10–50 nodes) and free tagged nodes (schools, shops, villages). Between the real extracts in
``../shared/data/osm``: rural Bavaria has 24 % of its way nodes in roads, 32 % in buildings, 34 % in landuse;
Monaco 81 % in buildings. A steppe country maps more roads and tracks and fewer fields, hence 42 % roads."""
ROAD_NODE_TAG_SHARE = 0.008
"""Share of road nodes with tags (``highway=crossing``, ``bus_stop``, ``traffic_signals``: they pass the importer's
``highway`` key filter as nodes)."""
MULTIPOLYGON_SHARE = 0.1
"""Share of landuse areas given as a multipolygon relation (the way itself untagged, as in OSM)."""
ROUTE_SHARE = 0.05
"""Share of road grid lines with a ``type=route`` relation over their ways."""
BUILDINGS_PER_VILLAGE = 60
POIS_PER_VILLAGE = 2
# tag tables: OPL tag text (``key=value,key=value``, reserved characters as ``%<hex>%``) and share
BUILDING_TAGS = (
    ("building=yes", 0.72),
    ("building=house", 0.18),
    ("building=apartments", 0.04),
    ("building=yes,amenity=school", 0.01),
    ("building=yes,addr:street=Абая%20%көшесі,addr:housenumber=12", 0.05),
)
LANDUSE_TAGS = (
    ("landuse=farmland", 0.35),
    ("landuse=meadow", 0.15),
    ("landuse=residential,name=Ауыл", 0.15),
    ("natural=water", 0.1),
    ("natural=wetland", 0.05),
    ("natural=scrub", 0.15),
    ("landuse=cemetery", 0.05),
)
LINEAR_TAGS = (
    ("waterway=river,name=Арыс", 0.1),
    ("waterway=stream", 0.25),
    ("waterway=canal", 0.15),
    ("waterway=ditch", 0.1),
    ("power=line,voltage=110000", 0.15),
    ("railway=rail,gauge=1520", 0.05),
    ("barrier=fence", 0.2),
)
POI_TAGS = (
    ("place=village,name=Ақсу,name:ru=Аксу,population=1200", 0.3),
    ("amenity=school,name=Мектеп%20%№%20%7", 0.15),
    ("amenity=place_of_worship,religion=muslim", 0.15),
    ("shop=convenience", 0.2),
    ("amenity=clinic,healthcare=clinic", 0.05),
    ("natural=peak,ele=820", 0.15),
)
ROAD_NODE_TAGS = (("highway=crossing", 0.5), ("highway=bus_stop,name=Аялдама", 0.3), ("highway=traffic_signals", 0.2))
OPL_CHUNK = 500_000
"""Objects formatted per write of the intermediate OPL text."""
OPL_TIMESTAMP = "t2024-03-01T10:00:00Z"


def _km_to_degrees(lat: np.ndarray) -> tuple[np.ndarray, float]:
    """Degrees of longitude per km at ``lat`` and degrees of latitude per km."""
    return 1.0 / (KM_PER_DEG_LAT * np.cos(np.radians(lat))), 1.0 / KM_PER_DEG_LAT


def _band_positions(n: int, length_km: float, band_km: tuple[float, float], density: float) -> np.ndarray:
    """``n`` grid positions over ``[0, length_km]``, ``density`` times closer inside ``band_km`` than outside, km."""
    lo, hi = band_km
    stretched = length_km + (density - 1.0) * (hi - lo)  # the axis with the band stretched to even spacing
    u = (np.arange(n) + 0.5) * stretched / n
    return np.where(
        u < lo, u, np.where(u < lo + density * (hi - lo), lo + (u - lo) / density, u - (density - 1) * (hi - lo))
    )


def _opl_escape(text: str) -> str:
    """``text`` as an OPL tag key or value: space, comma, ``=``, ``@`` and ``%`` as ``%<hex>%``."""
    return "".join(f"%{ord(c):x}%" if c in " ,=@%\n" else c for c in text)


def _sometimes(rng: np.random.Generator, table: tuple[tuple[str, float], ...], share: float, n: int) -> np.ndarray:
    """OPL tag texts for ``n`` objects: ``share`` of them drawn from ``table``, the others without tags."""
    tags = np.full(n, "", dtype=object)
    chosen = rng.random(n) < share
    tags[chosen] = _choose(rng, table, int(chosen.sum()))
    return tags


def _write_opl_nodes(
    out: TextIO,
    rng: np.random.Generator,
    first_id: int,
    lon: np.ndarray,
    lat: np.ndarray,
    tags: np.ndarray | None = None,
) -> int:
    """Write nodes ``first_id``, ``first_id + 1``, … as OPL lines (a version 1–5, a timestamp); return how many."""
    version = rng.integers(1, 6, len(lon))
    day = rng.integers(1, 29, len(lon))
    texts = tags if tags is not None else np.full(len(lon), "", dtype=object)
    for s in range(0, len(lon), OPL_CHUNK):
        block = slice(s, s + OPL_CHUNK)
        columns = (version[block], day[block], lon[block], lat[block])
        out.write(
            "".join(
                f"n{first_id + s + k} v{v} t2024-03-{d:02d}T10:00:00Z x{x:.7f} y{y:.7f}{' T' + t if t else ''}\n"
                for k, (v, d, x, y, t) in enumerate(zip(*(c.tolist() for c in columns), texts[block]))
            )
        )
    return len(lon)


def _write_opl_ways(out: TextIO, first_id: int, refs: list[np.ndarray], tags: Sequence[str]) -> int:
    """Write ways ``first_id``, … with the node ids ``refs`` and OPL tag texts ``tags``; return how many."""
    for s in range(0, len(refs), OPL_CHUNK):
        out.write(
            "".join(
                f"w{first_id + s + k} v1 {OPL_TIMESTAMP} T{t} N{','.join(f'n{r}' for r in way.tolist())}\n"
                for k, (way, t) in enumerate(zip(refs[s : s + OPL_CHUNK], tags[s : s + OPL_CHUNK]))
            )
        )
    return len(refs)


def _choose(rng: np.random.Generator, table: tuple[tuple[str, float], ...], n: int) -> np.ndarray:
    values = np.array([value for value, _ in table], dtype=object)
    shares = np.array([share for _, share in table])
    return values[rng.choice(len(values), n, p=shares / shares.sum())]


def write_country_pbf(
    path: str | Path, *, n_nodes: int = 8_000_000, between: tuple[int, int] = (5, 6), seed: int = 2017
) -> dict[str, int]:
    """Write a synthetic country-size ``.osm.pbf`` (Kazakhstan's area, the Turkistan region a minority of it).

    The road grid of :func:`write_synthetic_pbf` spans the whole country rectangle, denser over the region
    (:data:`REGION_BAND_DENSITY`); beside the roads, as in a real extract, buildings clustered in villages at road
    junctions, landuse and natural areas (some as multipolygon relations), rivers, canals, power lines, railways
    and fences, tagged free nodes and tagged road nodes, route relations (shares: :data:`COUNTRY_SHARES`). Every
    object has a version and a timestamp. Written as OPL text first (fast in numpy), then turned into PBF by
    libosmium; nodes, ways and relations in id order, as in a Geofabrik file. Deterministic for a given seed.

    Parameters
    ----------
    path : path
        Target ``.osm.pbf`` (overwritten).
    n_nodes : int
        Approximate number of nodes.
    between : (int, int)
        Range (inclusive) of curvy nodes between consecutive road junctions.
    seed : int

    Returns
    -------
    dict of str to int
        ``nodes``, ``ways``, ``relations``, ``road_nodes``, ``road_ways``, ``junctions``.
    """
    rng = np.random.default_rng(seed)
    path = Path(path)
    width_km = COUNTRY_AREA_KM2 / COUNTRY_HEIGHT_KM
    lon0, lat0 = COUNTRY_SOUTH_WEST
    mid_lat = lat0 + COUNTRY_HEIGHT_KM / KM_PER_DEG_LAT / 2
    km_per_deg_lon = KM_PER_DEG_LAT * np.cos(np.radians(mid_lat))
    west, south, east, north = REGION_BOUNDS
    band_x = ((west - lon0) * km_per_deg_lon, (east - lon0) * km_per_deg_lon)
    band_y = ((south - lat0) * KM_PER_DEG_LAT, (north - lat0) * KM_PER_DEG_LAT)
    # junction grid: nx × ny so that the road nodes are their share, rows and columns closer in the region's bands
    mean_between = float(np.mean(between))
    junctions = max(9.0, COUNTRY_SHARES["road"] * n_nodes / (1 + 2 * mean_between))
    stretched_x = width_km + (REGION_BAND_DENSITY - 1) * (band_x[1] - band_x[0])
    stretched_y = COUNTRY_HEIGHT_KM + (REGION_BAND_DENSITY - 1) * (band_y[1] - band_y[0])
    spacing = np.sqrt(stretched_x * stretched_y / junctions)
    nx, ny = max(3, int(round(stretched_x / spacing))), max(3, int(round(stretched_y / spacing)))
    gx = _band_positions(nx, width_km, band_x, REGION_BAND_DENSITY)
    gy = _band_positions(ny, COUNTRY_HEIGHT_KM, band_y, REGION_BAND_DENSITY)
    step_x, step_y = np.gradient(gx), np.gradient(gy)  # local grid spacing, km
    yy, xx = np.meshgrid(gy, gx, indexing="ij")
    xx = xx + rng.uniform(-0.2, 0.2, xx.shape) * step_x[None, :]
    yy = yy + rng.uniform(-0.2, 0.2, yy.shape) * step_y[:, None]
    jlat = lat0 + yy / KM_PER_DEG_LAT
    jlon = lon0 + xx / (KM_PER_DEG_LAT * np.cos(np.radians(jlat)))
    junction_id = 1 + np.arange(nx * ny, dtype=np.int64).reshape(ny, nx)
    next_id = nx * ny + 1

    # road lines along rows and columns, curvy nodes between junctions (ids after the junctions, in line order)
    lines = [(junction_id[r, :], jlon[r, :], jlat[r, :]) for r in range(ny)]
    lines += [(junction_id[:, c], jlon[:, c], jlat[:, c]) for c in range(nx)]
    road_ids, road_lon, road_lat, road_ways, way_line = [], [], [], [], []
    step = (between[0] + between[1]) // 2 + 1
    span = JUNCTIONS_PER_WAY * step
    for line_no, (ids, lons, lats) in enumerate(lines):
        counts = rng.integers(between[0], between[1] + 1, len(ids) - 1)
        segment = np.repeat(np.arange(len(ids) - 1), counts)
        share = rng.uniform(0.05, 0.95, len(segment))
        share = share[np.lexsort((share, segment))]
        wiggle = rng.normal(0.0, 0.08, len(segment))
        aspect = 1.0 / np.cos(np.radians(lats[segment]))  # degrees of longitude per degree of latitude
        d_lon, d_lat = lons[segment + 1] - lons[segment], lats[segment + 1] - lats[segment]
        lon = lons[segment] + share * d_lon - wiggle * d_lat * aspect
        lat = lats[segment] + share * d_lat + wiggle * d_lon / aspect
        new_ids = next_id + np.arange(len(segment), dtype=np.int64)
        next_id += len(segment)
        road_ids.append(new_ids)
        road_lon.append(lon)
        road_lat.append(lat)
        refs = np.empty(len(ids) + len(segment), dtype=np.int64)
        at_junction = np.arange(len(ids)) + np.concatenate([[0], np.cumsum(counts)])
        refs[at_junction] = ids
        refs[np.setdiff1d(np.arange(len(refs)), at_junction)] = new_ids
        for start in range(0, len(refs) - 1, span):
            road_ways.append(refs[start : start + span + 1])
            way_line.append(line_no)
    inter_ids = np.concatenate(road_ids)
    inter_lon, inter_lat = np.concatenate(road_lon), np.concatenate(road_lat)
    n_road_nodes = nx * ny + len(inter_ids)

    # villages at random junctions: buildings (4 corners, closed) and tagged free nodes around them
    n_buildings = int(COUNTRY_SHARES["building"] * n_nodes / 4)
    n_villages = max(1, n_buildings // BUILDINGS_PER_VILLAGE)
    village = rng.integers(0, nx * ny, n_villages)
    v_lon, v_lat = jlon.ravel()[village], jlat.ravel()[village]
    home = rng.integers(0, n_villages, n_buildings)
    deg_lon, deg_lat = _km_to_degrees(v_lat[home])
    b_lon = v_lon[home] + rng.normal(0, 0.5, n_buildings) * deg_lon
    b_lat = v_lat[home] + rng.normal(0, 0.5, n_buildings) * deg_lat
    half_km = rng.uniform(0.004, 0.009, n_buildings)
    angle = rng.uniform(0, np.pi / 2, n_buildings)[:, None] + np.array([0.25, 0.75, 1.25, 1.75]) * np.pi
    corner_lon = (b_lon[:, None] + np.sqrt(2) * half_km[:, None] * np.cos(angle) * deg_lon[:, None]).ravel()
    corner_lat = (b_lat[:, None] + np.sqrt(2) * half_km[:, None] * np.sin(angle) * deg_lat).ravel()
    building_first = next_id
    next_id += 4 * n_buildings

    # landuse and natural areas near junctions: 12-36 vertices around a centre
    sizes = rng.integers(12, 37, max(1, int(COUNTRY_SHARES["landuse"] * n_nodes / 24)))
    at = rng.integers(0, nx * ny, len(sizes))
    c_lat = jlat.ravel()[at] + rng.normal(0, 1.5, len(sizes)) / KM_PER_DEG_LAT
    c_lon = jlon.ravel()[at] + rng.normal(0, 1.5, len(sizes)) * _km_to_degrees(c_lat)[0]
    owner = np.repeat(np.arange(len(sizes)), sizes)
    turn = (np.arange(len(owner)) - np.repeat(np.cumsum(sizes) - sizes, sizes)) / sizes[owner] * 2 * np.pi
    radius = rng.uniform(0.3, 2.5, len(sizes))[owner] * rng.uniform(0.7, 1.3, len(owner))
    a_lat = c_lat[owner] + radius * np.sin(turn) / KM_PER_DEG_LAT
    a_lon = c_lon[owner] + radius * np.cos(turn) * _km_to_degrees(a_lat)[0]
    area_first = next_id
    next_id += len(owner)
    area_sizes = sizes

    # other lines (rivers, canals, power lines, railways, fences): random walks of 10-50 steps of 300 m from
    # junctions, the heading drifting
    sizes = rng.integers(10, 51, max(1, int(COUNTRY_SHARES["linear"] * n_nodes / 30)))
    owner = np.repeat(np.arange(len(sizes)), sizes)
    heading = rng.uniform(0, 2 * np.pi, len(sizes))[owner] + np.cumsum(rng.normal(0, 0.3, len(owner)))
    dx, dy = 0.3 * np.cos(heading), 0.3 * np.sin(heading)  # km per step
    first_of = np.cumsum(sizes) - sizes
    walk_x = np.cumsum(dx) - np.repeat(np.cumsum(dx)[first_of] - dx[first_of], sizes)
    walk_y = np.cumsum(dy) - np.repeat(np.cumsum(dy)[first_of] - dy[first_of], sizes)
    at = rng.integers(0, nx * ny, len(sizes))[owner]
    l_lat = jlat.ravel()[at] + walk_y / KM_PER_DEG_LAT
    l_lon = jlon.ravel()[at] + walk_x * _km_to_degrees(l_lat)[0]
    line_first = next_id
    next_id += len(owner)
    line_sizes = sizes

    # tagged free nodes near village centres
    n_pois = int(COUNTRY_SHARES["poi"] * n_nodes)
    near = rng.integers(0, n_villages, n_pois)
    p_lat = v_lat[near] + rng.normal(0, 0.4, n_pois) / KM_PER_DEG_LAT
    p_lon = v_lon[near] + rng.normal(0, 0.4, n_pois) * _km_to_degrees(p_lat)[0]
    poi_first = next_id
    next_id += n_pois

    opl = path.with_name(path.name + ".opl")
    counts = {"nodes": 0, "ways": 0, "relations": 0}
    with open(opl, "w", encoding="utf-8") as out:
        road_node_tags = _sometimes(rng, ROAD_NODE_TAGS, ROAD_NODE_TAG_SHARE, nx * ny + len(inter_ids))
        counts["nodes"] += _write_opl_nodes(out, rng, 1, jlon.ravel(), jlat.ravel(), road_node_tags[: nx * ny])
        counts["nodes"] += _write_opl_nodes(out, rng, nx * ny + 1, inter_lon, inter_lat, road_node_tags[nx * ny :])
        counts["nodes"] += _write_opl_nodes(out, rng, building_first, corner_lon, corner_lat)
        counts["nodes"] += _write_opl_nodes(out, rng, area_first, a_lon, a_lat)
        counts["nodes"] += _write_opl_nodes(out, rng, line_first, l_lon, l_lat)
        counts["nodes"] += _write_opl_nodes(out, rng, poi_first, p_lon, p_lat, _choose(rng, POI_TAGS, n_pois))

        n = len(road_ways)
        road_tags = [
            ",".join(
                [f"highway={h}"]
                + [f"{key}={_opl_escape(v)}" for key, v in (("surface", s), ("maxspeed", m), ("oneway", o)) if v]
                + (["access=private"] if c else [])
            )
            for h, s, m, o, c in zip(
                rng.choice(CLASSES, n, p=CLASS_SHARE),
                rng.choice(SURFACES, n, p=SURFACE_SHARE),
                rng.choice(MAXSPEEDS, n, p=MAXSPEED_SHARE),
                rng.choice(ONEWAYS, n, p=ONEWAY_SHARE),
                rng.random(n) < CLOSED_SHARE,
            )
        ]
        counts["ways"] += _write_opl_ways(out, 1, road_ways, road_tags)
        corners = building_first + np.arange(4 * n_buildings, dtype=np.int64).reshape(-1, 4)
        building_refs = list(np.column_stack([corners, corners[:, 0]]))
        counts["ways"] += _write_opl_ways(
            out, 1 + counts["ways"], building_refs, _choose(rng, BUILDING_TAGS, n_buildings)
        )
        area_refs = [
            np.append(refs, refs[0])
            for refs in np.split(area_first + np.arange(int(area_sizes.sum())), np.cumsum(area_sizes)[:-1])
        ]
        area_tags = _choose(rng, LANDUSE_TAGS, len(area_refs))
        in_relation = rng.random(len(area_refs)) < MULTIPOLYGON_SHARE
        area_way_first = 1 + counts["ways"]
        counts["ways"] += _write_opl_ways(out, area_way_first, area_refs, np.where(in_relation, "", area_tags))
        line_refs = np.split(line_first + np.arange(int(line_sizes.sum())), np.cumsum(line_sizes)[:-1])
        counts["ways"] += _write_opl_ways(out, 1 + counts["ways"], line_refs, _choose(rng, LINEAR_TAGS, len(line_refs)))

        for k in np.flatnonzero(in_relation).tolist():
            counts["relations"] += 1
            tags = f"Ttype=multipolygon,{area_tags[k]}"
            out.write(f"r{counts['relations']} v1 {OPL_TIMESTAMP} {tags} Mw{area_way_first + k}@outer\n")
        road_way_ids = 1 + np.arange(n)
        for line_no in np.flatnonzero(rng.random(len(lines)) < ROUTE_SHARE).tolist():
            counts["relations"] += 1
            members = ",".join(f"w{w}@" for w in road_way_ids[np.array(way_line) == line_no].tolist())
            out.write(f"r{counts['relations']} v1 {OPL_TIMESTAMP} Ttype=route,route=road,ref=KZ-{line_no} M{members}\n")
    path.unlink(missing_ok=True)
    writer = osmium.SimpleWriter(str(path))
    try:
        osmium.apply(str(opl), writer)
    finally:
        writer.close()
        opl.unlink(missing_ok=True)
    return {**counts, "road_nodes": n_road_nodes, "road_ways": len(road_ways), "junctions": nx * ny}
