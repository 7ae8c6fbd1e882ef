"""The rules of ``planning.siting`` pinned by hand-worked values: every demand mode, every input limit at exactly
the limit and just past it, the greedy's tolerance, bound and stopping rule, the district rule, the p-median penalty
and swap pass, the gap, and what the exact model hands to CBC.

``tools/mutate.py`` runs this file first against every mutant of ``planning/siting.py``: the greedy tests come
first (no solver, a millisecond each), the ones that call CBC last.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pulp
import pytest

from planning.siting import (
    GREEDY_GUARANTEE,
    DemandWeights,
    SitingError,
    demand_weights,
    maximal_coverage,
    p_median,
    set_cover,
    with_exact_gap,
)

INF = np.inf
THRESHOLD = 30.0


# --------------------------------------------------------------------------------------------------------------
# demand
# --------------------------------------------------------------------------------------------------------------
def test_demand_of_each_mode_by_hand():
    people = np.array([2000.0, 500.0, np.nan])
    reports = np.array([0.0, 4.0, 2.0])
    population = demand_weights(people)
    assert population.weights.tolist() == [2000.0, 500.0, 0.0]  # unknown counts as 0 and is said
    assert (population.unknown_population, population.unknown_incidents) == (1, 0)
    need = demand_weights(people, mode="need", rate_per_1000=3.0)
    assert need.weights.tolist() == pytest.approx([6.0, 1.5, 0.0])  # 3 expected cases per 1,000 people
    assert demand_weights(people, mode="need", rate_per_1000=0.0).weights.tolist() == [0.0, 0.0, 0.0]
    incidents = demand_weights(people, reports, mode="incidents", underreporting_factor=2.5)
    assert incidents.weights.tolist() == [0.0, 10.0, 5.0]
    # blend, incident weight 0.25: people shares (0.8, 0.2, 0), incident shares (0, 2/3, 1/3)
    blend = demand_weights(people, reports, mode="blend", incident_weight=0.25, underreporting_factor=2.0)
    assert blend.weights == pytest.approx([0.75 * 0.8, 0.75 * 0.2 + 0.25 * 2 / 3, 0.25 * 1 / 3])
    assert blend.mode == "blend" and isinstance(blend, DemandWeights)


def test_a_blend_of_fractional_people_and_no_incident_is_the_people_shares():
    # a quarter of a person each (estimates are fractional): shares of one half; no incident at all: share zero
    blend = demand_weights([0.25, 0.25], [0.0, 0.0], mode="blend", incident_weight=0.5)
    assert blend.weights.tolist() == [0.25, 0.25]
    nobody = demand_weights([0.0, 0.0], [0.0, 0.0], mode="blend")
    assert nobody.weights.tolist() == [0.0, 0.0]


def test_the_limits_of_the_demand_options():
    people, reports = [10.0, 20.0], [1.0, 0.0]
    for weight in (0.0, 1.0):  # the ends of [0, 1] are taken
        demand_weights(people, reports, mode="blend", incident_weight=weight)
    for weight in (-0.5, 1.5):
        with pytest.raises(SitingError, match="incident_weight"):
            demand_weights(people, reports, mode="blend", incident_weight=weight)
    for factor in (1.0, 1.5):
        assert demand_weights(people, reports, mode="incidents", underreporting_factor=factor).weights[0] == factor
    with pytest.raises(SitingError, match="underreporting_factor"):
        demand_weights(people, reports, mode="incidents", underreporting_factor=0.5)
    assert demand_weights(people, mode="need", rate_per_1000=0.5).weights.tolist() == [0.005, 0.01]
    for rate in (-0.5, None):
        with pytest.raises(SitingError, match="rate_per_1000"):
            demand_weights(people, mode="need", rate_per_1000=rate)
    assert demand_weights(people, mode="population", rate_per_1000=None).weights.tolist() == people
    with pytest.raises(SitingError, match="one value per settlement"):
        demand_weights(people, [1.0, 2.0, 3.0], mode="incidents")


def test_no_people_and_fractions_are_demand_and_negatives_are_not():
    assert demand_weights([0.0, 0.5]).weights.tolist() == [0.0, 0.5]
    with pytest.raises(SitingError, match="population"):
        demand_weights([1.0, -0.5])
    with pytest.raises(SitingError, match="incidents"):
        demand_weights([1.0], [np.inf], mode="incidents")


def test_the_demand_record_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        demand_weights([1.0]).mode = "need"  # type: ignore[misc]


# --------------------------------------------------------------------------------------------------------------
# input limits of the models
# --------------------------------------------------------------------------------------------------------------
def test_minutes_of_zero_and_of_a_fraction_are_taken_and_negatives_refused():
    result = maximal_coverage(np.array([[0.0, 0.5, 40.0]]), np.ones(3), add=1, threshold_minutes=THRESHOLD)
    assert result.chosen == (0,) and result.objective == 2.0
    for bad in (-0.5, np.nan):
        with pytest.raises(SitingError, match="`minutes` must hold minutes >= 0"):
            maximal_coverage(np.array([[bad, 1.0]]), np.ones(2), add=1, threshold_minutes=THRESHOLD)
    with pytest.raises(SitingError, match="2-D"):
        maximal_coverage(np.array([1.0, 2.0]), np.ones(2), add=1, threshold_minutes=THRESHOLD)


def test_thresholds_of_zero_and_of_a_fraction_are_taken_and_negatives_refused():
    minutes = np.array([[0.0, 0.5, 0.75]])
    assert maximal_coverage(minutes, np.ones(3), add=1, threshold_minutes=0.0).objective == 1.0
    assert maximal_coverage(minutes, np.ones(3), add=1, threshold_minutes=0.5).objective == 2.0
    with pytest.raises(SitingError, match="threshold_minutes"):
        maximal_coverage(minutes, np.ones(3), add=1, threshold_minutes=-0.5)


def test_demand_of_zero_and_of_a_fraction_is_taken_and_negatives_refused():
    minutes = np.array([[10.0, INF, INF], [INF, 10.0, 10.0]])
    result = maximal_coverage(minutes, np.array([0.5, 0.0, 0.0]), add=1, threshold_minutes=THRESHOLD)
    assert result.chosen == (0,) and result.objective == 0.5
    with pytest.raises(SitingError, match="`demand`"):
        maximal_coverage(minutes, np.array([1.0, -0.5, 0.0]), add=1, threshold_minutes=THRESHOLD)


def test_adding_zero_sites_is_an_empty_answer_and_negative_or_fractional_counts_are_refused():
    minutes = np.array([[10.0, INF], [INF, 10.0]])
    none = maximal_coverage(minutes, np.ones(2), add=0, threshold_minutes=THRESHOLD)
    assert none.chosen == () and none.objective == 0.0 and none.unserved == (0, 1)
    for bad in (-1, 1.5, True):
        with pytest.raises(SitingError, match="`add`"):
            maximal_coverage(minutes, np.ones(2), add=bad, threshold_minutes=THRESHOLD)


def test_existing_sites_have_one_column_per_settlement_and_any_number_of_rows():
    minutes = np.array([[10.0, INF, INF], [INF, 10.0, INF]])
    fixed = np.array([[INF, INF, 5.0]])  # one existing site, three settlements: rows and columns differ
    result = maximal_coverage(minutes, np.array([1.0, 2.0, 4.0]), add=1, threshold_minutes=THRESHOLD,
                              fixed_minutes=fixed)  # fmt: skip
    assert result.chosen == (1,) and result.objective == 6.0 and result.unserved == (0,)
    with pytest.raises(SitingError, match="one column per settlement"):
        maximal_coverage(minutes, np.ones(3), add=1, threshold_minutes=THRESHOLD, fixed_minutes=np.ones((3, 2)))


def test_no_candidate_at_all_is_an_empty_answer():
    empty = np.empty((0, 2))
    fixed = np.array([[10.0, INF]])
    mclp = maximal_coverage(empty, np.array([3.0, 1.0]), add=2, threshold_minutes=THRESHOLD, fixed_minutes=fixed)
    assert mclp.chosen == () and mclp.objective == 3.0 and mclp.unreachable == (1,)
    assert set_cover(empty, threshold_minutes=THRESHOLD).chosen == ()
    median = p_median(empty, np.ones(2), add=1, fixed_minutes=fixed)
    assert median.chosen == () and median.objective == 10.0 and median.unreachable == (1,)


# --------------------------------------------------------------------------------------------------------------
# the greedy: what a pick gains, when it stops, its bound
# --------------------------------------------------------------------------------------------------------------
# three candidates over four settlements (rows: candidates; 10 = within 30 minutes, 99 = beyond)
SPREAD = np.array([[10.0, 10.0, 99.0, 99.0], [99.0, 99.0, 10.0, 99.0], [99.0, 10.0, 99.0, 10.0]])
SPREAD_DEMAND = np.array([4.0, 3.0, 2.0, 1.0])


def test_each_pick_gains_its_newly_covered_demand_and_settlements():
    result = maximal_coverage(SPREAD, SPREAD_DEMAND, add=3, threshold_minutes=THRESHOLD)
    # 0 covers 4 + 3; then 1 covers 2 (settlement 1 is already covered, so 2 only adds 1)
    assert result.chosen == (0, 1, 2)
    assert result.gain == (7.0, 2.0, 1.0) and result.gain_settlements == (2, 1, 1)
    assert result.objective == 10.0 and result.unserved == () and result.unreachable == ()
    assert result.bound == 10.0 and result.bound_kind == "optimal" and result.gap == 0.0  # every candidate open
    two = maximal_coverage(SPREAD, SPREAD_DEMAND, add=2, threshold_minutes=THRESHOLD)
    assert two.chosen == (0, 1) and two.objective == 9.0 and two.unserved == (3,)
    # 9 / (1 - 1/e) = 14.2 is more than all the demand (10): the bound is all the demand
    assert two.bound == 10.0 and two.bound_kind == "greedy_guarantee"
    assert GREEDY_GUARANTEE == pytest.approx(0.6321205588)  # 1 - 1/e
    assert two.gap == pytest.approx(0.1)  # (bound - objective) / bound


def test_the_greedy_stops_when_a_site_adds_nothing():
    minutes = np.array([[10.0, 10.0], [20.0, 99.0], [99.0, 99.0]])
    result = maximal_coverage(minutes, np.array([5.0, 1.0]), add=3, threshold_minutes=THRESHOLD)
    assert result.chosen == (0,) and result.gain == (6.0,)
    cover = set_cover(minutes, threshold_minutes=THRESHOLD)
    assert cover.chosen == (0,) and cover.objective == 1.0 and cover.bound is None


def test_the_greedy_bound_counts_the_existing_sites_once():
    # the existing site covers 7; candidate 1 adds 3 (candidate 0 only 2): bound = 7 + 3 / (1 - 1/e) = 11.75 < 15
    minutes = np.array([[INF, 10.0, INF, INF], [INF, INF, 10.0, INF], [INF, INF, INF, 10.0]])
    demand = np.array([7.0, 2.0, 3.0, 3.0])
    fixed = np.array([[10.0, INF, INF, INF]])
    result = maximal_coverage(minutes, demand, add=1, threshold_minutes=THRESHOLD, fixed_minutes=fixed)
    assert result.chosen == (1,) and result.objective == 10.0
    assert result.bound == pytest.approx(7.0 + 3.0 / GREEDY_GUARANTEE) and result.bound_kind == "greedy_guarantee"
    capped = maximal_coverage(minutes, demand, add=2, threshold_minutes=THRESHOLD, fixed_minutes=fixed)
    assert capped.objective == 13.0 and capped.bound == 15.0  # 7 + 6 / 0.632 = 16.5, above all the demand


@pytest.mark.parametrize(
    ("big", "small", "added"),
    [
        (1000.0, 1e-7, False),  # tolerance 1e-9 x 1000: a gain of 1e-7 is none
        (1000.0, 2e-6, True),
        (0.5, 7e-10, False),  # below one unit of demand the tolerance is 1e-9 x 1
        (0.5, 1.5e-9, True),
    ],
)
def test_a_gain_within_a_billionth_of_the_demand_is_no_gain(big, small, added):
    minutes = np.array([[10.0, INF], [INF, 10.0]])
    result = maximal_coverage(minutes, np.array([big, small]), add=2, threshold_minutes=THRESHOLD)
    assert result.chosen == ((0, 1) if added else (0,))


def test_a_gain_of_exactly_the_tolerance_is_no_gain():
    demand = np.array([1024.0 - 1.024e-6, 1.024e-6])
    assert 1e-9 * float(demand.sum()) == demand[1]  # the tolerance, exactly
    result = maximal_coverage(np.array([[10.0, INF], [INF, 10.0]]), demand, add=2, threshold_minutes=THRESHOLD)
    assert result.chosen == (0,)
    districts = maximal_coverage(np.array([[10.0, INF], [INF, 10.0], [INF, INF]]), demand, add=3,
                                 threshold_minutes=THRESHOLD, district_of_site=np.array([0, 0, 1]),
                                 require_districts=[1])  # fmt: skip
    assert districts.chosen == (0, 2)  # the district's site is forced in instead of a gain of exactly the tolerance


def test_the_lp_bound_replaces_the_guarantee_only_when_tighter():
    disjoint = np.array([[10.0, INF, INF], [INF, 10.0, INF], [INF, INF, 10.0]])
    tighter = maximal_coverage(disjoint, np.array([5.0, 4.0, 4.0]), add=1, threshold_minutes=THRESHOLD, lp_bound=True)
    assert tighter.bound == pytest.approx(5.0) and tighter.bound_kind == "lp"  # LP 5 < 5 / 0.632
    # one site covers both settlements: the guarantee is capped at all the demand (2), the LP finds 2 too
    tie = maximal_coverage(np.array([[10.0, 10.0], [10.0, INF]]), np.ones(2), add=1, threshold_minutes=THRESHOLD,
                           lp_bound=True)  # fmt: skip
    assert tie.bound == 2.0 and tie.bound_kind == "greedy_guarantee"
    plain = maximal_coverage(disjoint, np.array([5.0, 4.0, 4.0]), add=1, threshold_minutes=THRESHOLD)
    assert plain.bound_kind == "greedy_guarantee"  # no LP unless asked


def test_the_unserved_settlements_of_each_model():
    minutes = np.array([[10.0, 40.0, INF], [40.0, 10.0, INF]])
    fixed = np.array([[INF, INF, 20.0]])
    mclp = maximal_coverage(minutes, np.array([3.0, 1.0, 1.0]), add=1, threshold_minutes=THRESHOLD,
                            fixed_minutes=fixed)  # fmt: skip
    assert mclp.chosen == (0,) and mclp.unserved == (1,) and mclp.unreachable == ()
    median = p_median(minutes, np.array([3.0, 1.0, 1.0]), add=1, fixed_minutes=fixed)
    # penalty 2 x 40 = 80 minutes; every settlement has a finite time to the chosen or the existing site
    assert median.chosen == (0,) and median.unserved == () and median.unserved_penalty_minutes == 80.0
    assert median.objective == 3 * 10.0 + 1 * 40.0 + 1 * 20.0
    far = p_median(np.array([[10.0, INF], [INF, 10.0]]), np.array([3.0, 1.0]), add=1)
    assert far.chosen == (0,) and far.unserved == (1,) and far.objective == 3 * 10.0 + 1 * 20.0  # penalty 2 x 10


# --------------------------------------------------------------------------------------------------------------
# districts
# --------------------------------------------------------------------------------------------------------------
def test_a_required_district_takes_the_last_pick_and_not_an_earlier_one():
    # candidate 0 is the best; 1 the second; 2 (the only one in district 7) the worst
    minutes = np.array([[10.0, INF, INF, INF], [INF, 10.0, INF, INF], [INF, INF, 10.0, INF]])
    demand = np.array([5.0, 3.0, 1.0, 0.0])
    sites = np.array([6, 6, 7])
    for add, chosen in ((1, (2,)), (2, (0, 2)), (3, (0, 1, 2))):
        result = maximal_coverage(minutes, demand, add=add, threshold_minutes=THRESHOLD, district_of_site=sites,
                                  require_districts=[7])  # fmt: skip
        assert result.chosen == chosen
        assert result.bound is None  # no greedy guarantee under a district constraint
    # one required district and one site to add: allowed (the district takes it)
    assert maximal_coverage(minutes, demand, add=1, threshold_minutes=THRESHOLD, district_of_site=sites,
                            require_districts=[7]).objective == 1.0  # fmt: skip


def test_a_district_with_an_existing_site_needs_none_and_the_others_are_checked():
    minutes = np.array([[10.0, INF], [INF, 10.0]])
    fixed = np.array([[INF, INF], [INF, INF], [INF, INF]])  # three existing sites, two settlements
    result = maximal_coverage(minutes, np.array([5.0, 1.0]), add=1, threshold_minutes=THRESHOLD, fixed_minutes=fixed,
                              district_of_site=np.array([1, 2]), district_of_fixed=np.array([2, 3, 3]),
                              require_districts=[2, 9])  # fmt: skip
    assert result.chosen == (0,) and result.districts_without_candidates == (9,)
    with pytest.raises(SitingError, match="district_of_fixed"):
        maximal_coverage(minutes, np.ones(2), add=1, threshold_minutes=THRESHOLD, fixed_minutes=fixed,
                         district_of_site=np.array([1, 2]), require_districts=[2])  # fmt: skip
    with pytest.raises(SitingError, match="district_of_site"):
        maximal_coverage(minutes, np.ones(2), add=1, threshold_minutes=THRESHOLD, district_of_site=np.array([1]),
                         require_districts=[2])  # fmt: skip
    plain = maximal_coverage(minutes, np.ones(2), add=1, threshold_minutes=THRESHOLD, district_of_site=np.array([1, 2]),
                             require_districts=[1])  # fmt: skip
    assert plain.chosen == (0,)  # no existing site and no district_of_fixed: nothing to check


# --------------------------------------------------------------------------------------------------------------
# p-median: the penalty and the swap pass
# --------------------------------------------------------------------------------------------------------------
def test_the_penalty_is_twice_the_longest_time_and_at_least_two_minutes():
    quick = p_median(np.array([[0.5, INF], [INF, 0.25]]), np.array([1.0, 1.0]), add=1)
    assert quick.unserved_penalty_minutes == 2.0  # 2 x max(0.5, 1)
    # candidate 1 saves 2 - 0.25, candidate 0 only 2 - 0.5
    assert quick.chosen == (1,) and quick.objective == 2.0 + 0.25 and quick.unserved == (0,)
    with pytest.raises(SitingError, match="unserved_minutes"):
        p_median(np.array([[10.0, INF], [INF, 20.0]]), np.ones(2), add=1, unserved_minutes=20.0)
    taken = p_median(np.array([[10.0, INF], [INF, 20.0]]), np.ones(2), add=1, unserved_minutes=20.5)
    assert taken.unserved_penalty_minutes == 20.5 and taken.objective == 10.0 + 20.5


def test_without_any_finite_time_any_positive_penalty_is_taken():
    nowhere = np.array([[INF, INF]])
    result = p_median(nowhere, np.ones(2), add=1, unserved_minutes=0.5)
    assert result.chosen == () and result.unreachable == (0, 1) and result.unserved_penalty_minutes == 0.5
    with pytest.raises(SitingError, match="unserved_minutes"):
        p_median(nowhere, np.ones(2), add=1, unserved_minutes=-0.5)
    assert p_median(nowhere, np.ones(2), add=1).unserved_penalty_minutes == 2.0


def _swap_case(delta: float, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Two villages a and b; candidate 0 halfway (5 min to each), 1 at a (0, 20), 2 near b (20, 5 - delta).
    Greedy opens 0 then 1 (total 5 x scale); swapping 0 for 2 saves ``delta`` x ``scale``."""
    return np.array([[5.0, 5.0], [0.0, 20.0], [20.0, 5.0 - delta]]), np.array([scale, scale])


