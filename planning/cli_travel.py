"""Travel commands: ``travel-times`` and ``isochrones``.

Each loads the region folder, builds (or reads from the cache) its road network when the folder has a road file,
and otherwise uses the labelled estimate; the method and the speed profile are printed with every result.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from geo.isochrones import DEFAULT_BANDS_MINUTES, isochrones
from geo.network import RoadNetwork
from geo.osm import build_network, find_road_file
from geo.region import Region, load_region, outline_degrees, read_services, region_outline
from geo.speeds import ADJUSTMENTS
from geo.traveltime import nearest_service_minutes
from planning.analysis import speed_profile_of
from planning.cli import region_argument, speeds_argument
from planning.markup import spreadsheet_frame

TRAVEL_TIME_COLUMNS = ["settlement_id", "minutes", "service_id", "method"]


def register(subparsers) -> None:
    travel = subparsers.add_parser("travel-times", help="minutes from every settlement to its nearest service")
    _common(travel)
    travel.add_argument("--out", type=Path, required=True, help="CSV: settlement_id, minutes, service_id, method")
    travel.set_defaults(handler=_travel_times)

    iso = subparsers.add_parser("isochrones", help="15/30/60-minute bands around each service (GeoJSON)")
    _common(iso)
    iso.add_argument("--minutes", default=",".join(str(m) for m in DEFAULT_BANDS_MINUTES),
                     help="band limits in minutes, comma-separated (default 15,30,60)")
    iso.add_argument("--out", type=Path, required=True, help="GeoJSON: one feature per service and band")
    iso.set_defaults(handler=_isochrones)


def _common(parser) -> None:
    region_argument(parser)
    parser.add_argument("--scenario", type=Path, help="sites CSV with the columns of services.csv "
                        "(default: the region's services)")
    parser.add_argument("--adjust", action="append", default=[], choices=sorted(ADJUSTMENTS),
                        help="switch on a speed adjustment (repeatable), e.g. --adjust winter")
    speeds_argument(parser)
    parser.add_argument("--estimate", action="store_true", help="ignore the road file; use the labelled estimate")


def _travel_times(args) -> int:
    region, services, network = _prepare(args)
    times = nearest_service_minutes(network, region.settlements, services, analysis_crs=region.analysis_crs)
    frame = times.to_frame()[TRAVEL_TIME_COLUMNS]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # NaN (unreachable) is written as empty; ids from the files cannot run as formulas in a spreadsheet
    spreadsheet_frame(frame).to_csv(args.out, index=False, float_format="%.2f")
    _note(f"method {times.method}: {times.description}")
    for warning in times.warnings:
        _note(f"warning: {warning}")
    reached = np.isfinite(times.minutes)
    _note(f"{len(frame)} settlements written to {args.out} ({int((~reached).sum())} without a reachable service)")
    return 0


def _isochrones(args) -> int:
    try:
        bands = [float(m) for m in str(args.minutes).split(",") if m.strip()]
    except ValueError:
        raise SystemExit(f"error: --minutes must be numbers separated by commas; got {args.minutes!r}") from None
    region, services, network = _prepare(args)
    bands_frame = isochrones(network, services, analysis_crs=region.analysis_crs, minutes=bands,
                             boundary=outline_degrees(region))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.out.exists():
        args.out.unlink()
    bands_frame.to_file(args.out, driver="GeoJSON")
    method = bands_frame["method"].iloc[0] if len(bands_frame) else "none"
    _note(f"method {method}: {bands_frame.attrs['description']}")
    _note(f"{len(bands_frame)} bands written to {args.out}")
    return 0


def _prepare(args) -> tuple[Region, object, RoadNetwork | None]:
    region = load_region(args.region)
    for problem in region.warnings:
        _note(f"warning: {problem.format() if hasattr(problem, 'format') else problem}")
    services = region.services
    if args.scenario is not None:
        services = read_services(args.scenario, name=args.scenario.name, outline=region_outline(region),
                                 districts=region.districts, analysis_crs=region.analysis_crs)
    profile = speed_profile_of(region, speeds_file=args.speeds, adjustments=args.adjust)
    roads = region.roads_path or find_road_file(region.path)
    network = None
    if roads is not None and not args.estimate:
        network = build_network(roads, analysis_crs=region.analysis_crs, profile=profile,
                                boundary=outline_degrees(region),
                                progress=lambda fraction, message: _note(f"[{fraction:4.0%}] {message}"))
    elif roads is None:
        _note("no road file in the region folder: using the labelled estimate")
    return region, services, network


def _note(message: str) -> None:
    print(message, file=sys.stderr)
