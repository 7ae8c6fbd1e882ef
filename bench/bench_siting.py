"""Benchmark of the siting models: greedy, exact (CBC) and spopt on one synthetic instance.

Run from the project folder::

    .venv/bin/python bench/bench_siting.py                 # 1,000 candidates x 1,000 settlements, K = 10, T = 30
    .venv/bin/python bench/bench_siting.py --candidates 30 --settlements 40 --pmedian-size 20   # a quick check

The instance looks like travel times: points in a 300 km x 200 km box, minutes = km x 1.3 / 50 km/h with noise,
``np.inf`` beyond 120 minutes. Targets (issue 5): greedy under 1 s, exact under 30 s for maximal coverage.
Exits with status 1 when an exact objective differs from spopt's.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pulp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from planning.siting import maximal_coverage, p_median, set_cover  # noqa: E402

BOX_KM = (300.0, 200.0)
DETOUR_FACTOR = 1.3
SPEED_KM_H = 50.0
CUTOFF_MINUTES = 120.0
GREEDY_TARGET_S = 1.0
EXACT_TARGET_S = 30.0


def synthetic_instance(n_candidates: int, n_settlements: int, *, seed: int = 0):
    """(minutes float32 (candidates x settlements), population float64) for a random region."""
    rng = np.random.default_rng(seed)
    settlements = rng.uniform((0, 0), BOX_KM, (n_settlements, 2))
    sites = rng.uniform((0, 0), BOX_KM, (n_candidates, 2))
    km = np.linalg.norm(sites[:, None] - settlements[None], axis=2)
    minutes = km * DETOUR_FACTOR / SPEED_KM_H * 60.0 * rng.uniform(0.9, 1.25, km.shape)
    minutes[minutes > CUTOFF_MINUTES] = np.inf
    population = np.round(rng.lognormal(6.5, 1.2, n_settlements))
    return minutes.astype(np.float32), population


def _timed(function, *args, **kwargs):
    start = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - start


def _spopt(model_class, cost, *args, time_limit_s, **kwargs):
    """Build and solve an spopt model; returns (objective, seconds)."""
    start = time.perf_counter()
    model = model_class.from_cost_matrix(cost, *args, **kwargs)
    model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s))
    return float(pulp.value(model.problem.objective)), time.perf_counter() - start


def _line(label, seconds, objective, extra=""):
    print(f"  {label:<28} {seconds:8.3f} s   objective {objective:,.1f}{extra}")


def _compare(label, ours, ours_s, theirs, theirs_s) -> bool:
    equal = bool(np.isclose(ours, theirs, rtol=1e-6))
    print(
        f"  {label:<28} {theirs_s:8.3f} s   objective {theirs:,.1f}   "
        f"spopt/exact time ratio {theirs_s / ours_s:.1f}x   objective equal: {equal}"
    )
    return equal


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=1000)
    parser.add_argument("--settlements", type=int, default=1000)
    parser.add_argument("--add", type=int, default=10, help="sites to add (K)")
    parser.add_argument("--minutes", type=float, default=30.0, help="coverage threshold T in minutes")
    parser.add_argument(
        "--pmedian-size",
        type=int,
        default=200,
        help="candidates = settlements for the exact p-median and spopt (its model is dense)",
    )
    parser.add_argument("--time-limit-s", type=float, default=EXACT_TARGET_S, help="CBC limit per exact model")
    parser.add_argument("--seed", type=int, default=0)
    options = parser.parse_args(argv)
    from spopt.locate import LSCP, MCLP, PMedian

    minutes, population = synthetic_instance(options.candidates, options.settlements, seed=options.seed)
    cost = minutes.T.astype(np.float64)  # spopt: (clients, facilities)
    limit = options.time_limit_s
    ok = True
    print(
        f"instance: {options.candidates} candidates x {options.settlements} settlements, K = {options.add}, "
        f"T = {options.minutes:g} min, {np.isfinite(minutes).mean():.0%} of pairs within {CUTOFF_MINUTES:g} min"
    )

    print("maximal coverage (MCLP)")
    coverage = dict(add=options.add, threshold_minutes=options.minutes)
    greedy, greedy_s = _timed(maximal_coverage, minutes, population, **coverage)
    _line(
        "greedy",
        greedy_s,
        greedy.objective,
        f"   guarantee gap <= {greedy.gap:.2%}   under {GREEDY_TARGET_S:g} s: {greedy_s < GREEDY_TARGET_S}",
    )
    bounded, bounded_s = _timed(maximal_coverage, minutes, population, lp_bound=True, **coverage)
    _line("greedy + LP bound", bounded_s, bounded.objective, f"   gap <= {bounded.gap:.2%}")
    exact, exact_s = _timed(maximal_coverage, minutes, population, method="exact", time_limit_s=limit, **coverage)
    _line(
        "exact (CBC)",
        exact_s,
        exact.objective,
        f"   {exact.status}   greedy gap {abs(exact.objective - greedy.objective) / exact.objective:.2%}"
        f"   under {EXACT_TARGET_S:g} s: {exact_s < EXACT_TARGET_S}",
    )
    theirs, theirs_s = _spopt(MCLP, cost, population, options.minutes, p_facilities=options.add, time_limit_s=limit)
    ok &= _compare("spopt MCLP", exact.objective, exact_s, theirs, theirs_s)

    print("set cover (LSCP)")
    greedy, greedy_s = _timed(set_cover, minutes, population, threshold_minutes=options.minutes, lp_bound=True)
    _line("greedy + LP bound", greedy_s, greedy.objective, f"   gap <= {greedy.gap:.2%}")
    exact, exact_s = _timed(
        set_cover, minutes, population, threshold_minutes=options.minutes, method="exact", time_limit_s=limit
    )
    _line(
        "exact (CBC)", exact_s, exact.objective, f"   {exact.status}   {len(exact.unreachable)} settlements unreachable"
    )
    coverable = np.setdiff1d(np.arange(options.settlements), exact.unreachable)
    theirs, theirs_s = _spopt(LSCP, cost[coverable], options.minutes, time_limit_s=limit)
    if exact.status == "optimal":
        ok &= _compare("spopt LSCP", exact.objective, exact_s, theirs, theirs_s)
    else:
        _compare("spopt LSCP (both time-limited)", exact.objective, exact_s, theirs, theirs_s)

    print(f"p-median at {options.pmedian_size} x {options.pmedian_size} for exact and spopt")
    greedy, greedy_s = _timed(p_median, minutes, population, add=options.add)
    _line(f"greedy+swap ({options.candidates} x {options.settlements})", greedy_s, greedy.objective)
    small = synthetic_instance(options.pmedian_size, options.pmedian_size, seed=options.seed)
    greedy, greedy_s = _timed(p_median, *small, add=options.add)
    _line("greedy+swap", greedy_s, greedy.objective)
    exact, exact_s = _timed(p_median, *small, add=options.add, method="exact", time_limit_s=limit)
    _line(
        "exact (CBC)",
        exact_s,
        exact.objective,
        f"   {exact.status}   greedy gap {abs(greedy.objective - exact.objective) / exact.objective:.2%}",
    )
    reachable = np.setdiff1d(np.arange(options.pmedian_size), exact.unreachable)
    small_cost = np.where(np.isfinite(small[0]), small[0], exact.unserved_penalty_minutes).T[reachable]
    theirs, theirs_s = _spopt(
        PMedian, small_cost.astype(np.float64), small[1][reachable], p_facilities=options.add, time_limit_s=limit
    )
    ok &= _compare("spopt PMedian", exact.objective, exact_s, theirs, theirs_s)
    print("all exact objectives equal spopt's" if ok else "MISMATCH between exact and spopt")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
