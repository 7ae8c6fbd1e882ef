"""Road line layers (geo.roadlayer): each quirk of the region's real layers on a small excerpt of it
(tests/data/roadlayer), the formats and CRSs a GIS department sends, and the bad files with their fix."""

import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import scipy.sparse as sp
import shapely
from conftest import SHARED_TURKISTAN, needs_shared
from scipy.sparse.csgraph import connected_components
from shapely.geometry import LineString, Point

from geo.errors import ValidationError
from geo.network import network_from_ways
from geo.osm import build_network
from geo.roadlayer import SNAP_ENDS_M, read_road_layer, road_class_of
from geo.speeds import DEFAULT_PROFILE

DATA = Path(__file__).parent / "data" / "roadlayer"
SHARED_ROADS = SHARED_TURKISTAN / "roads"
CRS = "EPSG:32642"


def _components(ways) -> tuple[int, np.ndarray, object]:
    network = network_from_ways(ways, analysis_crs=CRS, profile_description="test")
    n = network.n_nodes
    graph = sp.csr_matrix((np.ones(network.n_edges), network.edge_to, network.indptr), shape=(n, n))
    count, labels = connected_components(graph, directed=False)
    return count, labels, network


@pytest.mark.parametrize("name", ["overlap_trunk.geojson", "near_miss_ends.geojson", "generalised_junction.geojson"])
def test_pieces_of_the_real_layers_that_do_not_quite_meet_are_joined(name):
    apart = read_road_layer(DATA / name, profile=DEFAULT_PROFILE, snap_m=0.0)
    joined = read_road_layer(DATA / name, profile=DEFAULT_PROFILE)
    assert _components(apart.ways)[0] == 2  # as cut: two pieces that do not meet
    assert _components(joined.ways)[0] == 1 and joined.joined_ends >= 1


def test_an_end_on_the_middle_of_the_next_piece_gets_a_vertex_there():
    # overlap_trunk: the end is 0.05 m from the next piece, whose vertices are 569 m and more away
    layer = read_road_layer(DATA / "overlap_trunk.geojson", profile=DEFAULT_PROFILE)
    count, _, network = _components(layer.ways)
    assert count == 1
    frame = gpd.read_file(DATA / "overlap_trunk.geojson").to_crs(CRS)
    end = Point(frame.geometry.iloc[0].coords[-1])
    nearest_node = np.min(np.hypot(network.x_m - end.x, network.y_m - end.y))
    assert nearest_node < 1.0  # a junction where the end meets the other piece
    assert sum(frame.length) / 1000 == pytest.approx(sum(layer.km_by_class.values()), abs=0.2)


def test_crossing_lines_without_a_shared_vertex_are_not_joined(tmp_path):
    # a bridge over a road: the lines cross, no vertex is shared, no end is near
    frame = gpd.GeoDataFrame(
        {"highway": ["trunk", "residential"]},
        geometry=[LineString([(68.0, 41.0), (68.02, 41.0)]), LineString([(68.01, 40.99), (68.01, 41.01)])],
        crs="EPSG:4326",
    )
    frame.to_file(tmp_path / "bridge.geojson", driver="GeoJSON")
    assert _components(read_road_layer(tmp_path / "bridge.geojson", profile=DEFAULT_PROFILE).ways)[0] == 2


def _excerpt(crs: str, *, russian: bool = False) -> gpd.GeoDataFrame:
    frame = gpd.read_file(DATA / "near_miss_ends.geojson")[["highway", "geometry"]]
    if russian:
        frame = frame.rename(columns={"highway": "Класс"}).assign(Класс=["Дорога районного значения", "улица"])
    return frame.to_crs(crs)


def test_a_geopackage_in_another_crs_with_russian_class_names(tmp_path):
    path = tmp_path / "roads.gpkg"
    _excerpt("EPSG:3857", russian=True).to_file(path, driver="GPKG")
    layer = read_road_layer(path, profile=DEFAULT_PROFILE)
    assert set(layer.km_by_class) == {"tertiary", "residential"}
    assert _components(layer.ways)[0] == 1
    # the same place as the GeoJSON in degrees: reprojected, not read as degrees
    original = read_road_layer(DATA / "near_miss_ends.geojson", profile=DEFAULT_PROFILE).ways
    np.testing.assert_allclose(np.sort(layer.ways.lon), np.sort(original.lon), atol=1e-6)


def test_a_zipped_shapefile_with_a_speed_column(tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    frame = _excerpt(CRS).assign(speed_kmh=[60, 20]).drop(columns="highway")
    frame.to_file(folder / "roads.shp")
    archive = tmp_path / "roads.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for part in folder.iterdir():
            zipped.write(part, part.name)
    layer = read_road_layer(archive, profile=DEFAULT_PROFILE)
    assert sorted(layer.ways.speed_kmh) == [20.0, 60.0] and set(layer.km_by_class) == {"speed"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("trunk", "trunk"),
        ("Республиканского значения", "trunk"),
        ("облыстық маңызы бар жол", "secondary"),
        ("Районная", "tertiary"),
        ("көше", "residential"),
        ("грунтовая дорога", "track"),
        (None, None),
        ("  ", None),
    ],
)
def test_class_names(value, expected):
    assert road_class_of(value) == expected


