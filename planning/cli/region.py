"""Region commands: ``info`` (counts, warnings and the districts with their ids and names) and ``build-default``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from planning.cli import Subparsers, command_parser, db_argument, print_json, region_command
from planning.i18n import fmt_number, t

if TYPE_CHECKING:
    from geo.region import Region


def register(subparsers: Subparsers, lang: str) -> None:
    from geo.settings import DEFAULT_REGION_DIR  # light: paths and names only

    info = region_command(subparsers, "info", lang)
    db_argument(info, lang)
    info.add_argument("--json", action="store_true", help=t("cli.arg.json", lang))
    info.set_defaults(handler=_info)

    build = command_parser(subparsers, "build-default", lang)
    build.add_argument("--out", type=Path, default=DEFAULT_REGION_DIR, metavar="DIR", help=t("cli.arg.out_dir", lang))
    build.add_argument("--source", type=Path, default=None, metavar="DIR", help=t("cli.arg.default_source", lang))
    build.set_defaults(handler=_build)


INFO_LINES = ("districts", "settlements", "services", "incidents", "population_total", "settlements_without_population")
"""The counts ``info`` prints, in order (labels ``cli.info.<key>``)."""


def district_rows(region: Region) -> list[dict[str, str]]:
    """Every district of the region: its id and its names (the ones it has), for ``info``."""
    from planning.lookup import NAME_COLUMNS

    rows = []
    for _, row in region.districts.iterrows():
        names = {
            c: row[c] for c in NAME_COLUMNS if c in region.districts.columns and isinstance(row[c], str) and row[c]
        }
        rows.append({"district_id": str(row["district_id"]), **names})
    return rows


def _info(args: argparse.Namespace) -> int:
    from planning.cli.data import database, open_region, release_secret
    from planning.store.roads import described_in_use, roads_in_use, speeds_in_use
    from planning.summary import region_summary

    lang = args.lang
    region = open_region(args, lang)
    summary = region_summary(region, secret=release_secret(args, lang))
    db_path = database(args, lang)
    in_use = roads_in_use(region, db_path)
    summary["roads"] = described_in_use(region, in_use, profile=speeds_in_use(region, db_path)).summary()
    districts = district_rows(region)
    if args.json:
        print_json({**summary, "district_list": districts})
        return 0
    print(f"{region.name(lang)} ({args.region})")
    for key in INFO_LINES:
        print(f"  {t(f'cli.info.{key}', lang):32} {summary[key]}")
    roads = summary["roads"]
    if roads["file"] is not None:
        km = "—" if roads["km"] is None else fmt_number(roads["km"], lang, decimals=1)
        origin = t("cli.info.roads." + roads["origin"], lang)
        print(f"  {t('cli.info.roads', lang):32} {roads['file']} ({origin}, {km} km)")
    if summary["incidents_synthetic"]:
        print("  " + t("cli.info.synthetic", lang))
    for warning in summary["warnings"]:
        print(t("cli.warning", lang, message=warning))
    if districts:
        print(t("cli.info.district_list", lang))
        for row in districts:
            names = " / ".join(dict.fromkeys(v for k, v in row.items() if k != "district_id"))
            print(f"  {row['district_id']:<12} {names}")
    return 0


def _build(args: argparse.Namespace) -> int:
    from geo.default_region import DEFAULT_SOURCE_DIR, build_default_region

    figures = build_default_region(Path(args.out), source_dir=Path(args.source or DEFAULT_SOURCE_DIR))
    print(t("cli.wrote", lang=args.lang, path=str(args.out)))
    print(
        f"  {figures['settlements']} settlements in {figures['districts']} districts, "
        f"{figures['services']} baseline services"
    )
    print(
        f"  KATO codes: {figures['kato_matched']} matched, {figures['kato_ambiguous']} ambiguous, "
        f"{figures['kato_unmatched']} unmatched (listed in {Path(args.out) / 'kato_unmatched.csv'})"
    )
    print(
        f"  population: {figures['population_osm']} from OSM, {figures['population_geonames']} from GeoNames, "
        f"{figures['population_unknown']} unknown"
    )
    return 0
