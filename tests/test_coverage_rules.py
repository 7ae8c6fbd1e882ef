"""The rules of ``planning.coverage`` pinned by hand-worked values: each figure, each input limit, each order and
each record's contract (frozen, compared by identity, no per-settlement arrays in its repr).

``tools/mutate.py`` runs this file first against every mutant of ``planning/coverage.py``: it is small and fast,
and each test fails when the rule it names changes (a ``<`` for a ``<=``, a default moved by one, a sort turned).
"""

from __future__ import annotations

import dataclasses
import re

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pytest

from geo.settings import DEFAULT_GAP_MINUTES
from planning.coverage import (
    AreaCoverage,
    Comparison,
    Coverage,
    CoverageInputError,
    FigureChange,
    Figures,
    Nearest,
    SettlementChange,
    ThresholdComparison,
    compare,
    coverage,
    default_threshold_index,
    english_summary_message,
    gaps,
    hex_gaps,
    nearest,
    summary_sentence,
    weighted_quantile,
)

INF = np.inf


def _coverage(minutes, population, *, thresholds=(30,), **options) -> Coverage:
    return coverage(np.asarray(minutes, float), np.asarray(population, float), None, ["D"] * len(minutes),
                    thresholds=thresholds, **options)  # fmt: skip


# --------------------------------------------------------------------------------------------------------------
# nearest: which minimum is an estimate
# --------------------------------------------------------------------------------------------------------------
def test_the_method_of_each_nearest_time_is_the_chosen_rows():
    minutes = np.array([[10.0, INF, 50.0], [5.0, 20.0, INF]])
    estimated = np.array([[False, False, True], [True, False, False]])
    near = nearest(minutes, estimated=estimated)
    # s0: row 1 (5 min, estimated); s1: row 1 (20, network); s2: row 0 (50, estimated)
    assert near.minutes.tolist() == [5.0, 20.0, 50.0] and near.site_index.tolist() == [1, 1, 0]
    assert near.estimated.tolist() == [True, False, True]
    assert near.methods.tolist() == ["estimate", "network", "estimate"]


def test_a_nearest_made_without_methods_reads_network_everywhere():
    near = Nearest(np.array([5.0, 7.0]), np.array([0, 1]))
    assert near.estimated.shape == (0,)
    assert near.methods.tolist() == ["network", "network"]


# --------------------------------------------------------------------------------------------------------------
# records: frozen, compared by identity, no arrays in the repr
# --------------------------------------------------------------------------------------------------------------
def _comparison() -> Comparison:
    return compare(_coverage([10.0, 40.0], [100.0, 50.0]), _coverage([40.0, 10.0], [100.0, 50.0]))


def test_the_result_records_are_frozen():
    cov = _coverage([10.0, 40.0], [100.0, 50.0])
    comparison = _comparison()
    within = comparison.within["30"]
    records = [
        (nearest(np.array([[1.0]])), "minutes"),
        (cov, "region"),
        (cov.region, "median_minutes"),
        (cov.region.within["30"], "population_covered"),
        (comparison, "median_minutes"),
        (within, "threshold_minutes"),
        (within.population_share_pp, "difference"),
        (within.changes[0], "change"),
    ]
    assert {type(record) for record, _ in records} == {
        Nearest, Coverage, AreaCoverage, Figures, Comparison, ThresholdComparison, FigureChange, SettlementChange
    }  # fmt: skip
    for record, name in records:
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(record, name, 0)


def test_nearest_and_coverage_compare_and_hash_by_identity():
    """Their fields are arrays, which cannot be compared field by field: two equal results are two objects."""
    minutes = np.array([[10.0, 20.0]])
    first, second = nearest(minutes), nearest(minutes)
    assert first == first and first != second and len({first, second}) == 2
    cov_a, cov_b = _coverage([10.0, 40.0], [1.0, 2.0]), _coverage([10.0, 40.0], [1.0, 2.0])
    assert cov_a == cov_a and cov_a != cov_b and len({cov_a, cov_b}) == 2


def test_the_repr_of_a_coverage_carries_no_per_settlement_array():
    """A coverage written to a log shows its figures, never the incidents or minutes of each settlement."""
    cov = coverage(
        np.array([10.0, 40.0, 70.0]),
        np.array([100.0, 50.0, 20.0]),
        np.array([7, 0, 3]),
        ["D1", "D1", "D2"],
        estimated=np.array([True, False, False]),
        estimated_population=np.array([False, True, False]),
    )
    text = repr(cov)
    assert "region=AreaCoverage(" in text and "population_covered=100.0" in text
    per_settlement = "nearest_minutes|population|incidents|district_ids|release|estimated|estimated_population"
    assert re.findall(rf"(?<![_a-z])({per_settlement})=", text) == []
    assert "array(" not in text


