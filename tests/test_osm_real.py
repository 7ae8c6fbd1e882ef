"""Every real OSM extract in ../shared/data/osm imports, and its travel times match an independent reference.

The reference is built here, not by the importer: OSMnx reads the file as XML (``graph_from_xml(simplify=False)``,
the ``.osm.pbf`` files converted to XML with pyosmium first), the same road rule and speed profile are applied to
its edges, and networkx's Dijkstra gives the times between junctions. The importer streams the file with pyosmium
into arrays and searches with scipy: two separate paths to the same numbers.
"""

from __future__ import annotations

import bz2
import shutil
from pathlib import Path

import networkx as nx
import numpy as np
import osmium
import osmnx as ox
import pytest
from scipy.sparse.csgraph import dijkstra

from geo.osm import build_network, ways_from_road_file
from geo.osmfile import CLOSED_VALUES
from geo.speeds import DEFAULT_PROFILE

SHARED_OSM = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "osm"
REAL_FILES = ("monaco.osm.pbf", "north-bayreuth.osm.gz", "moscow.osm.gz", "helsinki.osm.pbf", "kouvola.osm.pbf")
CRS = "EPSG:3857"
SOURCES_PER_FILE = 12
RELATIVE_TOLERANCE = 1e-3
"""Travel times must agree within 0.1 % (the issue's bar)."""

needs_osm = pytest.mark.skipif(
    not SHARED_OSM.is_dir(),
    reason=f"real OSM extracts not found at {SHARED_OSM} (../shared/data/osm beside the project)",
)


def _as_xml(path: Path, tmp_path: Path) -> Path:
    """The file as plain OSM XML (OSMnx reads XML only), converted with pyosmium.

    OSMnx refuses ways that reference nodes missing from the file (the edge of an extract: Helsinki, Kouvola);
    such a way is written as its pieces between the missing nodes, which is what the importer makes of it.
    """
    present = {node.id for node in osmium.FileProcessor(str(path), osmium.osm.NODE)}
    target = tmp_path / (path.name.split(".")[0] + "-reference.osm")
    next_id = 10**12
    with osmium.SimpleWriter(str(target)) as writer:
        for obj in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY):
            if obj.is_node():
                writer.add_node(obj)
                continue
            refs = [n.ref for n in obj.nodes]
            if all(r in present for r in refs):
                writer.add_way(obj)
                continue
            pieces, piece = [], []
            for ref in refs + [None]:
                if ref in present:
                    piece.append(ref)
                else:
                    pieces.append(piece)
                    piece = []
            for piece in (p for p in pieces if len(p) >= 2):
                writer.add_way(osmium.osm.mutable.Way(id=next_id, nodes=piece, tags=dict(obj.tags)))
                next_id += 1
    return target


def _reference_graph(xml: Path) -> nx.MultiDiGraph:
    """OSMnx's unsimplified graph with the project's road rule and speeds applied to each edge."""
    saved = list(ox.settings.useful_tags_way)
    ox.settings.useful_tags_way = saved + ["surface", "motor_vehicle", "motorcar"]
    try:
        G = ox.graph_from_xml(xml, simplify=False, retain_all=True)
    finally:
        ox.settings.useful_tags_way = saved
    drop = [
        (u, v, k)
        for u, v, k, d in G.edges(keys=True, data=True)
        if not DEFAULT_PROFILE.drives(d.get("highway"))
        or d.get("area") == "yes"
        or CLOSED_VALUES & {d.get("access"), d.get("motor_vehicle"), d.get("motorcar")}
    ]
    G.remove_edges_from(drop)
    for _, _, d in G.edges(data=True):
        speed = DEFAULT_PROFILE.speed_kmh(d.get("highway"), maxspeed=d.get("maxspeed"), surface=d.get("surface"))
        d["seconds"] = float(d["length"]) / (speed / 3.6)
    return G


@needs_osm
@pytest.mark.parametrize("name", REAL_FILES)
def test_real_extract_matches_reference(name, tmp_path):
    path = SHARED_OSM / name
    network = build_network(path, analysis_crs=CRS, cache_dir=tmp_path / "cache")
    assert network.n_nodes > 100 and network.n_edges > network.n_nodes
    G = _reference_graph(_as_xml(path, tmp_path))
    index = {osm_id: i for i, osm_id in enumerate(network.node_osm_id)}
    shared = np.array([n for n in index if n in G])
    assert len(shared) == network.n_nodes  # every junction of ours is a node of the reference
    rng = np.random.default_rng(7)
    compared = 0
    for source in rng.choice(shared, SOURCES_PER_FILE, replace=False):
        reference = nx.single_source_dijkstra_path_length(G, source, weight="seconds")
        ours = dijkstra(network.seconds_matrix, directed=True, indices=index[source])
        targets = np.array([n for n in shared if n in reference])
        expected = np.array([reference[n] for n in targets])
        got = ours[[index[n] for n in targets]]
        # nothing the reference reaches is unreachable for us, and nothing more is reached
        assert np.isfinite(got).all()
        assert np.isinf(np.delete(ours, [index[n] for n in targets])).all()
        assert np.allclose(got, expected, rtol=RELATIVE_TOLERANCE, atol=0.01), name
        compared += len(targets)
    assert compared > 10 * SOURCES_PER_FILE


