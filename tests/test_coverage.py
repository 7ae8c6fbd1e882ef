"""Coverage, gaps, H3 gap grid and comparison on a small region checked by hand."""

from __future__ import annotations

import json
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from conftest import COVERAGE_FIGURE_KEYS, release_of
from hypothesis import given, settings
from hypothesis import strategies as st

from planning.coverage import (
    NO_DISTRICT_ID,
    NO_SITE_INDEX,
    CoverageInputError,
    changed_settlements,
    compare,
    coverage,
    gaps,
    hex_gaps,
    nearest,
    reach_minutes_of,
    summary_sentence,
    weighted_quantile,
)

INF = np.inf

# Six settlements (s0..s2 in D1, s3..s5 in D2), three sites; site 2 is a mobile team with a 25-minute reach.
MINUTES = np.array(
    [
        #  s0    s1    s2    s3    s4    s5
        [5.0, 25.0, 45.0, 90.0, INF, 70.0],  # site 0, permanent
        [40.0, 35.0, 50.0, 20.0, 55.0, INF],  # site 1, permanent
        [INF, 30.0, 15.0, 80.0, 35.0, 26.0],  # site 2, mobile, reach 25
    ],
    dtype=np.float32,
)
REACH_MINUTES = np.array([np.nan, np.nan, 25.0])
POPULATION = np.array([1000.0, 200.0, np.nan, 500.0, 50.0, 300.0])
INCIDENTS = np.array([3, 0, 6, 1, 2, 7])
DISTRICTS = ["D1", "D1", "D1", "D2", "D2", "D2"]
SERVICE_IDS = np.array(["site-0", "site-1", "site-2"], dtype=object)
RELEASE = release_of(INCIDENTS)
SHOWN = RELEASE.settlement_texts()

# By hand, with the mobile reach: s5 is 26 min from the mobile team (beyond its 25) -> site 0 at 70;
# s4 is 35 min from the mobile team -> site 1 at 55; s2 is 15 min from the mobile team (within reach).
EXPECTED_MINUTES = [5.0, 25.0, 15.0, 20.0, 55.0, 70.0]
EXPECTED_SITES = [0, 0, 2, 1, 1, 0]


def settlements_frame() -> gpd.GeoDataFrame:
    lons = [68.10, 68.12, 68.30, 69.50, 69.52, 69.90]
    lats = [43.00, 43.01, 43.10, 42.30, 42.31, 42.60]
    return gpd.GeoDataFrame(
        {
            "settlement_id": [f"s{i}" for i in range(6)],
            "name": ["Aul", "Bes", "Kok", "Dala", "Esik", "Zhana"],
            "district_id": DISTRICTS,
            "population": POPULATION,
        },
        geometry=gpd.points_from_xy(lons, lats),
        crs="EPSG:4326",
    )


@pytest.fixture
def result():
    near = nearest(MINUTES, reach_minutes=REACH_MINUTES)
    return near, coverage(near.minutes, POPULATION, INCIDENTS, DISTRICTS, thresholds=(30, 60), release=RELEASE)


def test_nearest_respects_mobile_reach():
    near = nearest(MINUTES, reach_minutes=REACH_MINUTES)
    assert near.minutes.tolist() == EXPECTED_MINUTES
    assert near.site_index.tolist() == EXPECTED_SITES
    unlimited = nearest(MINUTES)  # without its reach the mobile team would serve s4 (35) and s5 (26)
    assert unlimited.minutes.tolist() == [5.0, 25.0, 15.0, 20.0, 35.0, 26.0]
    assert unlimited.site_index.tolist() == [0, 0, 2, 1, 2, 2]
    assert np.isinf(MINUTES[0, 4]) and MINUTES[2, 5] == 26.0  # input not modified


def test_nearest_unreachable_and_no_sites():
    near = nearest(np.array([[INF, 3.0], [INF, 4.0]]), reach_minutes=np.array([np.nan, 2.0]))
    assert near.minutes.tolist() == [INF, 3.0]
    assert near.site_index.tolist() == [NO_SITE_INDEX, 0]
    empty = nearest(np.zeros((0, 3)))
    assert np.isinf(empty.minutes).all() and (empty.site_index == NO_SITE_INDEX).all()
    with pytest.raises(CoverageInputError, match="reach_minutes"):
        nearest(MINUTES, reach_minutes=np.array([1.0]))