def test_the_swap_pass_takes_an_improvement_above_its_tolerance_only():
    # tolerance 1e-9 x max(demand x penalty = 2 x 40, 1) = 8e-8 minutes
    for delta, swapped in ((1e-8, False), (1e-6, True), (1.0, True)):
        minutes, demand = _swap_case(delta, 1.0)
        result = p_median(minutes, demand, add=2)
        assert sorted(result.chosen) == ([1, 2] if swapped else [0, 1])
        assert result.objective == pytest.approx(5.0 - delta if swapped else 5.0, abs=1e-12)
    # a demand of 1/1000: demand x penalty = 0.08 < 1, so the tolerance is 1e-9 (improvements of delta / 1000)
    for delta, swapped in ((5e-7, False), (1.5e-6, True)):
        result = p_median(*_swap_case(delta, 0.001), add=2)
        assert sorted(result.chosen) == ([1, 2] if swapped else [0, 1])


def test_the_swap_pass_keeps_a_site_for_a_tie():
    # candidate 2 is as good as candidate 0 once 1 is open: no swap, and the greedy order stays
    minutes = np.array([[5.0, 5.0], [0.0, 20.0], [20.0, 5.0]])
    result = p_median(minutes, np.ones(2), add=2)
    assert result.chosen == (0, 1) and result.solver == "greedy+swap" and result.objective == 5.0