# --------------------------------------------------------------------------------------------------------------
# figures: defaults and derived values by hand
# --------------------------------------------------------------------------------------------------------------
def test_figures_made_with_the_eight_counts_carry_no_estimate():
    figures = Figures(10.0, 20.0, 1, 2, 3, 4, 1, 0)
    assert (figures.settlements_time_estimated, figures.population_time_estimated) == (0, 0.0)
    assert (figures.settlements_estimated_population, figures.settlements_estimated_population_covered) == (0, 0)
    assert (figures.population_estimated_covered, figures.population_estimated_total) == (0.0, 0.0)
    assert figures.settlements_without_known_population == 1
    assert figures.estimated_share == 0.0 and figures.population_share == 0.5


def test_the_shares_and_the_settlements_without_a_known_population_by_hand():
    figures = Figures(
        population_covered=0.4,
        population_total=0.5,  # half a person: estimated populations are fractional
        settlements_covered=1,
        settlements_total=6,
        incidents_covered=0,
        incidents_total=0,
        settlements_unknown_population=2,
        settlements_unknown_population_covered=0,
        settlements_estimated_population=3,
        population_estimated_total=0.25,
    )
    assert figures.settlements_without_known_population == 2 + 3
    assert figures.estimated_share == pytest.approx(0.25 / 0.5)
    assert figures.population_share == pytest.approx(0.4 / 0.5)
    nobody = dataclasses.replace(figures, population_covered=0.0, population_total=0.0, population_estimated_total=0.0)
    assert np.isnan(nobody.estimated_share) and np.isnan(nobody.population_share)


def test_estimated_populations_are_summed_apart_by_hand():
    cov = _coverage(
        [10.0, 20.0, 50.0, 5.0],
        [100.0, 40.0, 60.0, np.nan],
        estimated_population=np.array([False, True, True, False]),
        estimated=np.array([False, False, True, True]),
    )
    within = cov.region.within["30"]
    # covered: s0 (100, known), s1 (40, estimated), s3 (unknown); s2 (60, estimated) is 50 minutes away
    assert (within.population_covered, within.population_total) == (140.0, 200.0)
    assert (within.population_estimated_covered, within.population_estimated_total) == (40.0, 100.0)
    assert (within.settlements_estimated_population, within.settlements_estimated_population_covered) == (2, 1)
    assert (within.settlements_unknown_population, within.settlements_unknown_population_covered) == (1, 1)
    assert (within.settlements_time_estimated, within.population_time_estimated) == (2, 60.0)
    assert within.estimated_share == pytest.approx(0.5) and within.settlements_without_known_population == 3


# --------------------------------------------------------------------------------------------------------------
# input limits: what is taken at exactly the limit, what is refused just past it
# --------------------------------------------------------------------------------------------------------------
def test_no_people_and_fractions_of_people_are_populations_and_negatives_are_not():
    within = _coverage([10.0, 20.0, 40.0], [0.0, 0.5, 2.0]).region.within["30"]
    assert (within.population_covered, within.population_total, within.settlements_covered) == (0.5, 2.5, 2)
    with pytest.raises(CoverageInputError, match="negative"):
        _coverage([10.0], [-0.5])


def test_thresholds_of_zero_and_of_a_fraction_of_a_minute_are_taken_and_negatives_refused():
    cov = _coverage([0.0, 0.5, 0.75], [1.0, 2.0, 4.0], thresholds=(0.0, 0.5))
    assert cov.thresholds_minutes == (0.0, 0.5)
    assert cov.region.within["0"].population_covered == 1.0  # only the village at 0 minutes
    assert cov.region.within["0.5"].population_covered == 3.0
    with pytest.raises(CoverageInputError, match="thresholds"):
        _coverage([10.0], [1.0], thresholds=(-0.5,))


def test_a_coverage_of_no_settlement_is_empty_not_an_error():
    cov = coverage(np.array([]), np.array([]), None, [], thresholds=(30,))
    within = cov.region.within["30"]
    assert (within.settlements_total, within.population_total, within.population_covered) == (0, 0.0, 0.0)
    assert cov.districts == {} and np.isnan(cov.region.median_minutes)


def test_minutes_of_more_than_one_dimension_are_refused_by_name():
    with pytest.raises(CoverageInputError, match="`nearest_minutes` must be 1-D"):
        coverage(np.ones((2, 2)), np.ones(2), None, ["D", "D"])


@pytest.mark.parametrize("quantile", [-0.5, 1.5])
def test_a_quantile_outside_zero_to_one_is_refused(quantile):
    with pytest.raises(CoverageInputError, match="quantile"):
        weighted_quantile(np.array([1.0, 2.0]), np.array([1.0, 1.0]), quantile)


def test_the_quantiles_at_zero_and_one_are_the_smallest_and_largest_minutes():
    minutes, weights = np.array([30.0, 10.0, 20.0]), np.array([1.0, 1.0, 2.0])
    assert weighted_quantile(minutes, weights, 0.0) == 10.0
    assert weighted_quantile(minutes, weights, 1.0) == 30.0