@needs_osm
def test_every_osm_format_gives_the_same_network(tmp_path):
    """The same data as .osm.pbf, .osm, .osm.gz and .osm.bz2 (Geofabrik's and HOT's formats): one network."""
    xml = _as_xml(SHARED_OSM / "kouvola.osm.pbf", tmp_path)
    with open(xml, "rb") as plain, bz2.open(tmp_path / "kouvola.osm.bz2", "wb") as packed:
        shutil.copyfileobj(plain, packed)
    gz = tmp_path / "kouvola.osm.gz"
    with osmium.SimpleWriter(str(gz)) as writer:
        for obj in osmium.FileProcessor(str(xml)):
            writer.add_node(obj) if obj.is_node() else writer.add_way(obj) if obj.is_way() else None
    networks = [
        build_network(p, analysis_crs=CRS, cache_dir=tmp_path / "c")
        for p in (SHARED_OSM / "kouvola.osm.pbf", xml, gz, tmp_path / "kouvola.osm.bz2")
    ]
    for other in networks[1:]:
        assert np.array_equal(other.node_osm_id, networks[0].node_osm_id)
        assert np.allclose(other.edge_seconds, networks[0].edge_seconds)


@needs_osm
def test_oneway_rules_as_osmnx(tmp_path):
    """oneway=yes/-1 and roundabouts run one way only; oneway=-1 against its node order (Monaco has all three)."""
    ways = ways_from_road_file(SHARED_OSM / "monaco.osm.pbf")
    assert (ways.forward & ~ways.backward).sum() > 100  # oneway=yes and roundabouts
    assert (~ways.forward & ways.backward).any()  # oneway=-1
    network = build_network(SHARED_OSM / "monaco.osm.pbf", analysis_crs=CRS, cache_dir=tmp_path)
    pairs = set(zip(network.edge_from.tolist(), network.edge_to.tolist()))
    one_way = sum((v, u) not in pairs for u, v in pairs)
    assert one_way > 100


@needs_osm
def test_closed_and_area_ways_are_not_roads(tmp_path):
    """access=private/no, motor_vehicle=no and area=yes ways are left out (north Bayreuth and Monaco have them)."""
    for name in ("north-bayreuth.osm.gz", "monaco.osm.pbf"):
        closed = set()
        for way in osmium.FileProcessor(str(SHARED_OSM / name), osmium.osm.WAY):
            tags = way.tags
            if DEFAULT_PROFILE.drives(tags.get("highway")) and (
                tags.get("area") == "yes"
                or any(tags.get(k) in CLOSED_VALUES for k in ("access", "motor_vehicle", "motorcar"))
            ):
                closed.update(n.ref for n in way.nodes)
        assert closed, name
        network = build_network(SHARED_OSM / name, analysis_crs=CRS, cache_dir=tmp_path)
        G = _reference_graph(_as_xml(SHARED_OSM / name, tmp_path))
        only_closed = {n for n in closed if n in G and G.degree(n) == 0}
        assert only_closed and not only_closed & set(network.node_osm_id.tolist())


@needs_osm
def test_moscow_imports_with_cyrillic_names(tmp_path):
    network = build_network(SHARED_OSM / "moscow.osm.gz", analysis_crs="EPSG:32637", cache_dir=tmp_path)
    assert network.n_nodes > 300
    assert np.isfinite(network.edge_seconds).all() and (network.edge_seconds > 0).all()


@needs_osm
def test_streaming_in_chunks_clips_the_same_ways(monkeypatch):
    """Ways are cleaned and clipped chunk by chunk (memory follows the region): the result does not depend on it."""
    from shapely.geometry import box

    from geo import osmfile

    outline = box(7.40, 43.72, 7.44, 43.75)  # part of Monaco
    whole = ways_from_road_file(SHARED_OSM / "monaco.osm.pbf", boundary=outline)
    monkeypatch.setattr(osmfile, "CHUNK_REFS", 500)
    chunked = ways_from_road_file(SHARED_OSM / "monaco.osm.pbf", boundary=outline)
    assert 0 < whole.n_ways == chunked.n_ways
    for name in ("way_offsets", "node_id", "lon", "lat", "speed_kmh", "forward", "backward"):
        assert np.array_equal(getattr(whole, name), getattr(chunked, name)), name
    unclipped = ways_from_road_file(SHARED_OSM / "monaco.osm.pbf")
    assert unclipped.n_ways > whole.n_ways


@needs_osm
@pytest.mark.parametrize("name", ["monaco.osm.pbf", "helsinki.osm.pbf"])
def test_ways_dropped_by_the_outline_box_are_the_ones_the_clip_drops(name, monkeypatch):
    """Ways with no node in the outline's bounding box are dropped before their nodes are read (a country file):
    the result is the same as clipping every way, missing nodes included (Helsinki's edge)."""
    from shapely.geometry import Point

    from geo import osmfile

    path = SHARED_OSM / name
    nodes = np.array([(n.location.lon, n.location.lat) for n in osmium.FileProcessor(str(path), osmium.osm.NODE)])
    centre, radius = np.median(nodes, axis=0), 0.25 * np.ptp(nodes, axis=0).min()
    outline = Point(*centre).buffer(radius)  # a disc: its box holds ways the exact clip still drops
    read = []
    add = osmfile._WayBuffer.add
    monkeypatch.setattr(osmfile._WayBuffer, "add", lambda self, *args: read.append(1) or add(self, *args))
    clipped = osmfile.read_ways(path, profile=DEFAULT_PROFILE, boundary=outline)
    n_read_clipped = len(read)
    whole = osmfile.read_ways(path, profile=DEFAULT_PROFILE)
    assert 0 < n_read_clipped < len(read) / 2  # most ways never reached the per-node loop
    reference = osmfile.clip_ways(whole, outline)
    assert 0 < clipped.n_ways < whole.n_ways
    for field in ("way_offsets", "node_id", "lon", "lat", "speed_kmh", "forward", "backward"):
        assert np.array_equal(getattr(clipped, field), getattr(reference, field)), field