def test_the_swap_pass_moves_each_position_against_the_others():
    # three villages a, b, c (penalty 2 x 30 = 60); greedy opens the middle (0: saves 3 x 54) and then 3 (b and c:
    # 5 + 5); the swap replaces 0 by 1 given 3 (a: 30 against 24), and then keeps 3 given 1 (58 against 48 for 0)
    minutes = np.array(
        [
            [6.0, 6.0, 6.0],  # 0: the middle
            [0.0, 30.0, 30.0],  # 1: at a
            [30.0, 0.0, 30.0],  # 2: at b
            [30.0, 1.0, 1.0],  # 3: between b and c
        ]
    )
    greedy = p_median(minutes, np.ones(3), add=2, swap=False)
    assert greedy.chosen == (0, 3) and greedy.objective == 6 + 1 + 1
    swapped = p_median(minutes, np.ones(3), add=2)
    assert sorted(swapped.chosen) == [1, 3] and swapped.objective == 0 + 1 + 1
    assert swapped.chosen == (3, 1)  # in greedy order of marginal gain: 3 saves 30 + 59 + 59, then 1 saves 30
    assert swapped.gain == (148.0, 30.0) and swapped.gain_settlements == (3, 1)


# --------------------------------------------------------------------------------------------------------------
# the gap
# --------------------------------------------------------------------------------------------------------------
def test_the_gap_to_a_proven_optimum_by_hand():
    minutes = np.array([[5.0, 5.0], [0.0, 20.0], [20.0, 0.0]])
    greedy = p_median(minutes, np.ones(2), add=2, swap=False)  # 5 minutes
    exact = p_median(minutes, np.ones(2), add=2, method="exact")  # 0 minutes
    assert greedy.objective == 5.0 and exact.objective == 0.0 and exact.status == "optimal"
    assert with_exact_gap(greedy, exact).gap == math.inf  # any excess over an optimum of 0
    assert with_exact_gap(exact, exact).gap == 0.0
    mclp = maximal_coverage(SPREAD, SPREAD_DEMAND, add=1, threshold_minutes=THRESHOLD)
    mclp_exact = maximal_coverage(SPREAD, SPREAD_DEMAND, add=1, threshold_minutes=THRESHOLD, method="exact")
    assert with_exact_gap(mclp, mclp_exact).gap == 0.0  # both 7
    worse = dataclasses.replace(mclp, objective=6.0)
    assert with_exact_gap(worse, mclp_exact).gap == pytest.approx(1.0 / 7.0)
    with pytest.raises(SitingError, match="same model"):
        with_exact_gap(mclp, exact)
    with pytest.raises(SitingError, match="status 'feasible'"):
        with_exact_gap(mclp, dataclasses.replace(mclp_exact, status="feasible"))