def test_reach_minutes_of_services_frame_ignores_permanent_reach():
    services = pd.DataFrame({"kind": ["permanent", "mobile", "mobile"], "reach_minutes": [40.0, 25.0, np.nan]})
    assert np.array_equal(reach_minutes_of(services), [np.nan, 25.0, np.nan], equal_nan=True)


def test_region_figures_by_hand(result):
    _, cov = result
    within_30, within_60 = cov.region.within["30"], cov.region.within["60"]
    # 30 min: s0, s1, s2, s3 covered; known population 1000 + 200 + 500; s2's population is unknown.
    assert (within_30.population_covered, within_30.population_total) == (1700.0, 2050.0)
    assert (within_30.settlements_covered, within_30.settlements_total) == (4, 6)
    assert (within_30.incidents_covered, within_30.incidents_total) == (3 + 0 + 6 + 1, 19)
    assert (within_30.settlements_unknown_population, within_30.settlements_unknown_population_covered) == (1, 1)
    # 60 min adds s4 (55 min, 50 people, 2 incidents).
    assert (within_60.population_covered, within_60.settlements_covered, within_60.incidents_covered) == (1750.0, 5, 12)
    # Weighted by known population, sorted by minutes: 5:1000, 20:500, 25:200, 55:50, 70:300 (total 2050);
    # half (1025) is first reached at 20 min, 90 % (1845) at 70 min.
    assert (cov.region.median_minutes, cov.region.p90_minutes) == (20.0, 70.0)


def test_district_figures_by_hand(result):
    _, cov = result
    assert sorted(cov.districts) == ["D1", "D2"]
    d1, d2 = cov.districts["D1"], cov.districts["D2"]
    assert (d1.within["30"].population_covered, d1.within["30"].population_total) == (1200.0, 1200.0)
    assert d1.within["30"].settlements_unknown_population_covered == 1
    assert (
        d2.within["30"].population_covered,
        d2.within["30"].settlements_covered,
        d2.within["30"].incidents_covered,
        d2.within["30"].incidents_total,
    ) == (500.0, 1, 1, 10)
    assert (
        d2.within["60"].population_covered,
        d2.within["60"].settlements_covered,
        d2.within["60"].incidents_covered,
    ) == (550.0, 2, 3)
    assert (d1.median_minutes, d1.p90_minutes) == (5.0, 25.0)  # 5:1000, 25:200 of 1200
    assert (d2.median_minutes, d2.p90_minutes) == (20.0, 70.0)  # 20:500, 55:50, 70:300 of 850
    # District figures add up to the region.
    for key in ("30", "60"):
        for figure in ("population_covered", "settlements_covered", "incidents_covered"):
            assert getattr(d1.within[key], figure) + getattr(d2.within[key], figure) == getattr(
                cov.region.within[key], figure
            )


def test_to_dict_is_json_with_the_cli_keys(result):
    _, cov = result
    data = json.loads(json.dumps(cov.to_dict(), allow_nan=False))
    assert data["thresholds_minutes"] == [30.0, 60.0]
    for key in ("30", "60"):
        assert COVERAGE_FIGURE_KEYS <= set(data["region"]["within"][key])
    assert data["districts"]["D2"]["within"]["60"]["settlements_covered"] == 2


def test_unreachable_majority_gives_infinite_median_and_none_in_json():
    cov = coverage(np.array([10.0, INF]), [100.0, 300.0], None, [None, "D1"], thresholds=[30])
    assert cov.region.median_minutes == INF and cov.region.p90_minutes == INF
    assert cov.to_dict()["region"]["median_minutes"] is None
    assert sorted(cov.districts) == ["D1", NO_DISTRICT_ID]
    assert cov.region.within["30"].incidents_total == 0


def test_unknown_populations_are_counted_not_ignored():
    cov = coverage(np.array([10.0, 50.0, 70.0]), [np.nan, np.nan, np.nan], [0, 0, 0], ["D", "D", "D"], thresholds=[60])
    figures = cov.region.within["60"]
    assert (figures.settlements_unknown_population, figures.settlements_unknown_population_covered) == (3, 2)
    assert (figures.population_total, figures.settlements_covered) == (0.0, 2)
    assert math.isnan(cov.region.median_minutes) and math.isnan(figures.population_share)


