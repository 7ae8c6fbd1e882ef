"""Region commands: ``info`` and ``build-default``."""

from __future__ import annotations

from pathlib import Path

from geo.default_region import DEFAULT_SOURCE_DIR, build_default_region
from geo.region import load_region
from geo.settings import DEFAULT_REGION_DIR
from planning.cli import print_json, region_argument
from planning.summary import region_summary


def register(subparsers) -> None:
    info = subparsers.add_parser("info", help="load and validate a region folder; print counts and warnings")
    region_argument(info)
    info.add_argument("--json", action="store_true", help="print JSON")
    info.set_defaults(handler=_info)

    build = subparsers.add_parser("build-default", help="rebuild the bundled default region from the real Turkistan "
                                                        "data beside the project and package data")
    build.add_argument("--out", type=Path, default=DEFAULT_REGION_DIR, help="folder to write (default: data/default)")
    build.add_argument("--source", type=Path, default=DEFAULT_SOURCE_DIR,
                       help="the real data it is built from (default: ../shared/data/turkistan)")
    build.set_defaults(handler=_build)


def _info(args) -> int:
    region = load_region(args.region)
    summary = region_summary(region)
    if args.json:
        print_json(summary)
        return 0
    print(f"{summary['name']} ({args.region})")
    for key, label in (("districts", "districts"), ("settlements", "settlements"), ("services", "services"),
                       ("incidents", "incidents"), ("population_total", "population (known)"),
                       ("settlements_without_population", "settlements without population")):
        print(f"  {label:32} {summary[key]}")
    if summary["incidents_synthetic"]:
        print("  incidents are SYNTHETIC demo data")
    for warning in summary["warnings"]:
        print(f"warning: {warning}")
    return 0


def _build(args) -> int:
    figures = build_default_region(Path(args.out), source_dir=Path(args.source))
    print(f"wrote {args.out}: {figures['settlements']} settlements in {figures['districts']} districts, "
          f"{figures['services']} baseline services")
    print(f"  KATO codes: {figures['kato_matched']} matched, {figures['kato_ambiguous']} ambiguous, "
          f"{figures['kato_unmatched']} unmatched (listed in {Path(args.out) / 'kato_unmatched.csv'})")
    print(f"  population: {figures['population_osm']} from OSM, {figures['population_geonames']} from GeoNames, "
          f"{figures['population_unknown']} unknown")
    return 0
