"""planning.robust: counts of draws per site and the choice best across the draws, on a hand-worked case."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import TINY

from planning.cli import main
from planning.ranges import Draws
from planning.robust import covered_demand, robust_maximal_coverage

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
