"""Road sources: OSM XML, a streamed .osm.pbf, the download (on recorded Overpass responses) and the cache."""

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import osmnx as ox
import pytest
from shapely.geometry import box

from geo import osm
from geo.osm import DownloadError, RoadSourceError, build_network, download_region, find_road_file, ways_from_road_file
from geo.speeds import DEFAULT_PROFILE

CRS = "EPSG:32642"
DATA = Path("tests/data/roads")
REGION_OUTLINE = box(67.95, 42.45, 68.15, 42.58)  # holds the whole hand-made network


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    ox.settings.doh_url_template = None

    def refuse(*args, **kwargs):
        raise AssertionError("a test tried to reach the internet")

    monkeypatch.setattr(ox._http.requests, "post", refuse)
    monkeypatch.setattr(ox._http.requests, "get", refuse)


@pytest.fixture
def hand_pbf(tmp_path):
    """The hand-made .osm written as .osm.pbf with pyosmium's writer."""
    path = tmp_path / "roads.osm.pbf"
    with osmium.SimpleWriter(str(path)) as writer:
        for obj in osmium.FileProcessor(str(DATA / "hand.osm")):
            if obj.is_node():
                writer.add_node(obj)
            elif obj.is_way():
                writer.add_way(obj)
    return path


def _signature(network):
    order = np.lexsort((network.edge_to, network.edge_from))
    return (
        network.n_nodes,
        network.n_edges,
        np.round(np.sort(network.edge_seconds), 4).tolist(),
        np.round(network.edge_length_m[order], 3).tolist(),
    )


def test_pbf_import_matches_xml(hand_pbf, tmp_path):
    from_xml = build_network(DATA / "hand.osm", analysis_crs=CRS, cache_dir=tmp_path / "a")
    from_pbf = build_network(hand_pbf, analysis_crs=CRS, cache_dir=tmp_path / "b")
    assert _signature(from_pbf) == _signature(from_xml)


def test_pbf_stream_keeps_drivable_ways_inside_outline(hand_pbf, tmp_path):
    # an outline around the main chain only: the disconnected parts at 68.05E and 68.10E are left out
    ways = ways_from_road_file(hand_pbf, boundary=box(67.99, 42.48, 68.02, 42.545))
    assert (ways.n_ways, len(set(ways.node_id))) == (4, 5)  # 101-104 (the footway 105 is not driven), A B C D K
    network = build_network(
        hand_pbf, analysis_crs=CRS, boundary=box(67.99, 42.48, 68.02, 42.545), cache_dir=tmp_path / "c"
    )
    assert network.n_nodes == 5


def test_cache_is_used_and_keyed_by_profile(tmp_path, monkeypatch):
    region = tmp_path / "region"
    region.mkdir()
    road = region / "roads.osm"
    road.write_bytes((DATA / "hand.osm").read_bytes())
    monkeypatch.setenv("QORGAU_CACHE_DIR", str(tmp_path / "user-cache"))
    first = build_network(road, analysis_crs=CRS)
    cached = list((tmp_path / "user-cache").glob("network-*.npz"))
    assert len(cached) == 1
    assert sorted(p.name for p in region.iterdir()) == ["roads.osm"]  # the region folder is never written to

    def no_rebuild(*args, **kwargs):
        raise AssertionError("rebuilt although cached")

    monkeypatch.setattr(osm, "ways_from_road_file", no_rebuild)
    again = build_network(road, analysis_crs=CRS)
    np.testing.assert_array_equal(again.edge_seconds, first.edge_seconds)
    with pytest.raises(AssertionError, match="rebuilt"):
        build_network(road, analysis_crs=CRS, profile=DEFAULT_PROFILE.with_adjustments("winter"))


def test_winter_profile_slows_the_network(tmp_path):
    summer = build_network(DATA / "hand.osm", analysis_crs=CRS, cache_dir=tmp_path)
    winter = build_network(
        DATA / "hand.osm", analysis_crs=CRS, cache_dir=tmp_path, profile=DEFAULT_PROFILE.with_adjustments("winter")
    )
    assert winter.edge_seconds.sum() > summer.edge_seconds.sum()
    assert "winter" in winter.profile_description


def test_bad_road_files(tmp_path):
    with pytest.raises(RoadSourceError, match="does not exist"):
        build_network(tmp_path / "missing.osm", analysis_crs=CRS)
    broken = tmp_path / "roads.osm"
    broken.write_text("<osm><node id='1' lat='x'")
    with pytest.raises(RoadSourceError, match="roads.osm"):
        build_network(broken, analysis_crs=CRS, cache_dir=tmp_path)
    other = tmp_path / "roads.shp"
    other.write_text("x")
    with pytest.raises(RoadSourceError, match="unknown road file type"):
        build_network(other, analysis_crs=CRS, cache_dir=tmp_path)


def _recorded_overpass(monkeypatch):
    """Answer OSMnx's Overpass requests with the responses recorded in tests/data/roads."""
    queries = []

    def answer(data):
        query = data["data"]
        queries.append(query)
        if '"highway"' in query:
            name = "overpass_roads.json"
        elif "admin_level" in query:
            name = "overpass_districts.json"
        elif "place" in query:
            name = "overpass_places.json"
        else:
            raise AssertionError(f"unexpected query {query}")
        return json.loads((DATA / name).read_text())

    monkeypatch.setattr(ox._overpass, "_overpass_request", answer)
    monkeypatch.setattr(osm, "check_overpass_reachable", lambda **kwargs: None)
    return queries


