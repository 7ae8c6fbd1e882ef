"""``python -m planning suggest``: where the next services should go, as the suggest page computes it.

Prints the chosen sites (settlement_id, name, lat, lon, marginal gain) and the objective. Every incident figure (the
incident gains, and the objective and gains when demand = incidents) comes from the protected release, as on the
page: released cells such as "<5", never raw counts.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from geo.settings import DEFAULT_GAP_MINUTES
from planning.cli import (
    Subparsers,
    UsageError,
    existing_file,
    print_json,
    region_command,
    scenario_argument,
    speeds_argument,
)
from planning.cli.need import assumptions_of, need_rate_of, range_arguments, rate_arguments, rate_report
from planning.i18n import fmt_number, t

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geo.region import Region
    from planning.analysis import SiteMinutes
    from planning.need import NeedRate
    from planning.release import IncidentRelease

CANDIDATE_SOURCES = ("population", "district_centres", "upload")
"""planning.suggest.CANDIDATE_SOURCES (a test checks they agree; importing it costs seconds)."""
DEFAULT_MIN_POPULATION = 1_000
"""planning.suggest.DEFAULT_MIN_POPULATION (a test checks they agree)."""


def register(subparsers: Subparsers, lang: str) -> None:
    from planning.siting import DEMAND_MODES, MODELS  # light: numpy and the solver's wrapper

    parser = region_command(subparsers, "suggest", lang)
    parser.add_argument("--model", required=True, choices=list(MODELS), help=t("cli.arg.model", lang))
    parser.add_argument("--add", type=int, metavar="K", help=t("cli.arg.add", lang))
    parser.add_argument(
        "--minutes",
        type=float,
        default=DEFAULT_GAP_MINUTES,
        metavar="T",
        help=t("cli.arg.minutes_t", lang) + f" ({DEFAULT_GAP_MINUTES:g})",
    )
    scenario_argument(parser, lang)
    parser.add_argument(
        "--demand", choices=["people", *sorted(DEMAND_MODES)], default="people", help=t("cli.arg.demand", lang)
    )
    rate_arguments(parser, lang)
    range_arguments(parser, lang)
    parser.add_argument("--robust", action="store_true", help=t("cli.arg.robust", lang))
    parser.add_argument("--incident-weight", type=float, default=0.5, help=t("cli.arg.incident_weight", lang))
    parser.add_argument("--underreporting", type=float, default=1.0, help=t("cli.arg.underreporting", lang))
    parser.add_argument(
        "--candidates", choices=CANDIDATE_SOURCES, default="population", help=t("cli.arg.candidates", lang)
    )
    parser.add_argument(
        "--min-population", type=float, default=DEFAULT_MIN_POPULATION, help=t("cli.arg.min_population", lang)
    )
    parser.add_argument(
        "--candidates-file", type=existing_file(lang), metavar="FILE.csv", help=t("cli.arg.candidates_file", lang)
    )
    parser.add_argument("--every-district", action="store_true", help=t("cli.arg.every_district", lang))
    method = parser.add_mutually_exclusive_group()
    method.add_argument("--exact", dest="method", action="store_const", const="exact", help=t("cli.arg.exact", lang))
    method.add_argument("--greedy", dest="method", action="store_const", const="greedy", help=t("cli.arg.greedy", lang))
    parser.add_argument("--json", action="store_true", help=t("cli.arg.json_table", lang))
    speeds_argument(parser, lang)
    parser.set_defaults(handler=_suggest, method="greedy")


def _suggest(args: argparse.Namespace) -> int:
    from planning.analysis import incident_release, site_minutes_for, speed_profile_of
    from planning.cli.data import open_region, release_secret, scenario_services, travel_constants
    from planning.render.gapmap import district_names
    from planning.siting import MODELS
    from planning.suggest import candidate_sites, pick_table, suggest

    lang = args.lang
    model = MODELS[args.model]  # argparse checked the name
    if model.takes_k and args.add is None:
        raise UsageError(t("cli.suggest.needs_add", lang, model=model.name))
    if args.robust and not model.robust:
        raise UsageError(t("cli.suggest.robust_mclp", lang))
    mode = "population" if args.demand == "people" else args.demand
    if args.candidates == "upload" and args.candidates_file is None:
        raise UsageError(t("cli.suggest.needs_file", lang))
    region = open_region(args, lang)
    _, services = scenario_services(region, args.scenario, args, lang)
    upload = args.candidates_file.read_bytes() if args.candidates_file is not None else None
    candidates = candidate_sites(
        region,
        source="upload" if upload is not None else args.candidates,
        min_population=args.min_population,
        upload=upload,
        upload_name=args.candidates_file.name if upload is not None else "candidates.csv",
    )
    site_minutes = site_minutes_for(
        region,
        profile=speed_profile_of(region, speeds_file=args.speeds),
        constants=travel_constants(region, args, lang),
    )
    incidents = incident_release(region, secret=release_secret(args, lang))
    rate = need_rate_of(args, region, lang)
    if args.robust:
        return _robust(args, region, services, site_minutes, candidates, incidents, rate)
    result = suggest(
        region,
        services,
        site_minutes,
        candidates,
        model=model,
        threshold_minutes=args.minutes,
        add=args.add,
        demand=mode,
        incidents=incidents,
        rate_per_1000=None if rate is None else rate.per_1000,
        incident_weight=args.incident_weight,
        underreporting_factor=args.underreporting,
        method=args.method,
        every_district=args.every_district,
    )
    table = pick_table(result)
    if args.json:
        print_json(
            {
                "model": result.model,
                "method": result.method,
                "solver": result.solver,
                "status": result.status,
                "minutes": result.threshold_minutes,
                "demand": result.demand.mode,
                "demand_basis": args.demand,
                "rate": rate_report(rate),
                "objective": result.objective_shown,
                "gap": result.gap,
                "bound_kind": result.bound_kind,
                "travel_times": site_minutes.method,
                "method_description": site_minutes.description,
                "fixed_sites": len(services),
                "candidates": result.n_candidates,
                "chosen": table.to_dict(orient="records"),
                "unreachable_settlements": list(result.unreachable),
                "districts_without_candidates": list(result.districts_without_candidates),
            }
        )
    else:
        if region.incidents_synthetic and "gain_incidents" in table:
            print(t("cli.info.synthetic", lang))
        print(_picks_text(table, district_names(region, lang), lang) if len(table) else t("cli.suggest.nothing", lang))
        objective = result.objective_shown
        print(
            t(
                "cli.suggest.objective",
                lang,
                objective=objective if isinstance(objective, str) else fmt_number(objective, lang),
                solver=result.solver,
                status=result.status,
                n=len(result.unreachable),
                minutes=f"{args.minutes:g}",
            )
        )
        print(
            t(
                "cli.method",
                lang,
                method=t(f"cli.method.{site_minutes.method}", lang),
                description=site_minutes.describe(lang),
            )
        )
    return 0


def _robust(
    args: argparse.Namespace,
    region: Region,
    services: gpd.GeoDataFrame,
    site_minutes: SiteMinutes,
    candidates: gpd.GeoDataFrame,
    incidents: IncidentRelease | None,
    rate: NeedRate | None,
) -> int:
    """``suggest --robust``: each site's count of draws and the choice best across the draws (planning.robust)."""
    from planning.robust import MODEL, robust_suggest

    lang = args.lang
    if args.demand not in ("people", "need", "incidents"):
        raise UsageError(t("cli.suggest.robust_basis", lang))
    if args.demand == "incidents" and incidents is None:
        raise UsageError(t("cli.need.no_incidents", lang))
    assumptions = assumptions_of(args)
    result = robust_suggest(
        region,
        services,
        site_minutes,
        candidates,
        add=args.add,
        threshold_minutes=args.minutes,
        basis=args.demand,
        rate=rate,
        incidents=incidents,
        assumptions=assumptions,
        every_district=args.every_district,
    )
    if args.json:
        print_json(
            {
                "model": MODEL.name,
                "method": "greedy",
                "minutes": float(args.minutes),
                "demand_basis": args.demand,
                "rate": rate_report(rate),
                "draws": result.choice.n_draws,
                "seed": assumptions.seed,
                "speeds": [assumptions.speed_low, assumptions.speed_high],
                "choices_compared": result.choice.n_compared,
                "central_expected_covered": result.central_mean,
                "robust_expected_covered": result.robust_mean,
                "sites": result.table.to_dict(orient="records"),
            }
        )
        return 0
    from planning.render.gapmap import district_names

    names = district_names(region, lang)
    for _, row in result.table.iterrows():
        mark = ("*" if row["robust"] else " ") + ("c" if row["central"] else " ")
        district = names.get(str(row["district_id"]), "-") if row["district_id"] else "-"
        print(
            f"{mark} {row['settlement_id']:<14} {str(row['name'])[:30]:<31} {district[:20]:<21} "
            + t("cli.suggest.robust_count", lang, n=str(row["draws_chosen"]), total=str(result.choice.n_draws))
        )
    print(t("cli.suggest.robust_legend", lang))
    if result.central_mean is not None and result.robust_mean is not None:
        print(
            t(
                "cli.suggest.robust_means",
                lang,
                central=format(result.central_mean, ",.0f"),
                robust=format(result.robust_mean, ",.0f"),
            )
        )
    return 0


def _picks_text(table: pd.DataFrame, names: dict[str, str], lang: str) -> str:
    """The picks of :func:`planning.suggest.pick_table` as a text table in ``lang``: order, the village and its
    district by name, and what each adds (people, settlements and, where shown, incidents as released cells)."""
    columns = ["order", "name", "district", "gain_people", "gain_settlements"]
    columns += ["gain_incidents"] if "gain_incidents" in table else []
    rows = [[t(f"cli.col.{c}", lang) for c in columns]]
    for _, row in table.iterrows():
        cells = {
            "order": str(row["order"]),
            "name": str(row["name"]),
            "district": names.get(str(row["district_id"]), "-"),
            "gain_people": fmt_number(row["gain_people"], lang),
            "gain_settlements": fmt_number(row["gain_settlements"], lang),
            "gain_incidents": str(row.get("gain_incidents", "")),
        }
        rows.append([cells[c] for c in columns])
    widths = [max(len(r[i]) for r in rows) for i in range(len(columns))]
    left = {"name", "district"}
    return "\n".join(
        "  ".join(cell.ljust(w) if c in left else cell.rjust(w) for cell, w, c in zip(r, widths, columns)).rstrip()
        for r in rows
    )
