"""``python -m planning suggest``: where the next services should go, as the suggest page computes it.

Prints the chosen sites (settlement_id, name, lat, lon, marginal gain) and the objective. Every incident figure (the
incident gains, and the objective and gains when demand = incidents) comes from the protected release, as on the
page: released cells such as "<5", never raw counts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geo.region import load_region, read_services, region_outline
from planning.analysis import incident_release, site_minutes_for, speed_profile_of
from planning.baseline import current_services
from planning.cli import print_json, region_argument, speeds_argument
from planning.siting import DEMAND_MODES, MODELS
from planning.suggest import CANDIDATE_SOURCES, DEFAULT_MIN_POPULATION, candidate_sites, pick_table, suggest


def register(subparsers) -> None:
    parser = subparsers.add_parser("suggest", help="suggest sites for new services (MCLP, LSCP or p-median), "
                                   "keeping the scenario's sites fixed")
    region_argument(parser)
    parser.add_argument("--model", required=True, choices=MODELS,
                        help="mclp: cover most demand with K more sites; lscp: fewest sites covering every "
                             "reachable settlement; pmedian: least demand-weighted minutes with K more sites")
    parser.add_argument("--add", type=int, help="K, sites to add (required for mclp and pmedian)")
    parser.add_argument("--minutes", type=float, required=True, help="T, the coverage threshold in minutes")
    parser.add_argument("--scenario", type=Path, help="fixed sites, a CSV with the columns of services.csv "
                        "(default: the region's services, or the baseline of district centres)")
    parser.add_argument("--demand", choices=sorted(DEMAND_MODES), default="population",
                        help="population, incidents (reported x --underreporting) or blend (see the page)")
    parser.add_argument("--incident-weight", type=float, default=0.5, help="blend: share carried by incidents")
    parser.add_argument("--underreporting", type=float, default=1.0,
                        help="estimated incidents per reported incident (>= 1)")
    parser.add_argument("--candidates", choices=CANDIDATE_SOURCES, default="population",
                        help="settlements of at least --min-population people, district centres, or "
                             "--candidates-file")
    parser.add_argument("--min-population", type=float, default=DEFAULT_MIN_POPULATION)
    parser.add_argument("--candidates-file", type=Path, help="candidate sites, a CSV with the columns of services.csv")
    parser.add_argument("--every-district", action="store_true", help="at least one service in every district")
    method = parser.add_mutually_exclusive_group()
    method.add_argument("--exact", dest="method", action="store_const", const="exact",
                        help="integer programme solved by CBC (proved optimum)")
    method.add_argument("--greedy", dest="method", action="store_const", const="greedy",
                        help="fast greedy (default); its distance from the optimum is reported when known")
    parser.add_argument("--json", action="store_true", help="print JSON (default: a short table)")
    speeds_argument(parser)
    parser.set_defaults(handler=_suggest, method="greedy")


def _suggest(args: argparse.Namespace) -> int:
    if args.model != "lscp" and args.add is None:
        print(f"error: --model {args.model} needs --add K (sites to add)", file=sys.stderr)
        return 2
    if args.candidates == "upload" and args.candidates_file is None:
        print("error: --candidates upload needs --candidates-file", file=sys.stderr)
        return 2
    region = load_region(args.region)
    services = current_services(region)
    if args.scenario is not None:
        services = read_services(args.scenario, name=args.scenario.name, outline=region_outline(region),
                                 districts=region.districts, analysis_crs=region.analysis_crs)
    upload = args.candidates_file.read_bytes() if args.candidates_file is not None else None
    candidates = candidate_sites(region, source="upload" if upload is not None else args.candidates,
                                 min_population=args.min_population, upload=upload,
                                 upload_name=args.candidates_file.name if upload is not None else "candidates.csv")
    site_minutes = site_minutes_for(region, profile=speed_profile_of(region, speeds_file=args.speeds))
    incidents = incident_release(region)
    result = suggest(region, services, site_minutes, candidates, model=args.model, threshold_minutes=args.minutes,
                     add=args.add, demand=args.demand, incidents=incidents, incident_weight=args.incident_weight,
                     underreporting_factor=args.underreporting, method=args.method,
                     every_district=args.every_district)
    table = pick_table(result)
    if args.json:
        print_json({
            "model": result.model, "method": result.method, "solver": result.solver, "status": result.status,
            "minutes": result.threshold_minutes, "demand": result.demand.mode, "objective": result.objective_shown,
            "gap": result.gap, "bound_kind": result.bound_kind, "travel_times": site_minutes.method,
            "method_description": site_minutes.description,
            "fixed_sites": len(services), "candidates": result.n_candidates,
            "chosen": table.to_dict(orient="records"),
            "unreachable_settlements": list(result.unreachable),
            "districts_without_candidates": list(result.districts_without_candidates),
        })
    else:
        print(table.to_string(index=False) if len(table) else "no site to add")
        objective = result.objective_shown
        print(f"objective {objective if isinstance(objective, str) else format(objective, '.6g')} "
              f"({result.solver}, {result.status}); "
              f"{len(result.unreachable)} settlements unreachable within {args.minutes:g} min")
        print(f"method {site_minutes.method}: {site_minutes.description}")
    return 0
