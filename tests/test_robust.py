"""planning.robust: counts of draws per site and the choice best across the draws, on a hand-worked case."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import TINY

from planning.cli import main
from planning.ranges import Draws
from planning.robust import covered_demand, robust_maximal_coverage
from planning.siting import maximal_coverage

# Two candidates, K = 1, T = 30 min. A reaches village 0 (100 people) in 28 min, B village 1 (90 people) in 10 min;
# an existing site serves village 2 (10 people) in 5 min; village 3 (7 people) is out of reach.
CANDIDATES = np.array([[28.0, np.inf, np.inf, np.inf], [np.inf, 10.0, np.inf, np.inf]])
FIXED = np.array([[np.inf, np.inf, 5.0, np.inf]])
DEMAND = np.array([100.0, 90.0, 10.0, 7.0])
# four draws of the road speeds: 20 % and 10 % slower, as profiled, 10 % faster (demand as known)
FACTORS = np.array([0.8, 0.9, 1.0, 1.1])
DRAWS = Draws(FACTORS, np.tile(DEMAND, (4, 1)), DEMAND, "people")


def test_the_robust_choice_on_a_hand_worked_case():
    choice = robust_maximal_coverage(CANDIDATES, DEMAND, DRAWS, add=1, threshold_minutes=30.0, fixed_minutes=FIXED)
    # central values: A covers 100 people, B 90: A
    assert choice.central == (0,)
    # slower by 20 % or 10 %, A's 28 min become 35 and 31.1 min: beyond 30, so B; as profiled or faster, A
    assert choice.counts.tolist() == [2, 2]
    # expected covered demand over the four draws: A (10 + 10 + 110 + 110) / 4 = 60, B 100 every time: B
    assert choice.central_covered.tolist() == [10.0, 10.0, 110.0, 110.0]
    assert choice.best == (1,) and choice.best_covered.tolist() == [100.0] * 4
    assert choice.n_draws == 4


def test_the_central_choice_stays_when_nothing_beats_it():
    calm = Draws(np.array([1.0, 1.1]), np.tile(DEMAND, (2, 1)), DEMAND, "people")
    choice = robust_maximal_coverage(CANDIDATES, DEMAND, calm, add=1, threshold_minutes=30.0, fixed_minutes=FIXED)
    assert choice.central == choice.best == (0,) and choice.counts.tolist() == [2, 0]
    assert covered_demand(CANDIDATES, FIXED, (), calm, threshold_minutes=30.0).tolist() == [10.0, 10.0]


def test_cli_suggest_robust_reports_each_sites_count_of_draws(capsys):
    args = ["suggest", "--region", str(TINY), "--model", "mclp", "--add", "1", "--minutes", "45"]
    args += ["--candidates", "district_centres"]  # Alpha (the fixed site) and Gamma
    assert main([*args, "--robust", "--draws", "20", "--seed", "5", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["draws"] == 20 and report["demand_basis"] == "people"
    assert sum(site["robust"] for site in report["sites"]) == 1
    assert sum(site["central"] for site in report["sites"]) == 1
    assert all(0 <= site["draws_chosen"] <= 20 for site in report["sites"])
    assert sum(site["draws_chosen"] for site in report["sites"]) == 20  # K = 1: one site per draw
    assert report["robust_expected_covered"] >= report["central_expected_covered"]
    assert main([*args, "--robust", "--draws", "20", "--seed", "5", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == report  # seeded: reproduced
    pmedian = ["suggest", "--region", str(TINY), "--model", "pmedian", "--add", "1", "--minutes", "45", "--robust"]
    assert main(pmedian) == 2


@pytest.mark.parametrize("demand", ["people", "need"])
def test_cli_suggest_takes_the_demand_basis(capsys, demand):
    args = ["suggest", "--region", str(TINY), "--model", "mclp", "--add", "1", "--minutes", "45", "--json"]
    assert main([*args, "--demand", demand, "--rate", "10", "--rate-source", "test"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["demand_basis"] == demand and report["rate"]["source"] == "test"
    assert report["objective"] > 0


# Robust choice that no single draw makes (the pooled greedy): K = 1, T = 30, two draws at the profile's speeds.
# A covers villages 0 and 2, B villages 1 and 3, C villages 0 and 1 (all within 20 min). Draw 1: 10, 0, 1, 0 people;
# draw 2: 0, 10, 0, 1. Draw 1 picks A (11 > C's 10), draw 2 picks B (11 > 10); the central values are draw 1's, so
# the central choice is A. Expected covered people over the two draws: A (11 + 0) / 2 = 5.5, B 5.5, C (10 + 10) / 2
# = 10: the robust choice is C, chosen in neither draw.
POOLED_MINUTES = np.array([[20.0, np.inf, 20.0, np.inf], [np.inf, 20.0, np.inf, 20.0], [20.0, 20.0, np.inf, np.inf]])
POOLED_DEMAND = np.array([[10.0, 0.0, 1.0, 0.0], [0.0, 10.0, 0.0, 1.0]])


def test_the_robust_choice_may_be_one_no_single_draw_makes():
    draws = Draws(np.array([1.0, 1.0]), POOLED_DEMAND, POOLED_DEMAND[0], "people")
    choice = robust_maximal_coverage(POOLED_MINUTES, POOLED_DEMAND[0], draws, add=1, threshold_minutes=30.0)
    assert choice.central == (0,) and choice.counts.tolist() == [1, 1, 0]
    assert choice.pooled == (2,) and choice.best == (2,) and choice.n_compared == 3
    assert choice.central_covered.tolist() == [11.0, 0.0] and choice.best_covered.tolist() == [10.0, 10.0]


def _random_instance(seed: int, *, n_candidates: int = 30, n_settlements: int = 90, n_draws: int = 25):
    rng = np.random.default_rng(seed)
    minutes = np.where(
        rng.random((n_candidates, n_settlements)) < 0.5, rng.uniform(0, 60, (n_candidates, n_settlements)), np.inf
    )
    fixed = np.where(rng.random((3, n_settlements)) < 0.3, rng.uniform(0, 60, (3, n_settlements)), np.inf)
    demand = rng.uniform(1, 1000, (n_draws, n_settlements))  # distinct gains: no ties to break
    factors = rng.uniform(0.8, 1.1, n_draws)
    return minutes, fixed, Draws(factors, demand, demand.mean(axis=0), "people")


@pytest.mark.parametrize("districts", [False, True])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_draws_choice_is_the_greedy_of_maximal_coverage_at_t_times_f(seed, districts):
    """The vectorised greedy on the pairs gives, in every draw, what planning.siting's greedy gives with the threshold
    T × f (the rule of the ranges): the bound that drops pairs and the blocks change nothing."""
    minutes, fixed, draws = _random_instance(seed)
    options = {"fixed_minutes": fixed}
    if districts:
        rng = np.random.default_rng(seed + 100)
        options |= {
            "district_of_site": rng.integers(0, 5, len(minutes)),
            "district_of_fixed": np.array([0, 0, 1]),
            "require_districts": range(5),
        }
    choice = robust_maximal_coverage(minutes, draws.central, draws, add=6, threshold_minutes=30.0, **options)
    for number, (factor, demand) in enumerate(zip(draws.speed_factor, draws.demand)):
        expected = maximal_coverage(minutes, demand, add=6, threshold_minutes=30.0 * factor, **options).chosen
        assert tuple(j for j in choice.draw_choices[number] if j >= 0) == expected
    assert choice.counts.sum() == (choice.draw_choices >= 0).sum()
    # the pooled greedy is the greedy of the mean over the draws when the speeds do not vary
    same_speed = Draws(np.ones(len(draws.demand)), draws.demand, draws.central, "people")
    pooled = robust_maximal_coverage(minutes, draws.central, same_speed, add=6, threshold_minutes=30.0, **options)
    assert (
        pooled.pooled
        == maximal_coverage(minutes, draws.demand.mean(axis=0), add=6, threshold_minutes=30.0, **options).chosen
    )


def test_small_blocks_and_no_kept_blocks_give_the_same_answer(monkeypatch):
    import planning.robust as robust

    minutes, fixed, draws = _random_instance(7)
    whole = robust_maximal_coverage(minutes, draws.central, draws, add=4, threshold_minutes=30.0, fixed_minutes=fixed)
    monkeypatch.setattr(robust, "BLOCK_CELLS", 200)  # a few draws a block
    monkeypatch.setattr(robust, "KEEP_CELLS", 0)  # the pooled greedy computes the blocks again at every step
    shares = []
    split = robust_maximal_coverage(
        minutes, draws.central, draws, add=4, threshold_minutes=30.0, fixed_minutes=fixed, progress=shares.append
    )
    assert (
        (split.draw_choices == whole.draw_choices).all() and split.pooled == whole.pooled and split.best == whole.best
    )
    assert shares == sorted(shares) and shares[-1] == 1.0 and len(shares) > 3


def test_robust_suggest_is_reproduced_by_its_seed():
    from geo.region import load_region
    from planning.analysis import site_minutes_for
    from planning.baseline import current_services
    from planning.ranges import Assumptions
    from planning.robust import robust_suggest
    from planning.suggest import candidate_sites

    region = load_region(TINY)
    services = current_services(region)
    minutes = site_minutes_for(region)
    candidates = candidate_sites(region, min_population=0)

    def run(seed):
        return robust_suggest(
            region,
            services,
            minutes,
            candidates,
            add=1,
            threshold_minutes=60.0,
            assumptions=Assumptions(draws=200, seed=seed),
        )

    first, again, other = run(5), run(5), run(6)
    assert first.table.equals(again.table) and first.robust_mean == again.robust_mean
    assert (first.choice.draw_choices == again.choice.draw_choices).all()
    assert not (first.choice.draw_choices == other.choice.draw_choices).all()  # another seed, other draws
    # Beta is chosen in most draws, Gamma (unknown population, estimated with a range) is best on average
    central = first.table.loc[first.table["central"], "name"].tolist()
    robust = first.table.loc[first.table["robust"], "name"].tolist()
    assert central == ["Бета"] and robust == ["Гамма"]
    assert first.robust_mean > first.central_mean
    assert [p.name for p in first.picks] == ["Гамма"] and first.picks[0].gain_people > 0
