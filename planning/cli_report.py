"""``python -m planning report`` (PDF for the region or a district) and ``python -m planning map`` (standalone HTML).

Both use the region's services (the baseline when it has none); ``--scenario SITES.csv`` (as exported by the
scenarios page) is compared against them in the report and mapped instead of them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from geo.region import load_region
from planning.analysis import evaluate, incident_release, service_bands, site_minutes_for, speed_profile_of
from planning.baseline import current_services
from planning.exports import scenario_map, standalone_html
from planning.i18n import LANGUAGES, t
from planning.privacy import small_count_k
from planning.report import INCIDENT_LEVELS, region_pdf
from planning.scenarios import import_csv, sites_to_services


def register(subparsers) -> None:
    from planning.cli import region_argument, speeds_argument

    report = subparsers.add_parser("report", help="PDF report of the region or one district")
    region_argument(report)
    report.add_argument("--scenario", type=Path, help="scenario sites CSV, compared with the current services")
    report.add_argument("--district", help="district_id: report on this district only")
    report.add_argument("--lang", choices=LANGUAGES, default=LANGUAGES[0])
    report.add_argument("--incident-level", choices=INCIDENT_LEVELS, default="district",
                        help="finest level of incident figures printed (default: district)")
    report.add_argument("--out", type=Path, required=True, help="PDF file to write")
    speeds_argument(report)
    report.set_defaults(handler=_report)

    map_parser = subparsers.add_parser("map", help="standalone HTML map that opens offline")
    region_argument(map_parser)
    map_parser.add_argument("--scenario", type=Path, help="scenario sites CSV mapped instead of the current services")
    map_parser.add_argument("--lang", choices=LANGUAGES, default=LANGUAGES[0])
    map_parser.add_argument("--out", type=Path, required=True, help="HTML file to write")
    speeds_argument(map_parser)
    map_parser.set_defaults(handler=_map)


def _scenarios(region, args, lang: str) -> list:
    scenarios = [(t("report.scenario_current", lang), current_services(region))]
    if args.scenario is not None:
        scenarios.append((args.scenario.stem, sites_to_services(import_csv(args.scenario, region=region))))
    return scenarios


def _setup(args):
    region = load_region(args.region)
    minutes = site_minutes_for(region, profile=speed_profile_of(region, speeds_file=args.speeds))
    incidents = incident_release(region)
    return region, minutes, incidents


def _report(args: argparse.Namespace) -> int:
    region, minutes, incidents = _setup(args)
    pdf = region_pdf(region, _scenarios(region, args, args.lang), minutes, lang=args.lang, incidents=incidents,
                     district_id=args.district, incident_level=args.incident_level)
    args.out.write_bytes(pdf)
    print(args.out)
    return 0


def _map(args: argparse.Namespace) -> int:
    region, minutes, incidents = _setup(args)
    _, services = _scenarios(region, args, args.lang)[-1]
    result = evaluate(region, services, minutes, incidents=incidents)
    fmap = scenario_map(region, result, bands=service_bands(region, services, minutes.network), lang=args.lang,
                        k=small_count_k(), method_description=minutes.describe(args.lang))
    args.out.write_text(standalone_html(fmap), encoding="utf-8")
    print(args.out)
    return 0
