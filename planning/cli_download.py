"""``download-osm``: roads (and missing districts and settlements) for a region outline from OpenStreetMap.

Kept apart from the other travel commands so that it imports little before it checks that the Overpass server
can be reached: without internet it says so within seconds.
"""

from __future__ import annotations

import sys

from geo.osm import check_overpass_reachable, download_region
from planning.cli import region_argument


def register(subparsers) -> None:
    download = subparsers.add_parser("download-osm", help="download roads (and missing districts/settlements) "
                                     "for the region outline from OpenStreetMap; needs internet")
    region_argument(download)
    download.set_defaults(handler=_download)


def _download(args) -> int:
    check_overpass_reachable()  # before loading the region: offline, fail at once
    from geo.region import load_region, outline_degrees  # imported after the check: offline, fail at once

    written = download_region(args.region, outline_degrees(load_region(args.region)),
                              progress=lambda fraction, message: _note(f"[{fraction:4.0%}] {message}"))
    for kind, path in written.items():
        _note(f"{kind}: {path}")
    return 0


def _note(message: str) -> None:
    print(message, file=sys.stderr)
