"""Coverage commands: ``coverage`` (one scenario) and ``compare`` (two scenarios).

``python -m planning coverage --region DIR [--scenario SITES.csv] --minutes 30,60 [--json]``
``python -m planning compare --region DIR A.csv B.csv --minutes 30 [--json]``

Incident figures are printed as cells of the one protected release (``"<5"`` when hidden; see
:mod:`planning.release`), the same the pages and exports show, never raw.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from planning.cli import (
    Subparsers,
    UsageError,
    db_argument,
    minutes_type,
    print_json,
    region_command,
    scenario_argument,
    speeds_argument,
)
from planning.cli.need import DEMAND_BASES, assumptions_of, need_rate_of, range_arguments, rate_arguments, rate_report
from planning.i18n import fmt_number, t

if TYPE_CHECKING:
    import argparse

    import numpy as np
    import pandas as pd

    from geo.region import Region
    from planning.coverage import AreaCoverage, Coverage
    from planning.need import NeedRate
    from planning.ranges import Assumptions
    from planning.release import IncidentRelease

DEFAULT_THRESHOLDS_TEXT = "30,60"
"""planning.coverage.DEFAULT_THRESHOLDS_MINUTES as typed (a test checks they agree; importing it costs a second)."""
FIGURE_KEYS = (
    "population_covered",
    "population_total",
    "settlements_covered",
    "settlements_total",
    "settlements_unknown_population",
    "settlements_unknown_population_covered",
    "settlements_estimated_population",
    "settlements_estimated_population_covered",
    "population_estimated_covered",
    "population_estimated_total",
)
"""Figures printed as numbers; ``incidents_covered`` and ``incidents_total`` are printed as display strings."""
CHANGE_KEYS = ("population_covered", "settlements_covered")
"""Figures whose difference ``compare`` prints (incident differences could reveal a hidden count)."""


def register(subparsers: Subparsers, lang: str) -> None:
    cover = region_command(subparsers, "coverage", lang)
    scenario_argument(cover, lang)
    cover.add_argument("--district", metavar="NAME|ID", help=t("cli.arg.district_only", lang))
    cover.add_argument("--demand", choices=DEMAND_BASES, default="people", help=t("cli.arg.demand_basis", lang))
    rate_arguments(cover, lang)
    range_arguments(cover, lang)
    _common(cover, lang)
    cover.set_defaults(handler=_coverage)

    comp = region_command(subparsers, "compare", lang)
    comp.add_argument("scenario_a", metavar="A", help=t("cli.arg.scenario_a", lang))
    comp.add_argument("scenario_b", metavar="B", help=t("cli.arg.scenario_b", lang))
    db_argument(comp, lang)
    _common(comp, lang)
    comp.set_defaults(handler=_compare)


def _common(parser: argparse.ArgumentParser, lang: str) -> None:
    parse = minutes_type(lang)
    parser.add_argument(
        "--minutes",
        type=parse,
        default=parse(DEFAULT_THRESHOLDS_TEXT),
        metavar="M[,M...]",
        help=t("cli.arg.thresholds", lang, default=DEFAULT_THRESHOLDS_TEXT),
    )
    parser.add_argument("--json", action="store_true", help=t("cli.arg.json", lang))
    speeds_argument(parser, lang)


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
    from planning.render.gapmap import shown_incidents

    shown = shown_incidents(cov)

    def figures(area: AreaCoverage, incidents_covered: dict[str, str], incidents_total: str) -> dict:
        return {
            key: {
                **{name: getattr(area.within[key], name) for name in FIGURE_KEYS},
                "population_share": area.within[key].population_share,
                "incidents_covered": incidents_covered[key],
                "incidents_total": incidents_total,
            }
            for key in area.within
        }

    return {
        "small_count_k": k,
        "thresholds": figures(cov.region, shown.region_covered, shown.region_total),
        "median_minutes": cov.region.median_minutes,
        "p90_minutes": cov.region.p90_minutes,
        "districts": {
            district: {
                "thresholds": figures(
                    area, {key: shown.covered[key][district] for key in area.within}, shown.total[district]
                ),
                "median_minutes": area.median_minutes,
                "p90_minutes": area.p90_minutes,
            }
            for district, area in cov.districts.items()
        },
    }


def estimated_report(cov: Coverage) -> dict:
    """How many settlements (and people) of the region have straight-line estimated times, for ``--json``."""
    figures = next(iter(cov.region.within.values()))
    return {
        "settlements": figures.settlements_time_estimated,
        "people": round(figures.population_time_estimated),
        "settlements_total": figures.settlements_total,
    }


def estimated_line(estimated: dict, lang: str, constants: str = "") -> str:
    """The sentence of :func:`estimated_report` in ``lang`` (with ``constants``, the travel constants, when given)."""
    return t(
        "cli.travel.estimated",
        lang,
        count=estimated["settlements"],
        total=estimated["settlements_total"],
        people=fmt_number(estimated["people"], lang),
        constants=constants,
    ).rstrip("; ")


def headline_report(
    nearest_minutes: np.ndarray,
    settlements: pd.DataFrame,
    basis: str,
    *,
    thresholds: tuple[float, ...],
    assumptions: Assumptions,
    rate: NeedRate | None,
    incidents: IncidentRelease | None,
    mask: np.ndarray | None,
) -> dict:
    """The demand basis, the rate, the assumptions and every headline figure with its ``low`` and ``high``.

    Returns
    -------
    dict
        ``demand`` (the basis), ``rate`` (or None), ``assumptions`` (speeds, draws, seed, the interval), ``headline``:
        ``{threshold: {"share_within"|"settlements_beyond"|"demand_beyond": {"value", "low", "high"}}}``; with
        demand = incidents the incident figures are released cells (None = hidden, shown "<k").
    """
    from dataclasses import asdict

    from planning.ranges import HIGH_QUANTILE, LOW_QUANTILE, headline_ranges

    figures = headline_ranges(
        nearest_minutes,
        settlements,
        basis,
        thresholds=thresholds,
        assumptions=assumptions,
        rate=rate,
        incidents=incidents,
        mask=mask,
    )
    return {
        "demand": basis,
        "rate": rate_report(rate),
        "assumptions": {**asdict(assumptions), "interval": [LOW_QUANTILE, HIGH_QUANTILE]},
        "headline": {key: {name: f.to_dict() for name, f in row.items()} for key, row in figures.items()},
    }


def hidden_need_report(region: Region, rate: NeedRate, incidents: IncidentRelease) -> list[dict]:
    """Per district (then ``__total__``): expected cases with their range, the reported incidents as the release's
    cell, the ratio and "likely under-reported" only where that cell is shown as a number (planning.hidden)."""
    from planning.hidden import hidden_need_table

    table = hidden_need_table(
        region.settlements, rate, incidents, district_order=[str(d) for d in region.districts["district_id"]]
    )
    return [
        {**row, "ratio": None if row["ratio"] != row["ratio"] else row["ratio"]}  # NaN (hidden) -> null
        for row in table.to_dict(orient="records")
    ]


def _coverage(args: argparse.Namespace) -> int:
    from planning.analysis import evaluate, incident_release, site_minutes_for, speed_profile_of
    from planning.cli.data import district_id, open_region, release_secret, scenario_services, travel_constants
    from planning.privacy import small_count_k
    from planning.render.gapmap import district_names

    lang = args.lang
    region = open_region(args, lang)
    district = district_id(region, args.district)
    name, services = scenario_services(region, args.scenario, args, lang)
    site_minutes = site_minutes_for(
        region,
        profile=speed_profile_of(region, speeds_file=args.speeds),
        constants=travel_constants(region, args, lang),
    )
    incidents = incident_release(region, secret=release_secret(args, lang))
    rate = need_rate_of(args, region, lang)
    assumptions = assumptions_of(args)
    if args.demand == "incidents" and incidents is None:
        raise UsageError(t("cli.need.no_incidents", lang))
    result = evaluate(region, services, site_minutes, incidents=incidents, thresholds=args.minutes)
    report = {
        "region": region.region_id,
        "region_name": region.name(lang),
        "incidents_synthetic": region.incidents_synthetic,
        "district_names": district_names(region, lang),
        "scenario": name,
        "services": len(services),
        "method": result.method,
        "method_description": result.description,
        "method_text": site_minutes.describe(lang),
        "travel_constants": site_minutes.constants.to_dict(),
        "estimated": estimated_report(result.coverage),
        **coverage_report(result.coverage, k=small_count_k()),
    }
    if district is not None:
        report["districts"] = {d: v for d, v in report["districts"].items() if d == district}
        report["district"] = district
    report.update(
        headline_report(
            result.nearest.minutes,
            region.settlements,
            args.demand,
            thresholds=tuple(args.minutes),
            assumptions=assumptions,
            rate=rate,
            incidents=incidents,
            mask=None if district is None else result.coverage.district_ids == district,
        )
    )
    if rate is not None and incidents is not None:
        report["hidden_need"] = hidden_need_report(region, rate, incidents)
    if args.json:
        print_json(report)
    else:
        print(_coverage_text(report, lang))
    return 0


def _compare(args: argparse.Namespace) -> int:
    from planning.analysis import evaluate, incident_release, site_minutes_for, speed_profile_of
    from planning.cli.data import open_region, release_secret, scenario_services, travel_constants
    from planning.coverage import compare
    from planning.privacy import small_count_k
    from planning.render.report import comparison_sentence  # the compare page's sentence

    lang = args.lang
    region = open_region(args, lang)
    site_minutes = site_minutes_for(
        region,
        profile=speed_profile_of(region, speeds_file=args.speeds),
        constants=travel_constants(region, args, lang),
    )
    incidents = incident_release(region, secret=release_secret(args, lang))
    k = small_count_k()
    named = [scenario_services(region, value, args, lang) for value in (args.scenario_a, args.scenario_b)]
    results = [
        evaluate(region, services, site_minutes, incidents=incidents, thresholds=args.minutes) for _, services in named
    ]
    comparison = compare(results[0].coverage, results[1].coverage)
    settlements = region.settlements
    names = (named[0][0], named[1][0])
    report = {
        "region": region.region_id,
        "method": results[0].method,
        "method_description": results[0].description,
        "method_text": site_minutes.describe(lang),
        "a": {"file": str(args.scenario_a), "name": names[0], **coverage_report(results[0].coverage, k=k)},
        "b": {"file": str(args.scenario_b), "name": names[1], **coverage_report(results[1].coverage, k=k)},
        "median_minutes": vars(comparison.median_minutes),
        "p90_minutes": vars(comparison.p90_minutes),
        "thresholds": {
            key: {
                **{name: vars(within.figures[name]) for name in CHANGE_KEYS},
                "population_share_pp": vars(within.population_share_pp),
                "summary": comparison_sentence(
                    results[0],
                    results[1],
                    name_a=names[0],
                    name_b=names[1],
                    lang=lang,
                    threshold_minutes=within.threshold_minutes,
                ),
                **{
                    side: [
                        {
                            "settlement_id": settlements["settlement_id"].iloc[c.index],
                            "name": settlements["name"].iloc[c.index],
                            "district_id": settlements["district_id"].iloc[c.index],
                            "minutes_a": c.minutes_a,
                            "minutes_b": c.minutes_b,
                            "population": c.population,
                            "incidents": c.incidents,
                        }
                        for c in changes
                    ]
                    for side, changes in (("gained", within.gained), ("lost", within.lost))
                },
            }
            for key, within in comparison.within.items()
        },
    }
    if args.json:
        print_json(report)
    else:
        print(_compare_text(report, lang))
    return 0


# --------------------------------------------------------------------------------------------------------
# text output
# --------------------------------------------------------------------------------------------------------
def _number(value: float | None, lang: str) -> str:
    return "-" if value is None or value != value else fmt_number(value, lang)


def _minutes(value: float | None, lang: str) -> str:
    return (
        t("cli.unreachable", lang)
        if value == float("inf")
        else "-"
        if value is None or value != value
        else fmt_number(value, lang, decimals=1)
    )


def _share(value: float | None, lang: str) -> str:
    return "-" if value is None or value != value else f"{fmt_number(100 * value, lang, decimals=1)}%"


def _coverage_text(report: dict, lang: str) -> str:
    k = report["small_count_k"]
    names = report["district_names"]
    lines = [
        t("cli.cov.head", lang, region=report["region_name"], scenario=report["scenario"], n=report["services"]),
        *([t("cli.info.synthetic", lang)] if report["incidents_synthetic"] else []),
        t("cli.method", lang, method=t(f"cli.method.{report['method']}", lang), description=report["method_text"]),
        estimated_line(report["estimated"], lang),
        t(
            "cli.cov.median",
            lang,
            median=_minutes(report["median_minutes"], lang),
            p90=_minutes(report["p90_minutes"], lang),
        ),
        t("cli.cov.small_counts", lang, k=str(k)),
        *_headline_text(report, lang),
    ]
    header = (
        f"{t('cli.col.district', lang):<24}{t('cli.col.population', lang):>24}{t('cli.col.share', lang):>8}"
        f"{t('cli.col.settlements', lang):>14}{t('cli.col.incidents', lang):>14}"
        f"{t('cli.col.unknown_population', lang):>16}"
    )
    for key, region_figures in report["thresholds"].items():
        lines += ["", t("cli.cov.within", lang, minutes=key), header]
        rows = [] if "district" in report else [(t("cli.col.region", lang), region_figures)]
        rows += [(names.get(d, d), v["thresholds"][key]) for d, v in report["districts"].items()]
        for name, f in rows:
            lines.append(
                f"{str(name)[:23]:<24}"
                f"{_number(f['population_covered'], lang) + ' / ' + _number(f['population_total'], lang):>24}"
                f"{_share(f['population_share'], lang):>8}"
                f"{str(f['settlements_covered']) + ' / ' + str(f['settlements_total']):>14}"
                f"{f['incidents_covered'] + ' / ' + f['incidents_total']:>14}"
                f"{f['settlements_unknown_population']:>16}"
            )
    return "\n".join(lines)


def _headline_text(report: dict, lang: str) -> list[str]:
    """ "Demand: people. Within 30 min: 62.0% (55.1–68.3%) of the demand; beyond: 120 settlements (95–150), ..."."""
    if "headline" not in report:
        return []
    from planning.release import shown_text

    basis = report["demand"]
    lines = [t(f"cli.need.basis.{basis}", lang)]
    if report.get("rate"):
        rate = report["rate"]
        lines.append(
            t(
                "cli.need.rate",
                lang,
                rate=_number(rate["per_1000"], lang),
                low=_number(rate["low"], lang),
                high=_number(rate["high"], lang),
                source=rate["source"],
            )
        )
    hidden = shown_text(None, report["small_count_k"])

    def ranged(figure: dict, show: Callable[[float | None], str]) -> str:
        value = hidden if figure["value"] is None and basis == "incidents" else show(figure["value"])
        if figure["low"] is None or figure["high"] is None:
            return value
        return f"{value} ({show(figure['low'])}–{show(figure['high'])})"

    for key, row in report["headline"].items():
        lines.append(
            t(
                "cli.need.headline",
                lang,
                minutes=key,
                share=ranged(row["share_within"], lambda v: _share(v, lang)),
                settlements=ranged(row["settlements_beyond"], lambda v: _number(v, lang)),
                demand=ranged(row["demand_beyond"], lambda v: _number(None if v is None else round(v), lang)),
            )
        )
    assumptions = report["assumptions"]
    lines.append(
        t(
            "cli.need.assumptions",
            lang,
            low=_signed(100 * assumptions["speed_low"], lang),
            high=_signed(100 * assumptions["speed_high"], lang),
            draws=str(assumptions["draws"]),
            seed=str(assumptions["seed"]),
        )
    )
    return lines


def _compare_text(report: dict, lang: str) -> str:
    lines = [
        t("cli.cmp.head", lang, region=report["region"], a=report["a"]["name"], b=report["b"]["name"]),
        t("cli.method", lang, method=t(f"cli.method.{report['method']}", lang), description=report["method_text"]),
        t(
            "cli.cmp.median",
            lang,
            a=_minutes(report["median_minutes"]["a"], lang),
            b=_minutes(report["median_minutes"]["b"], lang),
        ),
    ]
    for key, within in report["thresholds"].items():
        people, places = within["population_covered"], within["settlements_covered"]
        lines += [
            "",
            t("cli.cmp.within", lang, minutes=key, summary=within["summary"]),
            "  " + _a_b_difference("cli.cmp.people", people, lang),
            "  " + _a_b_difference("cli.cmp.places", places, lang),
        ]
        for side in ("gained", "lost"):
            for c in within[side]:
                lines.append(
                    f"  {t('cli.cmp.' + side, lang):<10}{str(c['name'])[:30]:<31}"
                    f"{_minutes(c['minutes_a'], lang):>12} -> {_minutes(c['minutes_b'], lang):<12} "
                    + t("cli.cmp.change", lang, population=_number(c["population"], lang), incidents=c["incidents"])
                )
    return "\n".join(lines)


def _a_b_difference(key: str, figures: dict[str, float], lang: str) -> str:
    """The catalog line ``key`` with scenario A's and B's figure and B minus A (``figures``: a, b, difference)."""
    return t(
        key,
        lang,
        a=_number(figures["a"], lang),
        b=_number(figures["b"], lang),
        difference=_signed(figures["difference"], lang),
    )


def _signed(value: float, lang: str) -> str:
    return ("+" if value > 0 else "") + _number(value, lang)
