"""Isochrone bands on the hand-made network (see tests/test_network.py for its edge times)."""

import math

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Point, box

from geo.isochrones import isochrones
from geo.osm import build_network

CRS = "EPSG:32642"
L_M = 6371009 * 0.01 * math.pi / 180
BC, CD = L_M / (30 * 1.609344 / 3.6), L_M / (90 / 3.6)


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    return build_network("tests/data/roads/hand.osm", analysis_crs=CRS, cache_dir=tmp_path_factory.mktemp("c"))


SERVICES = gpd.GeoDataFrame({"service_id": ["S1", "S3"]}, geometry=[Point(68.0, 42.53), Point(68.05, 42.51)],
                            crs="EPSG:4326")


def covers(frame, service_id, minutes, lon, lat):
    geometry = frame[(frame.service_id == service_id) & (frame.minutes == minutes)].geometry.iloc[0]
    return geometry.covers(Point(lon, lat))


def test_partial_edges_are_cut_at_the_reached_point(network):
    # 2 minutes from S1 at D: C-D (44.5 s) whole, then 75.5 s of B-C's 82.9 s, i.e. down to 8.9 % above B
    iso = isochrones(network, SERVICES, analysis_crs=CRS, minutes=[2], buffer_m=50)
    reached_fraction = 1 - (120 - CD) / BC
    assert covers(iso, "S1", 2, 68.0, 42.51 + 0.01 * (reached_fraction + 0.02))
    assert not covers(iso, "S1", 2, 68.0, 42.51 + 0.01 * (reached_fraction - 0.06))  # 67 m short, 50 m buffer
    assert not covers(iso, "S1", 2, 68.0, 42.50)  # A is 3.2 minutes away
    assert not covers(iso, "S1", 2, 68.01, 42.52)  # a convex hull or circle would take the steppe beside C
    assert set(iso.columns) >= {"service_id", "minutes", "method", "geometry"} and iso.crs == "EPSG:4326"
    assert (iso.method == "network").all() and iso.attrs["description"] == network.profile_description


def test_bands_nest_and_are_clipped(network):
    outline = box(67.99, 42.485, 68.06, 42.525)
    iso = isochrones(network, SERVICES, analysis_crs=CRS, minutes=[1, 2, 5], boundary=outline, buffer_m=200)
    assert len(iso) == 6
    for sid in ("S1", "S3"):
        bands = iso[iso.service_id == sid].sort_values("minutes").to_crs(CRS).geometry.tolist()
        for small, large in zip(bands, bands[1:]):
            assert small.difference(large).area < 1e-6
        assert bands[0].area < bands[-1].area
    assert all(outline.buffer(1e-6).covers(g) for g in iso.geometry)  # ~0.1 m: edges were re-projected


def test_walk_speed_edge_band_length(network):
    # S3 stands on the walking-speed street: in 1 minute 83.3 m of road each way would be reached,
    # but N is the end of the street, so one side only: a 83.3 m line buffered by 50 m
    iso = isochrones(network, SERVICES.iloc[[1]], analysis_crs=CRS, minutes=[1], buffer_m=50).to_crs(CRS)
    expected_m2 = (5 / 3.6 * 60) * 100 + math.pi * 50 ** 2
    assert iso.geometry.iloc[0].area == pytest.approx(expected_m2, rel=0.02)


def test_estimate_bands_are_labelled_circles():
    iso = isochrones(None, SERVICES, analysis_crs=CRS, minutes=[15, 30], circuity=1.5, estimate_speed_kmh=30)
    assert (iso.method == "estimate").all() and "estimate" in iso.attrs["description"]
    radius_m = 30 / 3.6 * 15 * 60 / 1.5
    area = iso.to_crs(CRS).geometry.iloc[0].area
    assert area == pytest.approx(math.pi * radius_m ** 2, rel=0.01)
    assert shapely.difference(iso.geometry.iloc[0], iso.geometry.iloc[1]).area < 1e-12


def test_minutes_must_be_positive(network):
    with pytest.raises(ValueError, match="minutes"):
        isochrones(network, SERVICES, analysis_crs=CRS, minutes=[0, 15])


def _cli(*argv):
    from planning.cli import main

    return main(list(argv))


def test_cli_isochrones_and_travel_times(tmp_path):
    import shutil

    import pandas as pd

    region = tmp_path / "region"
    shutil.copytree("tests/data/tiny", region)
    # the estimate (no road file): one feature per service and band
    assert _cli("isochrones", "--region", str(region), "--minutes", "15,30", "--out", str(tmp_path / "i.geojson")) == 0
    bands = gpd.read_file(tmp_path / "i.geojson")
    services = pd.read_csv(region / "services.csv")
    assert len(bands) == 2 * len(services) and set(bands["minutes"]) == {15.0, 30.0}
    assert (bands["method"] == "estimate").all()
    # a scenario file replaces the region's services; with a road file far away everything is "not connected"
    scenario = tmp_path / "sites.csv"
    scenario.write_text("id,name,kind,lat,lon\nx1,Site,mobile,42.55,68.3\n")
    shutil.copy("tests/data/roads/hand.osm", region / "roads.osm")
    out = tmp_path / "tt.csv"
    assert _cli("travel-times", "--region", str(region), "--scenario", str(scenario), "--out", str(out)) == 0
    table = pd.read_csv(out, keep_default_na=False)
    assert list(table.columns) == ["settlement_id", "minutes", "service_id", "method"]
    assert (table["method"] == "network").all() and (table["minutes"] == "").all()
    assert _cli("travel-times", "--region", str(region), "--scenario", str(scenario), "--estimate",
                "--out", str(out)) == 0
    table = pd.read_csv(out)
    assert (table["method"] == "estimate").all() and (table["service_id"] == "x1").all()
