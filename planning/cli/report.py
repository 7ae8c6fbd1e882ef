"""Report commands: ``python -m planning report`` (PDF of the region or one district), ``python -m planning map``
(standalone HTML) and ``python -m planning export`` (the Reports page's tables: settlements CSV, XLSX, headline CSV,
gaps GeoJSON).

``report`` and ``export`` count on ``--demand people|need|incidents`` (with ``--rate``, ``--draws``, ``--seed`` ...
as ``coverage`` reads them, planning.cli.need): the PDF states the basis with the ranges of its headline figures and
their assumptions; every exported table carries ``demand_basis`` and each settlement's demand, and the headline
figures their ``low`` and ``high``. Incidents as demand are the protected release's cells only.

Both use the region's services (the baseline when it has none); ``--scenario`` (a saved scenario's name or id, or a
sites CSV as exported by the scenarios page) is compared against them in the report and mapped instead of them.
Incident figures use the counts uploaded to the database, as the pages do. ``--district`` takes a district's id,
KATO code or name in any language. Reports and maps are written in ``--lang``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from planning.cli import Subparsers, UsageError, region_command, scenario_argument, speeds_argument
from planning.cli.need import DEMAND_BASES, assumptions_of, need_rate_of, range_arguments, rate_arguments
from planning.i18n import t

if TYPE_CHECKING:
    import geopandas as gpd

    from geo.region import Region
    from planning.analysis import SiteMinutes
    from planning.release import IncidentRelease

INCIDENT_LEVELS = ("district", "settlement")
"""planning.render.report.INCIDENT_LEVELS (a test checks they agree; importing it costs seconds)."""
EXPORT_FORMATS = ("settlements", "tables", "headline", "gaps")
"""``export --format``: settlements (CSV), every table (XLSX), the headline figures with low/high (CSV), gaps
(GeoJSON)."""


def register(subparsers: Subparsers, lang: str) -> None:
    report = region_command(subparsers, "report", lang)
    scenario_argument(report, lang)
    report.add_argument("--district", metavar="NAME|ID", help=t("cli.arg.district", lang))
    report.add_argument(
        "--incident-level", choices=INCIDENT_LEVELS, default="district", help=t("cli.arg.incident_level", lang)
    )
    report.add_argument("--out", type=Path, required=True, metavar="FILE.pdf", help=t("cli.arg.out_pdf", lang))
    _demand_arguments(report, lang)
    speeds_argument(report, lang)
    report.set_defaults(handler=_report)

    export = region_command(subparsers, "export", lang)
    scenario_argument(export, lang)
    export.add_argument("--format", choices=EXPORT_FORMATS, required=True, help=t("cli.arg.export_format", lang))
    export.add_argument(
        "--incident-level", choices=INCIDENT_LEVELS, default="district", help=t("cli.arg.incident_level", lang)
    )
    export.add_argument("--out", type=Path, required=True, metavar="FILE", help=t("cli.arg.out_export", lang))
    _demand_arguments(export, lang)
    speeds_argument(export, lang)
    export.set_defaults(handler=_export)

    map_parser = region_command(subparsers, "map", lang)
    scenario_argument(map_parser, lang)
    map_parser.add_argument("--out", type=Path, required=True, metavar="FILE.html", help=t("cli.arg.out_html", lang))
    speeds_argument(map_parser, lang)
    map_parser.set_defaults(handler=_map)


def _demand_arguments(parser: argparse.ArgumentParser, lang: str) -> None:
    parser.add_argument("--demand", choices=DEMAND_BASES, default="people", help=t("cli.arg.demand_basis", lang))
    rate_arguments(parser, lang)
    range_arguments(parser, lang)


def _demand(args: argparse.Namespace, region: Region, incidents: IncidentRelease | None) -> dict:
    """``demand_basis``, ``rate`` and ``assumptions`` from the command line (the same options as ``coverage``)."""
    rate = need_rate_of(args, region, args.lang)
    if args.demand == "incidents" and incidents is None:
        raise UsageError(t("cli.need.no_incidents", args.lang))
    return {"demand_basis": args.demand, "rate": rate, "assumptions": assumptions_of(args)}


def _scenarios(region: Region, args: argparse.Namespace, lang: str) -> list[tuple[str, gpd.GeoDataFrame]]:
    from planning.cli.data import scenario_services

    scenarios = [scenario_services(region, None, args, lang)]  # the region's services, else the baseline
    if args.scenario is not None:
        scenarios.append(scenario_services(region, args.scenario, args, lang))
    return scenarios


def _setup(
    args: argparse.Namespace, region: Region | None = None
) -> tuple[Region, SiteMinutes, IncidentRelease | None]:
    from planning.analysis import incident_release, site_minutes_for, speed_profile_of
    from planning.cli.data import open_region, release_secret, travel_constants

    region = region if region is not None else open_region(args, args.lang)
    minutes = site_minutes_for(
        region,
        profile=speed_profile_of(region, speeds_file=args.speeds),
        constants=travel_constants(region, args, args.lang),
    )
    return region, minutes, incident_release(region, secret=release_secret(args, args.lang))


def _report(args: argparse.Namespace) -> int:
    from planning.cli.data import district_id, open_region
    from planning.render.report import region_pdf

    region = open_region(args, args.lang)
    district = district_id(region, args.district)  # before the work: a wrong name fails at once
    scenarios = _scenarios(region, args, args.lang)
    region, minutes, incidents = _setup(args, region)
    demand = _demand(args, region, incidents)
    pdf = region_pdf(
        region,
        scenarios,
        minutes,
        lang=args.lang,
        incidents=incidents,
        district_id=district,
        incident_level=args.incident_level,
        **demand,
    )
    args.out.write_bytes(pdf)
    print(args.out)
    return 0


def _map(args: argparse.Namespace) -> int:
    from planning.analysis import evaluate, service_bands
    from planning.privacy import small_count_k
    from planning.render.exports import scenario_map, standalone_html

    region, minutes, incidents = _setup(args)
    _, services = _scenarios(region, args, args.lang)[-1]
    result = evaluate(region, services, minutes, incidents=incidents)
    fmap = scenario_map(
        region,
        result,
        bands=service_bands(region, services, minutes.network, constants=minutes.constants),
        lang=args.lang,
        k=small_count_k(),
        method_description=minutes.describe(args.lang),
        network=minutes.network,
    )
    args.out.write_text(standalone_html(fmap), encoding="utf-8")
    print(args.out)
    return 0


def _export(args: argparse.Namespace) -> int:
    from planning.analysis import evaluate
    from planning.render.exports import csv_bytes, gaps_geojson, headline_csv, settlement_table, tables, xlsx_bytes
    from planning.render.report import basis_ranges

    region, minutes, incidents = _setup(args)
    demand = _demand(args, region, incidents)
    _, services = _scenarios(region, args, args.lang)[-1]
    result = evaluate(region, services, minutes, incidents=incidents)
    headline = basis_ranges(
        region,
        result.nearest.minutes,
        demand["demand_basis"],
        rate=demand["rate"],
        incidents=incidents,
        assumptions=demand["assumptions"],
    )
    options = dict(
        incidents=incidents,
        lang=args.lang,
        incident_level=args.incident_level,
        demand_basis=demand["demand_basis"],
        rate=demand["rate"],
    )
    if args.format == "settlements":
        data = csv_bytes(settlement_table(region, result, **options))
    elif args.format == "tables":
        data = xlsx_bytes(
            tables(region, result, method_description=minutes.describe(args.lang), headline=headline, **options)
        )
    elif args.format == "headline":
        data = headline_csv(headline, demand["demand_basis"])
    else:
        data = gaps_geojson(region, result, headline=headline, **options).encode("utf-8")
    args.out.write_bytes(data)
    print(args.out)
    return 0
