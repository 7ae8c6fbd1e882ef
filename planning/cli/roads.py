"""``import-roads``: make an OSM file or a road line layer the region's road network in use, stored in the
deployment's data beside the database (the one the pages use), or drop it again with ``--remove``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from planning.cli import Subparsers, UsageError, check_region, db_argument, region_command
from planning.i18n import fmt_number, t


def register(subparsers: Subparsers, lang: str) -> None:
    command = region_command(subparsers, "import-roads", lang)
    command.add_argument("file", nargs="?", type=Path, metavar="FILE", help=t("cli.arg.road_file", lang))
    command.add_argument("--remove", action="store_true", help=t("cli.arg.remove_roads", lang))
    command.add_argument("--user", default="cli", help=t("cli.arg.import_user", lang))
    db_argument(command, lang)
    command.set_defaults(handler=_import_roads)


def _import_roads(args: argparse.Namespace) -> int:
    from geo.region import load_region
    from planning.store.roads import import_roads, remove_roads, roads_in_use, speeds_in_use

    lang = args.lang
    if args.remove == (args.file is not None):
        raise UsageError(t("cli.roads.file_or_remove", lang))
    region = load_region(args.region)
    check_region(args, region.region_id)  # --as-user: only a region of the user's
    if args.remove:
        removed = remove_roads(region, user=args.user, db_path=args.db)
        now = roads_in_use(region, args.db)
        name = now.path.name if now.path is not None else "—"
        print(t("cli.roads.removed" if removed else "cli.roads.nothing_removed", lang, file=name))
        return 0
    done = import_roads(
        region,
        args.file,
        user=args.user,
        profile=speeds_in_use(region, args.db),
        db_path=args.db,
        progress=lambda fraction, message: print(f"[{fraction:4.0%}] {message}", file=sys.stderr),
    )
    print(
        t(
            "cli.roads.imported",
            lang,
            file=done.record.get("file", ""),
            ways=fmt_number(done.record.get("ways", 0), lang),
            km=fmt_number(done.record.get("km", 0.0), lang, decimals=1),
            path=str(done.path),
        )
    )
    return 0