# --------------------------------------------------------------------------------------------------------------
# the exact model (CBC)
# --------------------------------------------------------------------------------------------------------------
def test_cbc_runs_quietly_with_the_time_limit(monkeypatch):
    asked = []
    real = pulp.PULP_CBC_CMD

    def recording(**options):
        asked.append(options)
        return real(**options)

    monkeypatch.setattr(pulp, "PULP_CBC_CMD", recording)
    maximal_coverage(SPREAD, SPREAD_DEMAND, add=1, threshold_minutes=THRESHOLD, method="exact")
    set_cover(SPREAD, threshold_minutes=THRESHOLD, method="exact", time_limit_s=7.5)
    assert asked == [{"msg": False, "timeLimit": 60.0}, {"msg": False, "timeLimit": 7.5}]


def test_exact_models_by_hand():
    mclp = maximal_coverage(SPREAD, SPREAD_DEMAND, add=2, threshold_minutes=THRESHOLD, method="exact")
    assert mclp.chosen == (0, 1) and mclp.objective == 9.0 and mclp.status == "optimal"
    assert mclp.gain == (7.0, 2.0) and mclp.gain_settlements == (2, 1)
    assert mclp.bound == 9.0 and mclp.bound_kind == "optimal" and mclp.unserved == (3,) and mclp.solver == "cbc"
    cover = set_cover(SPREAD, threshold_minutes=THRESHOLD, method="exact")
    assert sorted(cover.chosen) == [0, 1, 2] and cover.objective == 3.0 and cover.unserved == ()
    # settlement 3 is beyond 30 minutes of every site but 2: set cover needs 1 and 2, and 0 or 2 for settlement 0
    assert set_cover(SPREAD[[1, 2]], threshold_minutes=THRESHOLD, method="exact").unreachable == (0,)


