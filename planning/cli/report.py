"""Report commands: ``python -m planning report`` (PDF of the region or one district) and ``python -m planning map``
(standalone HTML).

Both use the region's services (the baseline when it has none); ``--scenario`` (a saved scenario's name or id, or a
sites CSV as exported by the scenarios page) is compared against them in the report and mapped instead of them.
Incident figures use the counts uploaded to the database, as the pages do. ``--district`` takes a district's id,
KATO code or name in any language. Reports and maps are written in ``--lang``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from planning.cli import Subparsers, region_command, scenario_argument, speeds_argument
from planning.i18n import t

if TYPE_CHECKING:
    import geopandas as gpd

    from geo.region import Region
    from planning.analysis import SiteMinutes
    from planning.release import IncidentRelease

INCIDENT_LEVELS = ("district", "settlement")
"""planning.render.report.INCIDENT_LEVELS (a test checks they agree; importing it costs seconds)."""


def register(subparsers: Subparsers, lang: str) -> None:
    report = region_command(subparsers, "report", lang)
    scenario_argument(report, lang)
    report.add_argument("--district", metavar="NAME|ID", help=t("cli.arg.district", lang))
    report.add_argument(
        "--incident-level", choices=INCIDENT_LEVELS, default="district", help=t("cli.arg.incident_level", lang)
    )
    report.add_argument("--out", type=Path, required=True, metavar="FILE.pdf", help=t("cli.arg.out_pdf", lang))
    speeds_argument(report, lang)
    report.set_defaults(handler=_report)

    map_parser = region_command(subparsers, "map", lang)
    scenario_argument(map_parser, lang)
    map_parser.add_argument("--out", type=Path, required=True, metavar="FILE.html", help=t("cli.arg.out_html", lang))
    speeds_argument(map_parser, lang)
    map_parser.set_defaults(handler=_map)


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
    pdf = region_pdf(
        region,
        scenarios,
        minutes,
        lang=args.lang,
        incidents=incidents,
        district_id=district,
        incident_level=args.incident_level,
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
