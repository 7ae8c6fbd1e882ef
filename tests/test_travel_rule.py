"""The one rule of geo.traveltime: network time plus access legs where the network joins a village and a service,
the labelled straight-line estimate for every other pair, "unreachable" only where nothing reaches a village.

A hand-made network in UTM 42N (metres), every road 60 km/h two-way (10 km = 600 s):
  piece A: a0 (0, 0) -- a1 (10 000, 0) -- a2 (20 000, 0), the service S1 standing on a2;
  piece B: b0 (0, 30 000) -- b1 (10 000, 30 000), no service.
Defaults: maximum access distance 5 km, access legs at 20 km/h (1 km = 180 s), estimate × 1.3 at 40 km/h
(1 km = 117 s).
"""

import math

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from geo.network import RoadNetwork
from geo.traveltime import (
    METHOD_ESTIMATE,
    METHOD_NETWORK,
    REASON_NO_SERVICES,
    TravelConstants,
    TravelConstantsError,
    nearest_service_minutes,
    travel_matrix,
)

CRS = "EPSG:32642"
X0, Y0 = 400_000.0, 4_700_000.0
"""Origin of the hand-made network in UTM 42N, metres."""
ROAD_S_PER_KM = 60.0  # 60 km/h
ACCESS_S_PER_KM = 180.0  # 20 km/h
ESTIMATE_S_PER_KM = 1.3 * 3600 / 40  # 117 s


def hand_network() -> RoadNetwork:
    x = np.array([0.0, 10_000, 20_000, 0, 10_000]) + X0
    y = np.array([0.0, 0, 0, 30_000, 30_000]) + Y0
    pairs = [(0, 1), (1, 2), (3, 4)]
    tails = np.array([a for a, b in pairs] + [b for a, b in pairs])
    heads = np.array([b for a, b in pairs] + [a for a, b in pairs])
    order = np.lexsort((heads, tails))
    tails, heads = tails[order], heads[order]
    length_m = np.hypot(x[tails] - x[heads], y[tails] - y[heads])
    geom_xy = np.empty((2 * len(tails), 2))
    geom_xy[0::2, 0], geom_xy[0::2, 1] = x[tails], y[tails]
    geom_xy[1::2, 0], geom_xy[1::2, 1] = x[heads], y[heads]
    return RoadNetwork(
        x_m=x,
        y_m=y,
        indptr=np.concatenate([[0], np.cumsum(np.bincount(tails, minlength=len(x)))]).astype(np.int64),
        edge_to=heads.astype(np.int32),
        edge_seconds=length_m / (60 / 3.6),
        edge_length_m=length_m,
        geom_offsets=np.arange(0, 2 * len(tails) + 1, 2, dtype=np.int64),
        geom_xy=geom_xy,
        crs=CRS,
        profile_description="hand-made: 60 km/h",
    )