@pytest.mark.parametrize(
    ("thresholds", "index"),
    [((15.0, 30.0, 60.0), 2), ((20.0, 45.0), 1), ((50.0, 75.0), 0), ((60.0, 90.0), 0), ((), 0)],
)
def test_a_page_starts_on_the_threshold_nearest_the_default_gap(thresholds, index):
    assert DEFAULT_GAP_MINUTES == 60.0  # the cases below are worked for 60 minutes
    assert default_threshold_index(thresholds) == index


# --------------------------------------------------------------------------------------------------------------
# orders: gaps, hexagons, changed settlements
# --------------------------------------------------------------------------------------------------------------
def test_gaps_of_equal_people_incidents_and_minutes_go_by_name():
    frame = pd.DataFrame(
        {
            "settlement_id": ["k", "a", "b"],
            "name": ["Kok", "Aul", "Bes"],
            "district_id": ["D"] * 3,
            "population": [100.0, 100.0, 100.0],
        }
    )
    table = gaps(frame, np.array([45.0, 45.0, 45.0]), ["x", "x", "x"], None, threshold_minutes=30)
    assert table["name"].tolist() == ["Aul", "Bes", "Kok"]
    assert list(table.index) == [0, 1, 2]


def test_hex_gaps_go_by_unserved_people_then_by_cell_with_a_plain_index():
    # three villages a degree apart (three resolution-6 cells): 300 people, and twice 100
    lats, lons = [42.0, 43.0, 44.0], [68.0, 69.0, 70.0]
    frame = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lons, lats), crs="EPSG:4326")
    people = np.array([100.0, 300.0, 100.0])
    hexes = hex_gaps(frame, np.array([45.0, 90.0, INF]), people, threshold_minutes=30, resolution=6)
    cells = [h3.latlng_to_cell(lat, lon, 6) for lat, lon in zip(lats, lons)]
    assert list(hexes.columns) == [
        "h3_cell", "unserved_population", "settlements_unserved", "settlements_unknown_population", "geometry"
    ]  # fmt: skip
    assert list(hexes.index) == [0, 1, 2]
    assert hexes["h3_cell"].tolist() == [cells[1], *sorted([cells[0], cells[2]])]
    assert hexes["unserved_population"].tolist() == [300.0, 100.0, 100.0]
    assert hexes["settlements_unserved"].tolist() == [1, 1, 1]


def test_changed_settlements_go_by_people_unknown_last_and_split_into_gained_and_lost():
    people = [np.nan, 0.0, 300.0, 5.0]
    comparison = compare(_coverage([40.0, 40.0, 40.0, 10.0], people), _coverage([10.0, 10.0, 10.0, 40.0], people))
    within = comparison.within["30"]
    # 300 people, 5, then 0, then the unknown one last
    assert [(c.index, c.change) for c in within.changes] == [(2, "gained"), (3, "lost"), (1, "gained"), (0, "gained")]
    assert [c.index for c in within.gained] == [2, 1, 0]
    assert [c.index for c in within.lost] == [3]


# --------------------------------------------------------------------------------------------------------------
# the summary sentence: counts of the lost, signs of the percentage points
# --------------------------------------------------------------------------------------------------------------
def test_the_sentence_counts_the_lost_villages_of_unknown_population():
    people = [np.nan, 0.0, 300.0, 5.0]
    comparison = compare(_coverage([10.0, 40.0, 40.0, 10.0], people), _coverage([40.0, 10.0, 10.0, 40.0], people))
    # A covers 5 of 305 known people, B 300: +295 people, 295 / 305 = 96.7 pp; s0 (unknown) and s3 (5) are lost
    assert summary_sentence(comparison) == (
        "Scenario B covers 295 more people (+96.7 pp) within 30 minutes, the same number of villages; "
        "2 villages with 5 people lose coverage (population unknown in 1)."
    )


def _sentence_and_pp(minutes_a, minutes_b, people) -> tuple[str, str]:
    said = {}

    def message(name, count=None, **values):
        said.update(values)
        return english_summary_message(name, count, **values)

    comparison = compare(_coverage(minutes_a, people), _coverage(minutes_b, people))
    return summary_sentence(comparison, message=message), said["pp"]


def test_half_a_point_keeps_its_sign_and_no_change_reads_plus_zero():
    people = [995.0, 5.0]
    fewer = _sentence_and_pp([10.0, 10.0], [10.0, 40.0], people)
    assert fewer == (
        "Scenario B covers 5 fewer people (-0.5 pp) within 30 minutes, 1 fewer village; "
        "1 village with 5 people loses coverage.",
        "-0.5",
    )
    more = _sentence_and_pp([10.0, 40.0], [10.0, 10.0], people)
    assert more == (
        "Scenario B covers 5 more people (+0.5 pp) within 30 minutes, 1 more village; nobody loses coverage.",
        "+0.5",
    )
    assert _sentence_and_pp([10.0, 10.0], [10.0, 10.0], people)[1] == "+0.0"
