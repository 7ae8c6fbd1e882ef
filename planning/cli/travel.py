"""Travel commands: ``travel-times`` and ``isochrones``.

Each loads the region folder, builds (or reads from the cache) its road network when the folder has a road file,
and otherwise uses the labelled estimate; the method and the speed profile are printed with every result. Like
``coverage`` and the pages, they use the region's services, else the baseline of district centres
(:func:`planning.baseline.current_services`), unless ``--scenario`` names a saved scenario or a sites CSV.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from planning.cli import Subparsers, minutes_type, region_command, scenario_argument, speeds_argument
from planning.i18n import t

if TYPE_CHECKING:
    import geopandas as gpd

    from geo.network import RoadNetwork
    from geo.region import Region

TRAVEL_TIME_COLUMNS = ["settlement_id", "minutes", "service_id", "method", "access_km"]
"""Columns of ``travel-times``: per settlement the minutes to the nearest service (empty: unreachable), that service,
how the minutes were obtained (``network`` or ``estimate``) and the distance to the nearest road, km (empty without
a network)."""
DEFAULT_BANDS_TEXT = "15,30,60"
"""geo.isochrones.DEFAULT_BANDS_MINUTES as typed (a test checks they agree; importing it costs a second)."""


def register(subparsers: Subparsers, lang: str) -> None:
    travel = region_command(subparsers, "travel-times", lang)
    _common(travel, lang)
    travel.add_argument("--out", type=Path, required=True, metavar="FILE.csv", help=t("cli.arg.out_travel", lang))
    travel.set_defaults(handler=_travel_times)

    iso = region_command(subparsers, "isochrones", lang)
    _common(iso, lang)
    iso.add_argument(
        "--minutes",
        type=minutes_type(lang),
        default=minutes_type(lang)(DEFAULT_BANDS_TEXT),
        metavar="M[,M...]",
        help=t("cli.arg.bands", lang, default=DEFAULT_BANDS_TEXT),
    )
    iso.add_argument("--out", type=Path, required=True, metavar="FILE.geojson", help=t("cli.arg.out_bands", lang))
    iso.set_defaults(handler=_isochrones)


def _common(parser: argparse.ArgumentParser, lang: str) -> None:
    from geo.speeds import ADJUSTMENTS  # light: the speed tables only

    scenario_argument(parser, lang)
    parser.add_argument(
        "--adjust", action="append", default=[], choices=sorted(ADJUSTMENTS), help=t("cli.arg.adjust", lang)
    )
    speeds_argument(parser, lang)
    parser.add_argument("--estimate", action="store_true", help=t("cli.arg.estimate", lang))


def _travel_times(args: argparse.Namespace) -> int:
    import numpy as np

    from geo.traveltime import METHOD_ESTIMATE, nearest_service_minutes
    from planning.analysis import describe_constants
    from planning.cli.coverage import estimated_line
    from planning.cli.data import travel_constants
    from planning.markup import spreadsheet_frame

    lang = args.lang
    region, services, network = _prepare(args)
    constants = travel_constants(region, args, lang)
    times = nearest_service_minutes(
        network, region.settlements, services, analysis_crs=region.analysis_crs, constants=constants
    )
    frame = times.to_frame()[TRAVEL_TIME_COLUMNS]
    frame["access_km"] = frame["access_km"].round(2)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # NaN (unreachable) is written as empty; ids from the files cannot run as formulas in a spreadsheet
    spreadsheet_frame(frame).to_csv(args.out, index=False, float_format="%.2f")
    _note(t("cli.method", lang, method=t(f"cli.method.{times.method}", lang), description=times.description))
    for warning in times.warnings:
        _note(t("cli.warning", lang, message=warning))
    estimated = (times.methods == METHOD_ESTIMATE) & np.isfinite(times.minutes)
    people = region.settlements["population"].to_numpy(dtype=float)
    _note(
        estimated_line(
            {
                "settlements": int(estimated.sum()),
                "settlements_total": len(frame),
                "people": round(float(np.nansum(people[estimated]))),
            },
            lang,
            constants=describe_constants(constants, lang),
        )
    )
    for reason in sorted({r for r in times.reason if r is not None}):
        count = int((times.reason == reason).sum())
        _note(t("cli.warning", lang, message=f"{count} × {t(f'travel.unreachable.{reason}', lang)}"))
    reached = np.isfinite(times.minutes)
    _note(t("cli.travel.written", lang, n=len(frame), path=str(args.out), unreached=int((~reached).sum())))
    return 0


def _isochrones(args: argparse.Namespace) -> int:
    from geo.isochrones import isochrones
    from geo.region import outline_degrees

    lang = args.lang
    region, services, network = _prepare(args)
    bands_frame = isochrones(
        network,
        services,
        analysis_crs=region.analysis_crs,
        minutes=list(args.minutes),
        boundary=outline_degrees(region),
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.out.exists():
        args.out.unlink()
    bands_frame.to_file(args.out, driver="GeoJSON")
    method = bands_frame["method"].iloc[0] if len(bands_frame) else "none"
    _note(t("cli.method", lang, method=t(f"cli.method.{method}", lang), description=bands_frame.attrs["description"]))
    _note(t("cli.bands.written", lang, n=len(bands_frame), path=str(args.out)))
    return 0


def _prepare(args: argparse.Namespace) -> tuple[Region, gpd.GeoDataFrame, RoadNetwork | None]:
    """The region (with stored incident counts, as on the pages), the services and the road network (None: the
    estimate)."""
    from geo.osm import build_network, find_road_file
    from geo.region import outline_degrees
    from planning.analysis import speed_profile_of
    from planning.cli.data import open_region, scenario_services

    lang = args.lang
    region = open_region(args, lang)
    name, services = scenario_services(region, args.scenario, args, lang)  # a wrong --scenario fails first
    for problem in region.warnings:
        _note(t("cli.warning", lang, message=problem.format() if hasattr(problem, "format") else problem))
    if args.scenario is None and region.services.empty:
        _note(t("cli.baseline_used", lang, n=len(services)))
    profile = speed_profile_of(region, speeds_file=args.speeds, adjustments=args.adjust)
    roads = region.roads_path or find_road_file(region.path)
    network = None
    if roads is not None and not args.estimate:
        network = build_network(
            roads,
            analysis_crs=region.analysis_crs,
            profile=profile,
            boundary=outline_degrees(region),
            progress=lambda fraction, message: _note(f"[{fraction:4.0%}] {message}"),
        )
    elif roads is None:
        _note(t("cli.no_roads", lang))
    return region, services, network


def _note(message: str) -> None:
    print(message, file=sys.stderr)
