"""Travel times on the hand-made network, checked to the second, and the labelled estimate.

Every way in tests/data/roads/hand.osm runs north-south; 0.01 degree of latitude is
L = 6371009 m * 0.01 * pi / 180 = 1111.9508 m. Edge times (L / speed):
  A-B primary maxspeed=60          66.7171 s        B-C secondary "30 mph" (48.280 km/h)  82.9121 s
  C-D tertiary RU:rural (90 km/h)  44.4780 s        K->A residential oneway, "signals" -> 30 km/h  133.4341 s
  M-N living_street "walk" (5)    800.6046 s        O-P track, dirt, "60;80" -> 60 * 0.6 = 36 km/h  111.1951 s
Services: S1 at D, S2 at K (only a oneway leaves K), S3 at N (disconnected part).
"""

import math

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from geo.errors import CrsError
from geo.network import ACCESS_SPEED_KMH, load_network, save_network
from geo.osm import build_network
from geo.traveltime import minutes_matrix, nearest_service_minutes

CRS = "EPSG:32642"
HAND_OSM = "tests/data/roads/hand.osm"
L_M = 6371009 * 0.01 * math.pi / 180
AB, BC, CD = L_M / (60 / 3.6), L_M / (30 * 1.609344 / 3.6), L_M / (90 / 3.6)
KA, MN = L_M / (30 / 3.6), L_M / (5 / 3.6)
SECOND_MIN = 1 / 60


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    return build_network(HAND_OSM, analysis_crs=CRS, cache_dir=tmp_path_factory.mktemp("cache"))


def points(id_column, ids, lonlat):
    return gpd.GeoDataFrame({id_column: ids}, geometry=[Point(x, y) for x, y in lonlat], crs="EPSG:4326")


SERVICES = points("service_id", ["S1", "S2", "S3"], [(68.0, 42.53), (68.0, 42.49), (68.05, 42.51)])
SETTLEMENTS = points(
    "settlement_id",
    ["vA", "vB", "vC", "vK", "vM", "vO", "vFar"],
    [(68.0, 42.50), (68.0, 42.51), (68.005, 42.52), (68.0, 42.49), (68.05, 42.50), (68.10, 42.50), (68.30, 42.70)],
)


def test_network_drops_footway_and_keeps_oneway(network):
    assert network.n_nodes == 9  # A B C D K, M N, O P; Q only hangs on a footway
    assert network.n_edges == 11  # 3 two-way + 1 oneway + 2 two-way disconnected
    assert sorted(np.round(network.edge_seconds, 3)) == sorted(
        np.round([AB, AB, BC, BC, CD, CD, KA, MN, MN, L_M / 10, L_M / 10], 3)
    )


def straight_minutes(village, service, *, circuity=1.3, speed_kmh=40.0):
    """The estimate by hand: straight-line distance in the analysis CRS × circuity at the speed, minutes."""
    a = SETTLEMENTS.set_index("settlement_id").to_crs(CRS).geometry[village]
    b = SERVICES.set_index("service_id").to_crs(CRS).geometry[service]
    return a.distance(b) * circuity / (speed_kmh / 3.6) / 60


def test_nearest_service_hand_checked(network):
    tt = nearest_service_minutes(network, SETTLEMENTS, SERVICES, analysis_crs=CRS)
    got = tt.to_frame().set_index("settlement_id")
    assert tt.method == "network"
    assert got["method"].to_dict() == {
        **dict.fromkeys(["vA", "vB", "vC", "vK"], "network"),
        **dict.fromkeys(["vM", "vO", "vFar"], "estimate"),
    }
    # direction: from A the oneway K->A cannot be driven towards S2, so A goes north to S1
    assert got.loc["vA", "service_id"] == "S1"
    assert got.loc["vA", "minutes"] == pytest.approx((AB + BC + CD) / 60, abs=SECOND_MIN)
    assert got.loc["vB", "minutes"] == pytest.approx((BC + CD) / 60, abs=SECOND_MIN)
    # 0.005 degree east of C: 409.65 m (sphere) access leg at the access speed, then C-D
    access_s = 6371009 * math.radians(0.005) * math.cos(math.radians(42.52)) / (ACCESS_SPEED_KMH / 3.6)
    assert got.loc["vC", "minutes"] == pytest.approx((access_s + CD) / 60, abs=SECOND_MIN)
    assert got.loc["vK", ["minutes", "service_id"]].tolist() == [0.0, "S2"]
    # M's own piece leads to S3 by a walking street (13.3 min); S2 on another piece is nearer by the estimate
    only_s3 = nearest_service_minutes(network, SETTLEMENTS, SERVICES.iloc[[2]], analysis_crs=CRS).to_frame()
    assert only_s3.set_index("settlement_id").loc["vM", "minutes"] == pytest.approx(MN / 60, abs=SECOND_MIN)
    assert got.loc["vM", "service_id"] == "S2"
    assert got.loc["vM", "minutes"] == pytest.approx(straight_minutes("vM", "S2"), rel=1e-6)
    # a piece of road without a service, and a village 27 km from any road: estimated, never unreachable
    assert got.loc["vO", "minutes"] == pytest.approx(straight_minutes("vO", "S3"), rel=1e-6)
    assert got.loc["vFar", "minutes"] == pytest.approx(straight_minutes("vFar", "S3"), rel=1e-6)
    assert (got["status"] == "ok").all() and got["reason"].isna().all()
    assert got.loc["vFar", "access_km"] == pytest.approx(26.7, abs=0.1) and got.loc["vC", "access_km"] < 0.5
    assert len(got) == len(SETTLEMENTS)
    assert any("vFar" in w for w in tt.warnings)
    assert tt.description == network.profile_description


