"""``download-osm``: roads (and missing districts and settlements) for a region outline from OpenStreetMap.

Kept apart from the other travel commands so that it imports little before it checks that the Overpass server
can be reached: without internet it says so within seconds.
"""

from __future__ import annotations

import argparse
import sys

from planning.cli import Subparsers, region_command
from planning.i18n import t


def register(subparsers: Subparsers, lang: str) -> None:
    download = region_command(subparsers, "download-osm", lang)
    download.set_defaults(handler=_download)


def _download(args: argparse.Namespace) -> int:
    from geo.osm import check_overpass_reachable

    check_overpass_reachable()  # before loading the region: offline, fail at once
    from geo.osm import download_region
    from geo.region import load_region, outline_degrees  # imported after the check: offline, fail at once

    written = download_region(
        args.region,
        outline_degrees(load_region(args.region)),
        progress=lambda fraction, message: _note(f"[{fraction:4.0%}] {message}"),
    )
    for kind, path in written.items():
        _note(t("cli.download.written", args.lang, kind=kind, path=str(path)))
    return 0


def _note(message: str) -> None:
    print(message, file=sys.stderr)