def _problem_key(path, **kwargs) -> tuple[str, str]:
    with pytest.raises(ValidationError) as error:
        read_road_layer(path, profile=DEFAULT_PROFILE, **kwargs)
    problem = error.value.problems[0]
    assert problem.file == Path(path).name and problem.fix
    return problem.key, problem.format()


def test_bad_files_name_the_file_and_the_fix(tmp_path):
    # no CRS: a Shapefile without its .prj
    folder = tmp_path / "noprj"
    folder.mkdir()
    _excerpt(CRS).to_file(folder / "roads.shp")
    (folder / "roads.prj").unlink()
    archive = tmp_path / "noprj.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for part in folder.iterdir():
            zipped.write(part, part.name)
    assert _problem_key(archive)[0] == "roadlayer_no_crs"
    # no class or speed column
    nameless = tmp_path / "nameless.geojson"
    _excerpt("EPSG:4326").drop(columns="highway").assign(ref="A-2").to_file(nameless, driver="GeoJSON")
    key, text = _problem_key(nameless)
    assert key == "roadlayer_no_class" and "ref" in text and "highway" in text
    # no usable lines: points, or only footways
    points = tmp_path / "points.geojson"
    gpd.GeoDataFrame({"highway": ["trunk"]}, geometry=[Point(68, 41)], crs="EPSG:4326").to_file(points)
    assert _problem_key(points)[0] == "roadlayer_no_lines"
    paths = tmp_path / "paths.geojson"
    _excerpt("EPSG:4326").assign(highway="footway").to_file(paths, driver="GeoJSON")
    assert _problem_key(paths)[0] == "roadlayer_no_lines"
    # a zip without a Shapefile, a file that is no layer, a layer outside the region
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as zipped:
        zipped.writestr("readme.txt", "nothing")
    assert _problem_key(empty)[0] == "roadlayer_no_shapefile"
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json", encoding="utf-8")
    assert _problem_key(broken)[0] == "roadlayer_unreadable"
    far = shapely.box(10.0, 50.0, 10.1, 50.1)
    assert _problem_key(DATA / "near_miss_ends.geojson", boundary=far)[0] == "roadlayer_outside"


def test_the_network_of_a_layer_is_cached_with_its_joining_rules(tmp_path, monkeypatch):
    from geo import osm

    path = DATA / "near_miss_ends.geojson"
    first = build_network(path, analysis_crs=CRS, cache_dir=tmp_path)
    monkeypatch.setattr(osm, "ways_from_road_file", lambda *a, **k: pytest.fail("rebuilt"))
    again = build_network(path, analysis_crs=CRS, cache_dir=tmp_path)
    np.testing.assert_array_equal(again.edge_seconds, first.edge_seconds)
    monkeypatch.setattr("geo.osm.SNAP_ENDS_M", SNAP_ENDS_M + 1)
    with pytest.raises(pytest.fail.Exception, match="rebuilt"):
        build_network(path, analysis_crs=CRS, cache_dir=tmp_path)


@needs_shared
def test_the_real_south_strip_routes_along_the_a15_across_tile_cuts():
    layer = read_road_layer(SHARED_ROADS / "south_strip.geojson", profile=DEFAULT_PROFILE)
    count, labels, network = _components(layer.ways)
    frame = gpd.read_file(SHARED_ROADS / "south_strip.geojson").to_crs(CRS)
    a15 = frame[frame["ref"] == "A-15"]
    assert len(a15) > 50  # cut into many pieces by the tiles
    xy = np.vstack([np.asarray(g.coords) for g in a15.geometry])
    nodes = np.array([np.argmin(np.hypot(network.x_m - x, network.y_m - y)) for x, y in xy])
    main = np.bincount(labels[nodes]).argmax()
    on_main = xy[labels[nodes] == main]
    span_km = np.hypot(*(on_main.max(axis=0) - on_main.min(axis=0))) / 1000
    assert np.mean(labels[nodes] == main) > 0.85 and span_km > 40  # one connected road over 50 km
    assert {"trunk", "secondary", "residential", "track"} <= set(layer.km_by_class)


def test_every_line_layer_of_a_geopackage_is_read(tmp_path):
    path = tmp_path / "akimat.gpkg"
    gpd.read_file(DATA / "near_miss_ends.geojson").to_file(path, layer="strip", driver="GPKG")
    gpd.read_file(DATA / "generalised_junction.geojson").to_crs(CRS).to_file(path, layer="major", driver="GPKG")
    layer = read_road_layer(path, profile=DEFAULT_PROFILE)
    assert layer.pieces == 4 and set(layer.km_by_class) == {"unclassified", "residential", "primary"}
