"""``download-osm``: the roads inside a region outline from OpenStreetMap, stored as the region's road network in
the deployment's data beside the database (as the Roads page's download; the region folder is not written).

Kept apart from the other travel commands so that it imports little before it checks that the Overpass server
can be reached: without internet it says so within seconds.
"""

from __future__ import annotations

import argparse
import sys

from planning.cli import Subparsers, check_region, db_argument, region_command
from planning.i18n import fmt_number, t


def register(subparsers: Subparsers, lang: str) -> None:
    download = region_command(subparsers, "download-osm", lang)
    download.add_argument("--user", default="cli", help=t("cli.arg.import_user", lang))
    db_argument(download, lang)
    download.set_defaults(handler=_download)


def _download(args: argparse.Namespace) -> int:
    from geo.osm import check_overpass_reachable

    check_overpass_reachable()  # before loading the region: offline, fail at once
    from geo.region import load_region  # imported after the check: offline, fail at once
    from planning.store.roads import download_roads, speeds_in_use

    region = load_region(args.region)
    check_region(args, region.region_id)  # --as-user: only a region of the user's
    done = download_roads(
        region,
        user=args.user,
        profile=speeds_in_use(region, args.db),
        db_path=args.db,
        progress=lambda fraction, message: _note(f"[{fraction:4.0%}] {message}"),
    )
    print(
        t(
            "cli.roads.imported",
            args.lang,
            file=done.record.get("file", ""),
            ways=fmt_number(done.record.get("ways", 0), args.lang),
            km=fmt_number(done.record.get("km", 0.0), args.lang, decimals=1),
            path=str(done.path),
        )
    )
    return 0


def _note(message: str) -> None:
    print(message, file=sys.stderr)