def test_the_exact_maximal_coverage_takes_zero_demand_as_no_reason_to_open():
    minutes = np.array([[10.0, INF], [INF, 10.0]])
    result = maximal_coverage(minutes, np.array([0.0, 2.0]), add=2, threshold_minutes=THRESHOLD, method="exact")
    assert result.chosen == (1,) and result.objective == 2.0 and result.unserved == (0,)


def test_the_exact_p_median_by_hand():
    # a, b, c; the existing site serves c in 4; candidates: 0 (a 3, b 9), 1 (b 2, c 1), 2 (a 8, b 8, c 8)
    minutes = np.array([[3.0, 9.0, INF], [INF, 2.0, 1.0], [8.0, 8.0, 8.0]])
    fixed = np.array([[INF, INF, 4.0]])
    demand = np.array([2.0, 1.0, 3.0])
    one = p_median(minutes, demand, add=1, fixed_minutes=fixed, method="exact")
    # 0: 2x3 + 1x9 + 3x4 = 27; 1: 2x18 (penalty 2 x 9) + 1x2 + 3x1 = 41; 2: 16 + 8 + 12 = 36
    assert one.chosen == (0,) and one.objective == 27.0 and one.unserved_penalty_minutes == 18.0
    two = p_median(minutes, demand, add=2, fixed_minutes=fixed, method="exact")
    assert sorted(two.chosen) == [0, 1] and two.objective == 2 * 3 + 1 * 2 + 3 * 1
    assert two.gain == (2 * 15 + 1 * 9.0, 1 * 7 + 3 * 3.0) and two.chosen == (0, 1)
    lp = p_median(minutes, demand, add=1, fixed_minutes=fixed, lp_bound=True)
    assert lp.bound == pytest.approx(27.0) and lp.bound_kind == "lp"  # the LP of this one is integral