def test_bad_inputs_are_explained():
    with pytest.raises(CoverageInputError, match="population"):
        coverage(np.array([1.0, 2.0]), [1.0], None, ["a", "b"])
    with pytest.raises(CoverageInputError, match="incidents"):
        coverage(np.array([1.0]), [1.0], [-1], ["a"])
    with pytest.raises(CoverageInputError, match="NaN"):
        coverage(np.array([np.nan]), [1.0], None, ["a"])


def test_weighted_quantile_by_hand():
    assert weighted_quantile(np.array([10.0, 20.0]), np.array([1.0, 1.0]), 0.5) == 10.0  # lower median
    assert weighted_quantile(np.array([4.0, 1.0, 3.0, 2.0]), np.ones(4), 0.5) == 2.0
    assert weighted_quantile(np.array([10.0, INF]), np.array([1.0, 3.0]), 0.25) == 10.0
    assert weighted_quantile(np.array([10.0, INF]), np.array([1.0, 3.0]), 0.26) == INF
    assert weighted_quantile(np.array([10.0, 99.0]), np.array([np.nan, 2.0]), 0.1) == 99.0  # unknown left out
    assert weighted_quantile(np.array([10.0, 99.0]), np.array([0.0, 2.0]), 0.0) == 99.0  # zero weight left out


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([1.0, 5.0, 12.5, 30.0, 61.0, INF]), st.integers(min_value=1, max_value=10_000)),
        min_size=1,
        max_size=30,
    ),
    st.sampled_from([0.1, 0.5, 0.9, 1.0]),
)
def test_weighted_quantile_matches_numpy_inverted_cdf(pairs, quantile):
    minutes = np.array([m for m, _ in pairs])
    weights = np.array([w for _, w in pairs], dtype=np.float64)
    expected = np.quantile(minutes, quantile, method="inverted_cdf", weights=weights)
    assert weighted_quantile(minutes, weights, quantile) == expected


def test_gap_ranking(result):
    near, _ = result
    table = gaps(settlements_frame(), near.minutes, SERVICE_IDS[near.site_index], RELEASE, threshold_minutes=30)
    assert table["settlement_id"].tolist() == ["s5", "s4"]  # 300 people before 50
    assert table.iloc[0].to_dict() == {
        "settlement_id": "s5",
        "name": "Zhana",
        "district_id": "D2",
        "minutes": 70.0,
        "nearest_service_id": "site-0",
        "population": 300.0,
        "incidents": SHOWN[5],
    }
    assert table.iloc[1]["incidents"] == SHOWN[4] == "<5" and table.iloc[1]["nearest_service_id"] == "site-1"
    assert gaps(settlements_frame(), near.minutes, SERVICE_IDS[near.site_index], None, threshold_minutes=30)[
        "incidents"
    ].tolist() == ["0", "0"]


def test_gap_ranking_ties_unknown_population_and_small_counts():
    frame = pd.DataFrame(
        {
            "settlement_id": ["a", "b", "c", "d", "e"],
            "name": ["A", "B", "C", "D", "E"],
            "district_id": ["D"] * 5,
            "population": [100.0, 100.0, np.nan, 100.0, 100.0],
        }
    )
    minutes = np.array([40.0, 50.0, 90.0, INF, 45.0])
    release = release_of([1, 2, 50, 9, 0], ids=frame["settlement_id"])
    assert release.settlement_texts().tolist()[:2] == ["<5", "<5"] and release.settlement_texts()[3].isdigit()
    table = gaps(frame, minutes, ["x", "x", "x", None, "x"], release, threshold_minutes=30)
    # Same population: d's shown figure first; a and b are both hidden ("<5") and rank as equal, so the farther
    # one (b) comes first; 0 incidents after "<5"; unknown population last whatever its incidents.
    assert table["settlement_id"].tolist() == ["d", "b", "a", "e", "c"]
    shown = dict(zip(frame["settlement_id"], release.settlement_texts()))
    assert table["incidents"].tolist() == [shown[s] for s in ["d", "b", "a", "e", "c"]]
    assert pd.isna(table["nearest_service_id"].iloc[0])  # no service reaches d