def test_service_in_the_middle_of_an_edge(network):
    mid_bc = points("service_id", ["mid"], [(68.0, 42.515)])
    on_oneway = points("service_id", ["K-side"], [(68.0, 42.4925)])  # a quarter of the way from K to A
    villages = points(
        "settlement_id", ["B", "C", "K", "A"], [(68.0, 42.51), (68.0, 42.52), (68.0, 42.49), (68.0, 42.50)]
    )
    got = nearest_service_minutes(network, villages, mid_bc, analysis_crs=CRS).to_frame()
    assert got["minutes"].iloc[:2].tolist() == pytest.approx([BC / 2 / 60] * 2, abs=SECOND_MIN)
    got = nearest_service_minutes(network, villages, on_oneway, analysis_crs=CRS).to_frame()
    assert got["minutes"].iloc[2] == pytest.approx(KA / 4 / 60, abs=SECOND_MIN)  # K drives with the oneway
    assert got["status"].iloc[3] == "unreachable"  # A would have to drive against it (same piece: no estimate)
    assert got["reason"].iloc[3] == "oneway"


def test_matrix_matches_nearest_and_respects_cutoff(network):
    matrix = minutes_matrix(network, SERVICES, SETTLEMENTS, cutoff_minutes=60, analysis_crs=CRS)
    assert matrix.shape == (3, 7) and matrix.dtype == np.float32
    nearest = nearest_service_minutes(network, SETTLEMENTS, SERVICES, analysis_crs=CRS).minutes
    np.testing.assert_allclose(matrix.min(axis=0), nearest, rtol=1e-5)
    assert np.isinf(matrix[1, 0])  # S2 from A: against the oneway
    assert matrix[1, 3] == 0.0  # K to S2 standing on it
    cut = minutes_matrix(network, SERVICES, SETTLEMENTS, cutoff_minutes=3.0, analysis_crs=CRS)
    assert np.isinf(cut[0, 0]) and cut[0, 1] == pytest.approx((BC + CD) / 60, abs=SECOND_MIN)


def test_estimate_is_labelled_and_configurable():
    tt = nearest_service_minutes(None, SETTLEMENTS, SERVICES, analysis_crs=CRS, circuity=1.5, estimate_speed_kmh=30)
    assert tt.method == "estimate" and "1.5" in tt.description and "30 km/h" in tt.description
    frame = tt.to_frame().set_index("settlement_id")
    # A to K: 0.01 degree of latitude straight south (the UTM distance is within 0.1 % of L)
    assert frame.loc["vA", "service_id"] == "S2"
    assert frame.loc["vA", "minutes"] == pytest.approx(L_M * 1.5 / (30 / 3.6) / 60, rel=2e-3)
    matrix = minutes_matrix(
        None, SERVICES, SETTLEMENTS, cutoff_minutes=10, analysis_crs=CRS, circuity=1.5, estimate_speed_kmh=30
    )
    np.testing.assert_allclose(
        np.where(np.isfinite(matrix.min(0)), matrix.min(0), np.nan),
        np.where(frame["minutes"] <= 10, frame["minutes"], np.nan),
        rtol=1e-5,
    )


def test_inputs_not_mutated_and_crs_checked(network):
    before = SETTLEMENTS.copy()
    nearest_service_minutes(network, SETTLEMENTS, SERVICES, analysis_crs=CRS)
    assert before.equals(SETTLEMENTS)
    with pytest.raises(CrsError):
        nearest_service_minutes(network, SETTLEMENTS, SERVICES, analysis_crs="EPSG:32641")
    with pytest.raises(CrsError):
        nearest_service_minutes(None, SETTLEMENTS.set_crs(None, allow_override=True), SERVICES, analysis_crs=CRS)


def test_network_arrays_round_trip(network, tmp_path):
    save_network(network, tmp_path / "n.npz")
    again = load_network(tmp_path / "n.npz")
    np.testing.assert_array_equal(again.edge_seconds, network.edge_seconds)
    assert again.profile_description == network.profile_description and again.crs == CRS