def test_the_lp_bound_of_set_cover_is_rounded_up():
    # a triangle: each site covers two of three settlements; the LP opens each at 1/2 (1.5), two sites are needed
    minutes = np.array([[10.0, 10.0, INF], [INF, 10.0, 10.0], [10.0, INF, 10.0]])
    cover = set_cover(minutes, threshold_minutes=THRESHOLD, lp_bound=True)
    assert cover.objective == 2.0 and cover.bound == 2.0 and cover.bound_kind == "lp" and cover.gap == 0.0
    mclp = maximal_coverage(minutes, np.ones(3), add=1, threshold_minutes=THRESHOLD, lp_bound=True)
    assert mclp.objective == 2.0 and mclp.bound == pytest.approx(2.0) and mclp.bound_kind == "lp"
    # an existing site covers settlement 3 (10 people); three candidates one settlement each: the LP bound is what
    # the existing site covers plus the LP's own 1 = 11, below the guarantee 10 + 1 / (1 - 1/e) = 11.6
    apart = np.array([[10.0, INF, INF, INF], [INF, 10.0, INF, INF], [INF, INF, 10.0, INF]])
    fixed = np.array([[INF, INF, INF, 10.0]])
    with_fixed = maximal_coverage(apart, np.array([1.0, 1.0, 1.0, 10.0]), add=1, threshold_minutes=THRESHOLD,
                                  fixed_minutes=fixed, lp_bound=True)  # fmt: skip
    assert with_fixed.objective == 11.0 and with_fixed.bound == pytest.approx(11.0) and with_fixed.bound_kind == "lp"