def test_download_writes_a_region_folder(tmp_path, monkeypatch):
    queries = _recorded_overpass(monkeypatch)
    steps = []
    written = download_region(tmp_path, REGION_OUTLINE, progress=lambda f, m: steps.append((f, m)))
    assert set(written) == {"roads", "districts", "settlements"}
    assert any("track" in q and "footway" not in q for q in queries)  # the drive filter of the profile
    assert steps[0][0] == 0.0 and steps[-1][0] == 1.0
    assert [f for f, _ in steps] == sorted(f for f, _ in steps)
    assert find_road_file(tmp_path) == tmp_path / "roads.osm.pbf"
    downloaded = build_network(tmp_path / "roads.osm.pbf", analysis_crs=CRS)
    from_file = build_network(DATA / "hand.osm", analysis_crs=CRS, cache_dir=tmp_path / "x")
    assert _signature(downloaded) == _signature(from_file)
    districts = gpd.read_file(tmp_path / "districts.geojson")
    assert districts["name_kk"].tolist() == ["Сынақ ауданы"] and districts.geometry.iloc[0].area > 0
    settlements = gpd.read_file(tmp_path / "settlements.geojson")
    assert sorted(settlements["kind"]) == ["hamlet", "village"]
    assert settlements.set_index("name").loc["Ақауыл", "population"] == 1200
    assert settlements.set_index("name").loc["Ақауыл", "name_ru"] == "Акаул"


def test_download_keeps_existing_districts_and_settlements(tmp_path, monkeypatch):
    queries = _recorded_overpass(monkeypatch)
    (tmp_path / "districts.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    (tmp_path / "settlements.csv").write_text("id,name,lat,lon\n")
    written = download_region(tmp_path, REGION_OUTLINE)
    assert set(written) == {"roads"} and len(queries) == 1
    assert (tmp_path / "districts.geojson").read_text().startswith('{"type": "FeatureCollection", "features": []')


def test_graphml_goes_through_the_same_builder(tmp_path):
    """A GraphML road file (as OSMnx saves a graph) gives the same travel times as the file it came from."""
    ox.settings.useful_tags_way = list(dict.fromkeys(ox.settings.useful_tags_way + ["surface"]))
    G = ox.graph_from_xml(DATA / "hand.osm", simplify=False, retain_all=True)
    ox.save_graphml(G, tmp_path / "roads.graphml")
    from_graph = build_network(tmp_path / "roads.graphml", analysis_crs=CRS, cache_dir=tmp_path / "a")
    from_file = build_network(DATA / "hand.osm", analysis_crs=CRS, cache_dir=tmp_path / "b")
    from scipy.sparse.csgraph import dijkstra

    for osm_id in from_file.node_osm_id:
        a = dijkstra(from_graph.seconds_matrix, indices=int(np.flatnonzero(from_graph.node_osm_id == osm_id)[0]))
        b = dijkstra(from_file.seconds_matrix, indices=int(np.flatnonzero(from_file.node_osm_id == osm_id)[0]))
        common = np.isin(from_graph.node_osm_id, from_file.node_osm_id)
        order = np.searchsorted(from_file.node_osm_id, from_graph.node_osm_id[common])
        np.testing.assert_allclose(a[common], b[order], rtol=1e-9)


def test_offline_download_fails_fast_with_the_fix(tmp_path, monkeypatch):
    import socket
    import time

    with socket.socket() as probe:  # a local port nobody listens on: refused at once, like a machine offline
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("QORGAU_OVERPASS_URL", f"http://127.0.0.1:{port}/api")
    started = time.perf_counter()
    with pytest.raises(DownloadError, match="import an .osm.pbf file"):
        download_region(tmp_path, REGION_OUTLINE)
    assert time.perf_counter() - started < 5.0
    assert not any(tmp_path.iterdir())  # nothing written


def test_outline_box_check_lets_odd_ways_through_to_the_exact_rules(tmp_path):
    """Ways libosmium cannot make a line of (one node, none, a node missing from the file) are read node by node
    when there is an outline, as without one; a way far outside the outline's box is dropped."""
    path = tmp_path / "odd.osm"
    path.write_text(
        '<?xml version="1.0"?><osm version="0.6">'
        '<node id="1" lat="42.5" lon="68.0"/><node id="2" lat="42.51" lon="68.01"/>'
        '<node id="3" lat="42.52" lon="68.0"/><node id="4" lat="45.0" lon="75.0"/><node id="5" lat="45.1" lon="75.1"/>'
        '<way id="1"><nd ref="1"/><tag k="highway" v="primary"/></way>'
        '<way id="2"><tag k="highway" v="primary"/></way>'
        '<way id="3"><nd ref="1"/><nd ref="1"/><tag k="highway" v="primary"/></way>'
        '<way id="4"><nd ref="1"/><nd ref="2"/><tag k="highway" v="primary"/></way>'
        '<way id="5"><nd ref="2"/><nd ref="99"/><nd ref="3"/><nd ref="1"/><tag k="highway" v="primary"/></way>'
        '<way id="6"><nd ref="4"/><nd ref="5"/><tag k="highway" v="primary"/></way>'
        "</osm>",
        encoding="utf-8",
    )
    clipped = ways_from_road_file(path, boundary=box(67.9, 42.4, 68.1, 42.6))
    whole = ways_from_road_file(path)
    assert clipped.node_id.tolist() == [1, 2, 3, 1]  # way 4, and way 5 cut at the missing node
    assert whole.node_id.tolist() == [1, 2, 3, 1, 4, 5]
