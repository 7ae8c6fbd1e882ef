"""Coverage commands: ``coverage`` (one scenario) and ``compare`` (two scenarios).

``python -m planning coverage --region DIR [--scenario SITES.csv] --minutes 30,60 [--json]``
``python -m planning compare --region DIR A.csv B.csv --minutes 30 [--json]``

Incident figures are printed as cells of the one protected release (``"<5"`` when hidden; see
:mod:`planning.release`), the same the pages and exports show, never raw.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from geo.region import load_region, read_services, region_outline
from planning.analysis import evaluate, incident_release, site_minutes_for, speed_profile_of
from planning.baseline import current_services
from planning.cli import print_json, region_argument, speeds_argument
from planning.coverage import DEFAULT_THRESHOLDS_MINUTES, Coverage, compare, summary_sentence, threshold_key
from planning.gapmap import shown_incidents
from planning.privacy import small_count_k

FIGURE_KEYS = ("population_covered", "population_total", "settlements_covered", "settlements_total",
               "settlements_unknown_population", "settlements_unknown_population_covered")
"""Figures printed as numbers; ``incidents_covered`` and ``incidents_total`` are printed as display strings."""
CHANGE_KEYS = ("population_covered", "settlements_covered")
"""Figures whose difference ``compare`` prints (incident differences could reveal a hidden count)."""


def register(subparsers) -> None:
    cover = subparsers.add_parser("coverage", help="population, settlements and incidents within each threshold, "
                                  "region-wide and per district")
    region_argument(cover)
    cover.add_argument("--scenario", type=Path, help="sites CSV with the columns of services.csv "
                       "(default: the region's services, else the baseline)")
    _common(cover)
    cover.set_defaults(handler=_coverage)

    comp = subparsers.add_parser("compare", help="what scenario B changes against scenario A")
    region_argument(comp)
    comp.add_argument("scenario_a", type=Path, metavar="A.csv", help="sites CSV of scenario A")
    comp.add_argument("scenario_b", type=Path, metavar="B.csv", help="sites CSV of scenario B")
    _common(comp)
    comp.set_defaults(handler=_compare)


def _common(parser) -> None:
    default = ",".join(threshold_key(m) for m in DEFAULT_THRESHOLDS_MINUTES)
    parser.add_argument("--minutes", type=minutes_list, default=minutes_list(default),
                        help=f"thresholds in minutes, comma-separated (default {default})")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    speeds_argument(parser)


def minutes_list(text: str) -> tuple[float, ...]:
    """``"30,60"`` -> ``(30.0, 60.0)``; argparse turns the error into exit code 2."""
    try:
        values = tuple(float(part) for part in str(text).split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"--minutes must be numbers separated by commas, e.g. 30,60; got {text!r}")
    if not values or any(not 0 < v < float("inf") for v in values):
        raise argparse.ArgumentTypeError(f"--minutes must be positive minutes, e.g. 30,60; got {text!r}")
    return values


# --------------------------------------------------------------------------------------------------------
# reports
# --------------------------------------------------------------------------------------------------------
def coverage_report(cov: Coverage, *, k: int) -> dict:
    """Coverage as a JSON-ready dict, incident figures as display strings.

    Returns
    -------
    dict
        ``thresholds``: ``{"30": {population_covered, population_total, settlements_covered, settlements_total,
        incidents_covered, incidents_total, settlements_unknown_population, ..._covered, population_share}}``;
        ``median_minutes``, ``p90_minutes`` (None = unreachable for that share of people, or unknown);
        ``districts``: ``{district_id: {"thresholds": {...}, "median_minutes", "p90_minutes"}}``; ``small_count_k``.
    """
    shown = shown_incidents(cov)

    def figures(area, incidents_covered: dict[str, str], incidents_total: str) -> dict:
        return {key: {**{name: getattr(area.within[key], name) for name in FIGURE_KEYS},
                      "population_share": area.within[key].population_share,
                      "incidents_covered": incidents_covered[key], "incidents_total": incidents_total}
                for key in area.within}

    return {
        "small_count_k": k,
        "thresholds": figures(cov.region, shown.region_covered, shown.region_total),
        "median_minutes": cov.region.median_minutes,
        "p90_minutes": cov.region.p90_minutes,
        "districts": {
            district: {"thresholds": figures(area, {key: shown.covered[key][district] for key in area.within},
                                             shown.total[district]),
                       "median_minutes": area.median_minutes, "p90_minutes": area.p90_minutes}
            for district, area in cov.districts.items()
        },
    }


def _coverage(args) -> int:
    region = load_region(args.region)
    services = _services(region, args.scenario)
    site_minutes = site_minutes_for(region, profile=speed_profile_of(region, speeds_file=args.speeds))
    result = evaluate(region, services, site_minutes, incidents=_incidents(region), thresholds=args.minutes)
    report = {"region": region.region_id, "scenario": str(args.scenario) if args.scenario else "current services",
              "services": len(services), "method": result.method, "method_description": result.description,
              **coverage_report(result.coverage, k=small_count_k())}
    if args.json:
        print_json(report)
    else:
        print(_coverage_text(report))
    return 0


def _compare(args) -> int:
    region = load_region(args.region)
    site_minutes = site_minutes_for(region, profile=speed_profile_of(region, speeds_file=args.speeds))
    incidents = _incidents(region)
    k = small_count_k()
    results = [evaluate(region, _services(region, path), site_minutes, incidents=incidents, thresholds=args.minutes)
               for path in (args.scenario_a, args.scenario_b)]
    comparison = compare(results[0].coverage, results[1].coverage)
    settlements = region.settlements
    names = (args.scenario_a.stem, args.scenario_b.stem)
    report = {
        "region": region.region_id, "method": results[0].method, "method_description": results[0].description,
        "a": {"file": str(args.scenario_a), **coverage_report(results[0].coverage, k=k)},
        "b": {"file": str(args.scenario_b), **coverage_report(results[1].coverage, k=k)},
        "median_minutes": vars(comparison.median_minutes), "p90_minutes": vars(comparison.p90_minutes),
        "thresholds": {
            key: {**{name: vars(within.figures[name]) for name in CHANGE_KEYS},
                  "population_share_pp": vars(within.population_share_pp),
                  "summary": summary_sentence(comparison, threshold_minutes=within.threshold_minutes,
                                              name_a=names[0], name_b=names[1]),
                  **{side: [{"settlement_id": settlements["settlement_id"].iloc[c.index],
                             "name": settlements["name"].iloc[c.index],
                             "district_id": settlements["district_id"].iloc[c.index],
                             "minutes_a": c.minutes_a, "minutes_b": c.minutes_b, "population": c.population,
                             "incidents": c.incidents} for c in changes]
                     for side, changes in (("gained", within.gained), ("lost", within.lost))}}
            for key, within in comparison.within.items()
        },
    }
    if args.json:
        print_json(report)
    else:
        print(_compare_text(report))
    return 0


def _services(region, path: Path | None):
    if path is None:
        return current_services(region)
    return read_services(Path(path), name=Path(path).name, outline=region_outline(region), districts=region.districts,
                         analysis_crs=region.analysis_crs)


def _incidents(region):
    return incident_release(region)


# --------------------------------------------------------------------------------------------------------
# text output
# --------------------------------------------------------------------------------------------------------
def _number(value) -> str:
    return "-" if value is None or value != value else f"{value:,.0f}"


def _minutes(value) -> str:
    return "unreachable" if value == float("inf") else "-" if value is None or value != value else f"{value:.1f}"


def _share(value) -> str:
    return "-" if value is None or value != value else f"{100 * value:.1f}%"


def _coverage_text(report: dict) -> str:
    lines = [f"region {report['region']}, scenario {report['scenario']} ({report['services']} services)",
             f"method {report['method']}: {report['method_description']}",
             f"weighted median {_minutes(report['median_minutes'])} min, p90 {_minutes(report['p90_minutes'])} min",
             f"incidents below {report['small_count_k']} are shown as <{report['small_count_k']}"]
    header = f"{'district':<24}{'population':>24}{'share':>8}{'settlements':>14}{'incidents':>14}{'unknown pop.':>14}"
    for key, region_figures in report["thresholds"].items():
        lines += ["", f"within {key} minutes", header]
        rows = [("REGION", region_figures)] + [(d, v["thresholds"][key]) for d, v in report["districts"].items()]
        for name, f in rows:
            lines.append(f"{name[:23]:<24}"
                         f"{_number(f['population_covered']) + ' / ' + _number(f['population_total']):>24}"
                         f"{_share(f['population_share']):>8}"
                         f"{str(f['settlements_covered']) + ' / ' + str(f['settlements_total']):>14}"
                         f"{f['incidents_covered'] + ' / ' + f['incidents_total']:>14}"
                         f"{f['settlements_unknown_population']:>14}")
    return "\n".join(lines)


def _compare_text(report: dict) -> str:
    lines = [f"region {report['region']}: A = {report['a']['file']}, B = {report['b']['file']}",
             f"method {report['method']}: {report['method_description']}",
             f"weighted median minutes: A {_minutes(report['median_minutes']['a'])}, "
             f"B {_minutes(report['median_minutes']['b'])}"]
    for key, within in report["thresholds"].items():
        people, places = within["population_covered"], within["settlements_covered"]
        lines += ["", f"within {key} minutes: {within['summary']}",
                  f"  population covered: A {_number(people['a'])}, B {_number(people['b'])}, "
                  f"difference {people['difference']:+,.0f}",
                  f"  settlements covered: A {places['a']:.0f}, B {places['b']:.0f}, "
                  f"difference {places['difference']:+.0f}"]
        for side in ("gained", "lost"):
            for c in within[side]:
                lines.append(f"  {side:<7}{str(c['name'])[:30]:<31}{_minutes(c['minutes_a']):>12} -> "
                             f"{_minutes(c['minutes_b']):<12} population {_number(c['population'])}, "
                             f"incidents {c['incidents']}")
    return "\n".join(lines)