def test_the_demand_defaults_take_reports_at_face_value_and_blend_half_and_half():
    people, reports = np.array([30.0, 10.0]), np.array([0.0, 4.0])
    assert demand_weights(people, reports, mode="incidents").weights.tolist() == [0.0, 4.0]
    # people shares (0.75, 0.25), incident shares (0, 1), half each
    assert demand_weights(people, reports, mode="blend").weights.tolist() == [0.375, 0.625]


def test_the_swap_pass_drops_a_site_its_swap_made_useless():
    # penalty 2 x 5 = 10; villages a, b, c of 2, 2, 1. Greedy: 0 (ties 2 and 4 at 32, the first), 2 (10), 3 (3):
    # 5 minutes. The swap replaces 0 by 4 (saves 2 more given 2 and 3); 2 then adds nothing next to 4 and 3 and
    # is dropped: 4 and 3 serve a in 0, b in 1, c in 1 = 3.
    minutes = np.array([[0.0, 4.0, INF], [INF, INF, 3.0], [5.0, 2.0, 4.0], [0.0, INF, 1.0], [3.0, 1.0, INF]])
    demand = np.array([2.0, 2.0, 1.0])
    greedy = p_median(minutes, demand, add=3, swap=False)
    assert greedy.chosen == (0, 2, 3) and greedy.objective == 2 * 0 + 2 * 2 + 1 * 1
    result = p_median(minutes, demand, add=3)
    assert result.chosen == (4, 3) and result.objective == 2 * 0 + 2 * 1 + 1 * 1
    assert result.gain == (2 * 7 + 2 * 9.0, 2 * 3 + 1 * 9.0) and result.gain_settlements == (2, 2)


