"""Benchmark of the mobile-team circuit engines (issue 20) on the bundled region: OR-Tools vs VROOM.

Run from the project folder::

    .venv/bin/python bench/bench_circuits.py                          # Suzak + Otrar, villages beyond 60 min
    .venv/bin/python bench/bench_circuits.py --districts all          # the whole region, one team per district
    .venv/bin/python bench/bench_circuits.py --region tests/data/tiny_region --districts all --time-limit-s 2

Teams: one per district chosen, based at that district's fixed service (the baseline's district centre), working
``--day-hours`` a day, ``--visit-minutes`` per village, ``--days`` days a cycle. For each engine and the
nearest-neighbour baseline it prints the team-days, villages visited and left out, minutes driven and seconds,
beside the lower bound (total visit time plus, for each village, the shortest drive into it from any village or
base, over the day budget). Exits with status 1 when a plan breaks a rule (:func:`planning.circuits.check_plan`).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo.region import load_region  # noqa: E402
from planning.analysis import site_minutes_for  # noqa: E402
from planning.baseline import current_services  # noqa: E402
from planning.circuit_data import build_input, fixed_minutes, required_villages, resolve_base  # noqa: E402
from planning.circuits import (  # noqa: E402
    ENGINE_NEAREST,
    ENGINES,
    REASON_NO_TIME,
    Team,
    check_plan,
    lower_bound_days,
    screen,
    solve,
)

DEFAULT_REGION = Path(__file__).resolve().parent.parent / "data" / "default"
DEFAULT_DISTRICTS = "KZ615600,KZ614800"
"""Suzak and Otrar: the two districts of issue 20's example."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", type=Path, default=DEFAULT_REGION)
    parser.add_argument("--districts", default=DEFAULT_DISTRICTS, help="ids, comma-separated, or 'all'")
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--day-hours", type=float, default=8.0)
    parser.add_argument("--visit-minutes", type=float, default=60.0)
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--time-limit-s", type=float, default=None, help="OR-Tools search seconds (default: by size)")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    region = load_region(args.region)
    services = current_services(region)
    site_minutes = site_minutes_for(region)
    wanted = None if args.districts == "all" else args.districts.split(",")
    villages = required_villages(
        region, fixed_minutes(region, services, site_minutes), threshold_minutes=args.minutes, districts=wanted
    )
    bases_at = services[services["district_id"].isin(wanted)] if wanted else services
    bases_at = bases_at.drop_duplicates("district_id")
    teams = [
        Team(str(s.name), str(s.service_id), args.day_hours * 60.0, args.visit_minutes, args.days)
        for s in bases_at.itertuples()
    ]
    bases = [resolve_base(region, services, team.base) for team in teams]
    data = build_input(region, site_minutes.network, teams, bases, villages, constants=site_minutes.constants)
    prepared = time.perf_counter() - t0
    instance = data.instance
    fits, left = screen(instance)
    bound = lower_bound_days(instance)
    from planning.circuit_data import time_budget

    limit = args.time_limit_s if args.time_limit_s is not None else time_budget(len(villages))
    print(
        f"region {region.region_id}, districts {args.districts}: {len(villages)} villages beyond {args.minutes:g} min "
        f"of every fixed service, {len(teams)} teams x {args.days} days of {args.day_hours:g} h, visits of "
        f"{args.visit_minutes:g} min; method {site_minutes.method}; prepared in {prepared:.1f} s"
    )
    print(f"reachable within a day: {len(fits)}; too far or unreachable: {len(left)}; lower bound {bound} team-days")
    print(
        f"{'engine':10} {'team-days':>9} {'visited':>8} {'no time':>8} {'driven h':>9} {'seconds':>8} {'vs bound':>9}"
    )
    failed = False
    results = {}
    for engine in (*ENGINES, ENGINE_NEAREST):
        plan = solve(instance, engine=engine, time_limit_s=limit)
        problems = check_plan(instance, plan)
        failed |= bool(problems)
        no_time = sum(1 for r in plan.left_out.values() if r == REASON_NO_TIME)
        results[engine] = plan
        ratio = plan.team_days / bound if bound else float("nan")
        print(
            f"{engine:10} {plan.team_days:9d} {len(plan.visited):8d} {no_time:8d} {plan.drive_minutes() / 60:9.1f} "
            f"{plan.seconds:8.1f} {ratio:9.2f}" + (f"  PROBLEMS: {problems[:3]}" if problems else "")
        )
    best = min(ENGINES, key=lambda e: (len(results[e].left_out), results[e].team_days, results[e].drive_minutes()))
    print(f"better engine: {best}")
    print(f"total wall time {time.perf_counter() - t0:.1f} s; filled populations {int(np.sum(data.population_filled))}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