def test_hex_gaps_sum_to_unserved_population(result):
    near, _ = result
    frame = settlements_frame()
    for threshold in (10, 30, 60):
        hexes = hex_gaps(frame, near.minutes, POPULATION, threshold_minutes=threshold, resolution=6)
        unserved = near.minutes > threshold
        assert hexes["unserved_population"].sum() == np.nansum(POPULATION[unserved])
        assert hexes["settlements_unserved"].sum() == unserved.sum()
        assert hexes["settlements_unknown_population"].sum() == np.isnan(POPULATION[unserved]).sum()
        assert hexes.crs.to_epsg() == 4326 and hexes.geometry.geom_type.eq("Polygon").all()
    # s0 and s1 (10 and 25 min) are 1.8 km apart: one resolution-5 hexagon holds both when they are unserved.
    coarse = hex_gaps(frame, near.minutes, POPULATION, threshold_minutes=1, resolution=5)
    assert coarse["settlements_unserved"].max() >= 2
    point_in_cell = coarse.geometry.contains(frame.geometry.iloc[5]).sum()
    assert point_in_cell == 1


def test_compare_and_summary(result):
    _, cov_a = result
    # Scenario B: a new site brings s4 and s5 within 30 minutes, but s2 (unknown population) falls to 40.
    cov_b = coverage(
        np.array([5.0, 25.0, 40.0, 20.0, 10.0, 12.0]),
        POPULATION,
        INCIDENTS,
        DISTRICTS,
        thresholds=(30, 60),
        release=RELEASE,
    )
    comparison = compare(cov_a, cov_b)
    within_30 = comparison.within["30"]
    assert within_30.figures["population_covered"].difference == 2050.0 - 1700.0
    assert within_30.figures["settlements_covered"].difference == 1
    assert within_30.population_share_pp.difference == pytest.approx(100.0 - 100.0 * 1700 / 2050)
    assert [(c.index, c.change) for c in within_30.changes] == [(5, "gained"), (4, "gained"), (2, "lost")]
    assert within_30.districts["D1"]["settlements_covered"].difference == -1
    assert [c.incidents for c in within_30.changes] == [SHOWN[5], SHOWN[4], SHOWN[2]]
    assert summary_sentence(comparison, threshold_minutes=30) == (
        "Scenario B covers 350 more people (+17.1 pp) within 30 minutes, 1 more village; "
        "1 village with 0 people loses coverage (population unknown in 1)."
    )
    table = changed_settlements(settlements_frame(), comparison, threshold_minutes=30)
    assert table[["name", "change"]].values.tolist() == [["Zhana", "gained"], ["Esik", "gained"], ["Kok", "lost"]]
    json.dumps(comparison.to_dict(), allow_nan=False)
    back = summary_sentence(compare(cov_b, cov_a), threshold_minutes=60, name_b="Baseline")
    assert back.startswith("Baseline covers 300 fewer people (-14.6 pp) within 60 minutes, 1 fewer village;")


def test_summary_sentence_reads_like_the_issue():
    # 3 towns of 95,900 covered in both; 9 villages (12,300 people) only in B: 12,300 / 300,000 = 4.1 pp.
    population = np.array([95_900.0] * 3 + [1_300.0] * 8 + [1_900.0])
    minutes_a = np.array([10.0] * 3 + [90.0] * 9)
    minutes_b = np.array([10.0] * 3 + [25.0] * 9)
    cov_a, cov_b = (coverage(m, population, None, ["D"] * 12, thresholds=[30]) for m in (minutes_a, minutes_b))
    assert summary_sentence(compare(cov_a, cov_b)) == (
        "Scenario B covers 12,300 more people (+4.1 pp) within 30 minutes, 9 more villages; nobody loses coverage."
    )
    same = summary_sentence(compare(cov_a, cov_a), name_a="Baseline", name_b="Plan 2")
    assert same == (
        "Plan 2 covers as many people as Baseline within 30 minutes, the same number of villages; "
        "nobody loses coverage."
    )


def test_compare_refuses_different_settlements(result):
    _, cov_a = result
    other = coverage(np.array([1.0]), [1.0], None, ["D1"], thresholds=(30, 60))
    with pytest.raises(CoverageInputError, match="same settlements"):
        compare(cov_a, other)
