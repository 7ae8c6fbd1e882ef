"""Siting models against optima found by enumerating every combination, and against spopt."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import QorgauError
from planning.siting import (
    DEMAND_MODES,
    GREEDY_GUARANTEE,
    SitingError,
    SitingResult,
    demand_weights,
    maximal_coverage,
    p_median,
    set_cover,
    with_exact_gap,
)

THRESHOLD_MINUTES = 30.0
CUTOFF_MINUTES = 90.0


def _instance(seed, *, n_candidates=8, n_settlements=14, n_fixed=0, cutoff_minutes=CUTOFF_MINUTES):
    """Points in a 100 km × 60 km box; minutes = km × 1.3 / 50 km/h with noise; inf beyond the cutoff."""
    rng = np.random.default_rng(seed)
    settlements = rng.uniform((0, 0), (100, 60), (n_settlements, 2))
    sites = rng.uniform((0, 0), (100, 60), (n_candidates + n_fixed, 2))
    km = np.linalg.norm(sites[:, None] - settlements[None], axis=2)
    minutes = km * 1.3 / 50.0 * 60.0 * rng.uniform(0.9, 1.2, km.shape)
    minutes[minutes > cutoff_minutes] = np.inf
    minutes = minutes.astype(np.float32)
    demand = rng.integers(0, 3000, n_settlements).astype(float)
    return minutes[:n_candidates], minutes[n_candidates:], demand


# --- reference objectives, written straight from the definitions ------------------------------------------------


def _covered(minutes, fixed, subset, threshold):
    rows = np.vstack([fixed, minutes[list(subset)]])
    return (rows <= threshold).any(axis=0)


def _mclp_value(minutes, fixed, demand, subset, threshold=THRESHOLD_MINUTES):
    return float(demand[_covered(minutes, fixed, subset, threshold)].sum())


def _pmedian_value(minutes, fixed, demand, subset, penalty):
    everyone = np.vstack([fixed, minutes])
    reachable = np.isfinite(everyone).any(axis=0)
    nearest = np.vstack([fixed, minutes[list(subset)]]).min(axis=0, initial=np.inf)
    nearest = np.where(np.isfinite(nearest), nearest, penalty)
    return float((demand * nearest)[reachable].sum())


def _subsets(n, max_size, district_ok=lambda s: True):
    for size in range(max_size + 1):
        for subset in itertools.combinations(range(n), size):
            if district_ok(subset):
                yield subset


def _district_ok(district_of_site, district_of_fixed, required):
    def ok(subset):
        present = {int(district_of_site[j]) for j in subset} | {int(d) for d in district_of_fixed}
        candidates = {int(d) for d in district_of_site}
        return all(d in present for d in required if d in candidates or d in present)

    return ok


def _best_mclp(minutes, fixed, demand, add, ok=lambda s: True):
    return max(_mclp_value(minutes, fixed, demand, s) for s in _subsets(len(minutes), add, ok))


def _best_lscp(minutes, fixed, ok=lambda s: True, threshold=THRESHOLD_MINUTES):
    target = _covered(minutes, fixed, range(len(minutes)), threshold)
    for subset in _subsets(len(minutes), len(minutes), ok):
        if (_covered(minutes, fixed, subset, threshold) >= target).all():
            return len(subset)
    raise AssertionError("no cover")


def _best_pmedian(minutes, fixed, demand, add, penalty, ok=lambda s: True):
    return min(_pmedian_value(minutes, fixed, demand, s, penalty) for s in _subsets(len(minutes), add, ok))


# --- exact and greedy against enumeration ---------------------------------------------------------------------


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), n_fixed=st.integers(0, 2), add=st.integers(1, 4))
def test_maximal_coverage_exact_is_the_enumerated_optimum(seed, n_fixed, add):
    minutes, fixed, demand = _instance(seed, n_fixed=n_fixed)
    best = _best_mclp(minutes, fixed, demand, add)

    exact = maximal_coverage(
        minutes, demand, add=add, threshold_minutes=THRESHOLD_MINUTES, fixed_minutes=fixed, method="exact"
    )
    greedy = maximal_coverage(
        minutes, demand, add=add, threshold_minutes=THRESHOLD_MINUTES, fixed_minutes=fixed, lp_bound=True
    )

    assert exact.status == "optimal" and exact.gap == 0.0
    assert exact.objective == pytest.approx(best)
    assert _mclp_value(minutes, fixed, demand, exact.chosen) == pytest.approx(best)
    assert len(exact.chosen) <= add and len(set(exact.chosen)) == len(exact.chosen)
    # fixed sites always count: the objective is the fixed coverage plus the per-site gains
    assert exact.objective == pytest.approx(_mclp_value(minutes, fixed, demand, ()) + sum(exact.gain))
    assert greedy.objective == pytest.approx(_mclp_value(minutes, fixed, demand, greedy.chosen))
    assert greedy.objective <= best + 1e-6
    assert greedy.bound >= best - 1e-6  # the LP bound (or the guarantee) never undercuts the optimum
    fixed_value = _mclp_value(minutes, fixed, demand, ())
    assert greedy.objective - fixed_value >= GREEDY_GUARANTEE * (best - fixed_value) - 1e-6


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), n_fixed=st.integers(0, 2))
def test_set_cover_exact_is_the_enumerated_optimum(seed, n_fixed):
    minutes, fixed, demand = _instance(seed, n_fixed=n_fixed)
    best = _best_lscp(minutes, fixed)

    exact = set_cover(minutes, demand, threshold_minutes=THRESHOLD_MINUTES, fixed_minutes=fixed, method="exact")
    greedy = set_cover(minutes, demand, threshold_minutes=THRESHOLD_MINUTES, fixed_minutes=fixed, lp_bound=True)

    assert exact.objective == best == len(exact.chosen)
    for result in (exact, greedy):
        target = _covered(minutes, fixed, range(len(minutes)), THRESHOLD_MINUTES)
        assert (_covered(minutes, fixed, result.chosen, THRESHOLD_MINUTES) == target).all()
        assert result.unserved == ()
        assert set(result.unreachable) == set(np.flatnonzero(~target))
    assert greedy.objective >= best and greedy.bound <= best


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), n_fixed=st.integers(0, 2), add=st.integers(1, 3))
def test_p_median_exact_is_the_enumerated_optimum_with_unreachable_pairs(seed, n_fixed, add):
    minutes, fixed, demand = _instance(seed, n_fixed=n_fixed, cutoff_minutes=60.0)
    exact = p_median(minutes, demand, add=add, fixed_minutes=fixed, method="exact")
    greedy = p_median(minutes, demand, add=add, fixed_minutes=fixed, lp_bound=True)
    penalty = exact.unserved_penalty_minutes
    best = _best_pmedian(minutes, fixed, demand, add, penalty)

    assert exact.objective == pytest.approx(best, rel=1e-6)
    assert _pmedian_value(minutes, fixed, demand, exact.chosen, penalty) == pytest.approx(best, rel=1e-6)
    assert greedy.objective == pytest.approx(_pmedian_value(minutes, fixed, demand, greedy.chosen, penalty))
    assert greedy.objective >= best - 1e-6 * best and greedy.bound <= best * (1 + 1e-6)
    nobody = ~np.isfinite(np.vstack([fixed, minutes])).any(axis=0)
    assert set(exact.unreachable) == set(np.flatnonzero(nobody))
    assert penalty > np.nanmax(np.where(np.isfinite(minutes), minutes, np.nan), initial=0.0)


@pytest.mark.parametrize("model", ["mclp", "lscp", "pmedian"])
def test_greedy_gap_to_the_exact_optimum_is_reported(model):
    # the classic trap: C covers four settlements, but A and B together cover all six
    serves = np.array(
        [
            [1, 1, 1, 0, 0, 0],  # A
            [0, 0, 0, 1, 1, 1],  # B
            [1, 1, 0, 1, 1, 0],  # C
        ],
        dtype=bool,
    )
    minutes = np.where(serves, 10.0, 60.0)
    demand = np.ones(6)
    greedy, exact = (_run(model, minutes, demand, method=method) for method in ("greedy", "exact"))
    assert greedy.chosen[0] == 2 and sorted(exact.chosen) == [0, 1]
    reported = with_exact_gap(greedy, exact)
    assert reported.bound_kind == "optimal" and reported.bound == exact.objective
    expected = {"mclp": (6 - 5) / 6, "lscp": (3 - 2) / 2, "pmedian": (110 - 60) / 60}[model]
    assert reported.gap == pytest.approx(expected)
    with pytest.raises(SitingError):
        with_exact_gap(greedy, greedy)


def _run(model, minutes, demand, **options):
    if model == "mclp":
        return maximal_coverage(minutes, demand, add=2, threshold_minutes=THRESHOLD_MINUTES, **options)
    if model == "lscp":
        return set_cover(minutes, demand, threshold_minutes=THRESHOLD_MINUTES, **options)
    return p_median(minutes, demand, add=2, swap=False, **options)


# --- districts ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["greedy", "exact"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_required_district_gets_a_service(method, seed):
    minutes, fixed, demand = _instance(seed, n_fixed=1)
    district_of_site = np.array([0, 0, 1, 1, 2, 2, 3, 3])
    district_of_fixed = np.array([4])
    required = {1, 3, 4, 9}  # 4 holds the existing site; 9 has no candidate
    ok = _district_ok(district_of_site, district_of_fixed, required)
    options = dict(
        fixed_minutes=fixed,
        method=method,
        district_of_site=district_of_site,
        district_of_fixed=district_of_fixed,
        require_districts=required,
    )

    results = [
        maximal_coverage(minutes, demand, add=3, threshold_minutes=THRESHOLD_MINUTES, **options),
        set_cover(minutes, demand, threshold_minutes=THRESHOLD_MINUTES, **options),
        p_median(minutes, demand, add=3, **options),
    ]
    for result in results:
        assert {1, 3} <= {int(district_of_site[j]) for j in result.chosen}
        assert result.districts_without_candidates == (9,)
    if method == "exact":
        penalty = results[2].unserved_penalty_minutes
        assert results[0].objective == pytest.approx(_best_mclp(minutes, fixed, demand, 3, ok))
        assert results[1].objective == _best_lscp(minutes, fixed, ok)
        assert results[2].objective == pytest.approx(_best_pmedian(minutes, fixed, demand, 3, penalty, ok))


def test_more_required_districts_than_sites_to_add_is_an_error():
    minutes, _, demand = _instance(0)
    with pytest.raises(SitingError, match="required districts") as error:
        maximal_coverage(
            minutes,
            demand,
            add=1,
            threshold_minutes=THRESHOLD_MINUTES,
            district_of_site=np.arange(8) % 4,
            require_districts={0, 1},
        )
    assert isinstance(error.value, QorgauError) and isinstance(error.value, ValueError)


def test_a_district_constraint_needs_the_district_of_every_site():
    minutes, fixed, demand = _instance(0, n_fixed=1)
    with pytest.raises(SitingError, match="district_of_fixed"):
        set_cover(
            minutes,
            demand,
            threshold_minutes=THRESHOLD_MINUTES,
            fixed_minutes=fixed,
            district_of_site=np.zeros(8, int),
            require_districts={0},
        )


# --- fixed sites, edge cases -------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["greedy", "exact"])
def test_fixed_sites_are_never_moved_and_always_count(method):
    minutes, _, demand = _instance(5)
    best_single = max(range(8), key=lambda j: _mclp_value(minutes, np.empty((0, 14)), demand, (j,)))
    fixed = minutes[[best_single]]  # the best candidate already exists
    result = maximal_coverage(
        minutes, demand, add=2, threshold_minutes=THRESHOLD_MINUTES, fixed_minutes=fixed, method=method
    )
    assert best_single not in result.chosen  # a copy of an existing site adds nothing
    assert result.objective == pytest.approx(_mclp_value(minutes, fixed, demand, result.chosen))
    assert result.objective >= _mclp_value(minutes, fixed, demand, ())
    median = p_median(minutes, demand, add=2, fixed_minutes=fixed, method=method)
    assert best_single not in median.chosen or np.isfinite(minutes[best_single]).sum() == 0


def test_unreachable_settlements_are_listed_not_a_failure():
    minutes, fixed, demand = _instance(7, n_fixed=1)
    minutes[:, 3] = np.inf
    fixed[:, 3] = np.inf
    minutes[:, 5] = 200.0  # reachable, but never within the threshold
    fixed[:, 5] = np.inf
    for method in ("greedy", "exact"):
        cover = set_cover(minutes, demand, threshold_minutes=THRESHOLD_MINUTES, fixed_minutes=fixed, method=method)
        assert {3, 5} <= set(cover.unreachable)
        median = p_median(minutes, demand, add=2, fixed_minutes=fixed, method=method)
        assert 3 in median.unreachable and 5 not in median.unreachable


def test_p_median_counts_a_settlement_only_unchosen_sites_reach_as_unserved():
    minutes = np.array([[5.0, np.inf, np.inf], [np.inf, np.inf, 5.0]], dtype=np.float32)
    demand = np.array([100.0, 7.0, 1.0])
    for method in ("greedy", "exact"):
        result = p_median(minutes, demand, add=1, method=method, unserved_minutes=100.0)
        assert result.chosen == (0,) and result.unreachable == (1,) and result.unserved == (2,)
        assert result.objective == pytest.approx(100 * 5 + 1 * 100.0)
        assert result.gain == (pytest.approx(100 * 95.0),) and result.gain_settlements == (1,)


@pytest.mark.parametrize("method", ["greedy", "exact"])
def test_more_sites_to_add_than_candidates(method):
    minutes, fixed, demand = _instance(11, n_candidates=3, n_fixed=1)
    result = maximal_coverage(
        minutes, demand, add=10, threshold_minutes=THRESHOLD_MINUTES, fixed_minutes=fixed, method=method
    )
    assert len(result.chosen) <= 3
    assert result.objective == pytest.approx(_mclp_value(minutes, fixed, demand, range(3)))
    assert result.gap == 0.0
    median = p_median(minutes, demand, add=10, fixed_minutes=fixed, method=method)
    assert median.objective == pytest.approx(
        _pmedian_value(minutes, fixed, demand, range(3), median.unserved_penalty_minutes)
    )


@pytest.mark.parametrize("method", ["greedy", "exact"])
def test_nothing_to_add_when_all_demand_is_already_covered(method):
    minutes, _, demand = _instance(3)
    fixed = np.zeros((1, 14), dtype=np.float32)  # an existing site next to every settlement
    mclp = maximal_coverage(
        minutes, demand, add=3, threshold_minutes=THRESHOLD_MINUTES, fixed_minutes=fixed, method=method
    )
    lscp = set_cover(minutes, demand, threshold_minutes=THRESHOLD_MINUTES, fixed_minutes=fixed, method=method)
    median = p_median(minutes, demand, add=3, fixed_minutes=fixed, method=method)
    assert mclp.chosen == lscp.chosen == median.chosen == ()
    assert mclp.objective == demand.sum() and lscp.objective == 0 and median.objective == 0
    assert mclp.unserved == lscp.unserved == ()


def test_gains_explain_each_pick_in_order():
    minutes = np.array(
        [
            [10.0, 10.0, 99.0, 99.0],
            [99.0, 10.0, 10.0, 99.0],
            [99.0, 99.0, 99.0, 10.0],
        ]
    )
    demand = np.array([100.0, 50.0, 80.0, 5.0])
    for method in ("greedy", "exact"):
        result = maximal_coverage(minutes, demand, add=3, threshold_minutes=30.0, method=method)
        assert result.chosen == (0, 1, 2)
        assert result.gain == (150.0, 80.0, 5.0) and result.gain_settlements == (2, 1, 1)
        assert result.objective == 235.0 and result.unserved == ()


def test_inputs_are_not_mutated_and_bad_inputs_are_explained():
    minutes, fixed, demand = _instance(4, n_fixed=1)
    copies = minutes.copy(), fixed.copy(), demand.copy()
    p_median(minutes, demand, add=2, fixed_minutes=fixed, method="exact")
    maximal_coverage(minutes, demand, add=2, threshold_minutes=THRESHOLD_MINUTES, fixed_minutes=fixed)
    assert all(np.array_equal(a, b) for a, b in zip((minutes, fixed, demand), copies))

    broken = minutes.copy()
    broken[0, 0] = np.nan
    with pytest.raises(SitingError, match="NaN"):
        set_cover(broken, threshold_minutes=THRESHOLD_MINUTES)
    with pytest.raises(SitingError, match="one column per settlement"):
        set_cover(minutes, threshold_minutes=THRESHOLD_MINUTES, fixed_minutes=fixed[:, :5])
    with pytest.raises(SitingError, match="`demand`"):
        maximal_coverage(minutes, demand[:3], add=1, threshold_minutes=THRESHOLD_MINUTES)
    with pytest.raises(SitingError, match="`method`"):
        p_median(minutes, demand, add=1, method="fast")
    with pytest.raises(SitingError, match="`add`"):
        p_median(minutes, demand, add=-1)


def test_each_model_takes_the_shared_options_and_only_p_median_takes_its_own():
    minutes, fixed, demand = _instance(3, n_fixed=2)
    shared = dict(fixed_minutes=fixed, method="exact", lp_bound=False, time_limit_s=30.0)
    assert maximal_coverage(minutes, demand, add=2, threshold_minutes=THRESHOLD_MINUTES, **shared).solver == "cbc"
    assert set_cover(minutes, demand, threshold_minutes=THRESHOLD_MINUTES, **shared).solver == "cbc"
    assert p_median(minutes, demand, add=2, swap=False, unserved_minutes=500.0, **shared).solver == "cbc"
    for p_median_only in ({"swap": True}, {"unserved_minutes": 500.0}):
        with pytest.raises(TypeError, match="p_median"):
            maximal_coverage(minutes, demand, add=2, threshold_minutes=THRESHOLD_MINUTES, **p_median_only)
        with pytest.raises(TypeError, match="p_median"):
            set_cover(minutes, demand, threshold_minutes=THRESHOLD_MINUTES, **p_median_only)
    with pytest.raises(TypeError, match="time_limit"):
        set_cover(minutes, demand, threshold_minutes=THRESHOLD_MINUTES, time_limit=5)


def test_result_is_a_frozen_record():
    minutes, _, demand = _instance(0)
    result = maximal_coverage(minutes, demand, add=1, threshold_minutes=THRESHOLD_MINUTES)
    assert isinstance(result, SitingResult)
    with pytest.raises(AttributeError):
        result.objective = 0.0


# --- demand ------------------------------------------------------------------------------------------------------


def test_demand_population_counts_unknown_as_zero_and_says_how_many():
    demand = demand_weights(np.array([100.0, np.nan, 50.0, np.nan]))
    assert demand.weights.tolist() == [100.0, 0.0, 50.0, 0.0]
    assert demand.unknown_population == 2 and demand.mode == "population"
    assert demand.explanation == DEMAND_MODES["population"]


def test_demand_incidents_are_scaled_by_the_underreporting_factor():
    demand = demand_weights([100.0, 10.0, np.nan], [2, 0, np.nan], mode="incidents", underreporting_factor=3.0)
    assert demand.weights.tolist() == [6.0, 0.0, 0.0]
    assert demand.unknown_incidents == 1 and demand.unknown_population == 1


def test_demand_blend_mixes_shares():
    population = np.array([300.0, 100.0, 0.0])
    incidents = np.array([0.0, 1.0, 3.0])
    demand = demand_weights(population, incidents, mode="blend", incident_weight=0.25, underreporting_factor=2.0)
    assert demand.weights == pytest.approx([0.75 * 0.75, 0.75 * 0.25 + 0.25 * 0.25, 0.25 * 0.75])
    assert demand.weights.sum() == pytest.approx(1.0)
    only_population = demand_weights(population, incidents, mode="blend", incident_weight=0.0)
    assert only_population.weights == pytest.approx(population / population.sum())


@pytest.mark.parametrize(
    "options",
    [
        dict(mode="incidents"),
        dict(mode="crowd"),
        dict(mode="blend", incident_weight=1.5),
        dict(mode="blend", underreporting_factor=0.5),
    ],
)
def test_demand_rejects_what_it_cannot_use(options):
    with pytest.raises(SitingError):
        demand_weights([1.0, 2.0], None if options.get("mode") == "incidents" else [0, 1], **options)


def test_every_demand_mode_is_explained():
    assert set(DEMAND_MODES) == {"population", "need", "incidents", "blend"}
    assert all(len(text) > 80 for text in DEMAND_MODES.values())


# --- cross-check with spopt --------------------------------------------------------------------------------------


def _spopt_instance():
    minutes, fixed, demand = _instance(2024, n_candidates=30, n_settlements=80, n_fixed=3, cutoff_minutes=120.0)
    return minutes, fixed, demand


def _spopt_inputs(minutes, fixed):
    """spopt wants (clients, facilities) and a 0/1 marker of the predefined facilities."""
    cost = np.vstack([minutes, fixed]).T.astype(np.float64)
    predefined = np.r_[np.zeros(len(minutes), int), np.ones(len(fixed), int)]
    return cost, predefined


def test_exact_maximal_coverage_equals_spopt():
    import pulp
    from spopt.locate import MCLP

    minutes, fixed, demand = _spopt_instance()
    ours = maximal_coverage(
        minutes, demand, add=4, threshold_minutes=THRESHOLD_MINUTES, fixed_minutes=fixed, method="exact"
    )
    cost, predefined = _spopt_inputs(minutes, fixed)
    theirs = MCLP.from_cost_matrix(
        cost, demand, THRESHOLD_MINUTES, p_facilities=4 + len(fixed), predefined_facilities_arr=predefined
    )
    theirs.solve(pulp.PULP_CBC_CMD(msg=False))
    assert ours.objective == pytest.approx(pulp.value(theirs.problem.objective))


def test_exact_set_cover_equals_spopt():
    import pulp
    from spopt.locate import LSCP

    minutes, fixed, demand = _spopt_instance()
    ours = set_cover(minutes, demand, threshold_minutes=THRESHOLD_MINUTES, fixed_minutes=fixed, method="exact")
    coverable = np.setdiff1d(np.arange(minutes.shape[1]), ours.unreachable)  # spopt needs every client coverable
    cost, predefined = _spopt_inputs(minutes[:, coverable], fixed[:, coverable])
    theirs = LSCP.from_cost_matrix(cost, THRESHOLD_MINUTES, predefined_facilities_arr=predefined)
    theirs.solve(pulp.PULP_CBC_CMD(msg=False))
    assert len(ours.unreachable) > 0
    assert ours.objective + len(fixed) == pytest.approx(pulp.value(theirs.problem.objective))


def test_exact_p_median_equals_spopt():
    import pulp
    from spopt.locate import PMedian

    minutes, fixed, demand = _instance(2024, n_candidates=30, n_settlements=80, n_fixed=3, cutoff_minutes=math.inf)
    ours = p_median(minutes, demand, add=4, fixed_minutes=fixed, method="exact")
    cost, predefined = _spopt_inputs(minutes, fixed)  # spopt multiplies every pair: it needs finite minutes
    theirs = PMedian.from_cost_matrix(cost, demand, p_facilities=4 + len(fixed), predefined_facilities_arr=predefined)
    theirs.solve(pulp.PULP_CBC_CMD(msg=False))
    assert ours.objective == pytest.approx(pulp.value(theirs.problem.objective), rel=1e-6)