def points(id_column: str, rows: dict[str, tuple[float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {id_column: list(rows)}, geometry=[Point(X0 + x, Y0 + y) for x, y in rows.values()], crs=CRS
    )


SERVICES = points("service_id", {"S1": (20_000, 0)})
VILLAGES = points(
    "settlement_id",
    {
        "near": (0, 1_000),  # 1 km north of a0
        "far": (20_000, 8_000),  # 8 km north of a2: beyond the access distance
        "island": (10_000, 30_500),  # 0.5 km from piece B, which has no service
        "edge": (5_000, 5_000),  # exactly 5 km from the middle of a0-a1
        "beyond": (5_000, 5_000.5),  # half a metre farther
    },
)


@pytest.fixture(scope="module")
def network():
    return hand_network()


@pytest.fixture(scope="module")
def times(network):
    return nearest_service_minutes(network, VILLAGES, SERVICES, analysis_crs=CRS).to_frame().set_index("settlement_id")


def test_near_a_road_network_time_plus_access_leg(times):
    # 1 km off-road to a0, then 20 km of road to a2
    assert times.loc["near", "minutes"] == pytest.approx((1 * ACCESS_S_PER_KM + 20 * ROAD_S_PER_KM) / 60)  # 23.0
    assert times.loc["near", ["method", "service_id", "status"]].tolist() == [METHOD_NETWORK, "S1", "ok"]
    assert times.loc["near", "access_km"] == pytest.approx(1.0)


def test_beyond_the_access_distance_an_estimate(times):
    assert times.loc["far", "minutes"] == pytest.approx(8 * ESTIMATE_S_PER_KM / 60)  # 15.6
    assert times.loc["far", ["method", "service_id", "status"]].tolist() == [METHOD_ESTIMATE, "S1", "ok"]
    assert times.loc["far", "access_km"] == pytest.approx(8.0)  # the nearest road, though not joined


def test_on_a_piece_without_service_an_estimate(times):
    straight_km = math.hypot(10.0, 30.5)  # to S1
    assert times.loc["island", "minutes"] == pytest.approx(straight_km * ESTIMATE_S_PER_KM / 60)  # 62.6
    assert times.loc["island", "method"] == METHOD_ESTIMATE and times.loc["island", "access_km"] == pytest.approx(0.5)


def test_boundary_exactly_at_the_access_distance_is_joined(times):
    # joined (<=): 5 km off-road (900 s), half of a0-a1 to a1 (300 s), a1-a2 (600 s)
    assert times.loc["edge", "minutes"] == pytest.approx((5 * ACCESS_S_PER_KM + 15 * ROAD_S_PER_KM) / 60)  # 30.0
    assert times.loc["edge", "method"] == METHOD_NETWORK and times.loc["edge", "access_km"] == 5.0
    # half a metre farther: the straight line to S1
    straight_km = math.hypot(15.0, 5.0005)
    assert times.loc["beyond", "minutes"] == pytest.approx(straight_km * ESTIMATE_S_PER_KM / 60)  # 30.8
    assert times.loc["beyond", "method"] == METHOD_ESTIMATE


def test_no_services_unreachable_with_reason(network):
    for net in (network, None):
        got = nearest_service_minutes(net, VILLAGES, SERVICES.iloc[:0], analysis_crs=CRS)
        assert np.isinf(got.minutes).all() and (got.status == "unreachable").all()
        assert (got.reason == REASON_NO_SERVICES).all()


def test_matrix_agrees_with_nearest(network):
    sites = points("service_id", {"S1": (20_000, 0), "S2": (0, 31_000), "S3": (40_000, 40_000), "S4": (10_000, 100)})
    for net in (network, None):
        for constants in (TravelConstants(), TravelConstants(max_access_km=0.2, access_speed_kmh=5, circuity=1.1)):
            nearest = nearest_service_minutes(net, VILLAGES, sites, analysis_crs=CRS, constants=constants)
            matrix = travel_matrix(net, sites, VILLAGES, cutoff_minutes=1e6, analysis_crs=CRS, constants=constants)
            best = matrix.minutes.argmin(axis=0)
            np.testing.assert_allclose(matrix.minutes.min(axis=0), nearest.minutes, rtol=1e-5)
            assert (sites["service_id"].to_numpy()[best] == nearest.service_id).all()
            chosen_estimated = matrix.estimated[best, np.arange(len(VILLAGES))]
            assert (np.where(chosen_estimated, METHOD_ESTIMATE, METHOD_NETWORK) == nearest.methods).all()
            np.testing.assert_allclose(matrix.access_km, nearest.access_km)


def test_constants_change_the_rule(network):
    # with 10 km of access distance "far" joins a2: 8 km off-road at 20 km/h
    wide = nearest_service_minutes(
        network, VILLAGES, SERVICES, analysis_crs=CRS, constants=TravelConstants(max_access_km=10)
    ).to_frame()
    far = wide.set_index("settlement_id").loc["far"]
    assert far["method"] == METHOD_NETWORK and far["minutes"] == pytest.approx(8 * ACCESS_S_PER_KM / 60)


@pytest.mark.parametrize(
    "bad",
    [{"max_access_km": 0}, {"circuity": 0.9}, {"estimate_speed_kmh": "fast"}, {"access_speed_kmh": float("nan")}],
)
def test_constants_out_of_range_are_refused(bad):
    with pytest.raises(TravelConstantsError, match=next(iter(bad))):
        TravelConstants.from_dict(bad)
    with pytest.raises(TravelConstantsError, match="unknown"):
        TravelConstants.from_dict({"speed": 3})
    assert TravelConstants.from_dict(TravelConstants(circuity=1.5).to_dict()) == TravelConstants(circuity=1.5)