def test_the_swap_pass_weighs_only_what_a_site_improves():
    # penalty 10; a, b, c of 1, 2, 2. Greedy: 2 (29), then 1 (4): 17 minutes. Given 1, site 0 saves a 8 and is
    # worse for b and c (which 1 serves): 8 > 7 for keeping 2, so 0 replaces 2: 16 minutes.
    minutes = np.array([[2.0, INF, INF], [INF, 2.0, 5.0], [5.0, 4.0, 4.0]])
    result = p_median(minutes, np.array([1.0, 2.0, 2.0]), add=2)
    assert result.chosen == (1, 0) and result.objective == 2 + 2 * 2 + 2 * 5
    assert result.gain == (2 * 8 + 2 * 5.0, 8.0) and result.gain_settlements == (2, 1)
    # penalty 10; a, b, c of 1, 1, 2. Greedy: 0 (32), then 1 (4): 4 minutes; given 0, sites 2 and 3 save b 3 but
    # nothing else (3 each), less than 1's 4: no swap
    minutes = np.array([[1.0, 5.0, 1.0], [INF, 3.0, 0.0], [INF, 2.0, 5.0], [3.0, 2.0, INF]])
    kept = p_median(minutes, np.array([1.0, 1.0, 2.0]), add=2)
    assert kept.chosen == (0, 1) and kept.objective == 1 + 3 + 0


def test_the_exact_answer_is_given_in_greedy_order():
    exact = maximal_coverage(SPREAD, SPREAD_DEMAND, add=3, threshold_minutes=THRESHOLD, method="exact")
    assert exact.chosen == (0, 1, 2) and exact.gain == (7.0, 2.0, 1.0)
    reversed_rows = maximal_coverage(SPREAD[::-1], SPREAD_DEMAND, add=3, threshold_minutes=THRESHOLD, method="exact")
    assert reversed_rows.chosen == (2, 1, 0) and reversed_rows.gain == (7.0, 2.0, 1.0)


def test_set_cover_covers_a_settlement_of_no_demand_too():
    minutes = np.array([[10.0, INF], [INF, 10.0]])
    for method in ("greedy", "exact"):
        result = set_cover(minutes, np.array([5.0, 0.0]), threshold_minutes=THRESHOLD, method=method)
        assert sorted(result.chosen) == [0, 1] and result.unserved == ()


def test_the_lp_bound_of_maximal_coverage_is_the_relaxation():
    # five candidates (the last covers nothing), two to add. The best pair covers 10 of the 11 (settlement 1 only
    # candidate 3 covers); the LP opens 0, 1, 2 and 3 at one half each and covers 10.5
    covers = np.array(
        [
            [1, 0, 0, 1, 0],
            [1, 0, 1, 0, 1],
            [0, 0, 1, 1, 1],
            [0, 1, 1, 0, 0],
            [0, 0, 0, 0, 0],
        ],
        dtype=bool,
    )
    minutes = np.where(covers, 10.0, 99.0)
    demand = np.array([2.0, 1.0, 3.0, 3.0, 2.0])
    greedy = maximal_coverage(minutes, demand, add=2, threshold_minutes=THRESHOLD, lp_bound=True)
    assert greedy.objective == 10.0 and greedy.bound == pytest.approx(10.5) and greedy.bound_kind == "lp"
    assert greedy.gap == pytest.approx(0.5 / 10.5)
    assert maximal_coverage(minutes, demand, add=2, threshold_minutes=THRESHOLD, method="exact").objective == 10.0


def test_the_lp_bound_of_nothing_left_to_cover_is_zero():
    minutes = np.array([[10.0, INF], [INF, 10.0]])
    fixed = np.array([[5.0, 5.0]])
    result = set_cover(minutes, threshold_minutes=THRESHOLD, fixed_minutes=fixed, lp_bound=True)
    assert result.chosen == () and result.objective == 0.0 and result.bound == 0.0 and result.gap == 0.0
