"""``python -m planning COMMAND``: every figure a page shows can be reproduced from the shell.

Exit codes: 0 success, 2 invalid input (the message on stderr, no traceback), 1 any other failure.
Each topic registers its own subcommands through a ``register(subparsers)`` function; :data:`COMMANDS` says
which module holds which command, so that running one command imports only its module (the others pull in
maps, PDFs and the planning core, seconds of imports a command such as ``download-osm`` does not need).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

from geo.errors import QorgauError, ValidationError

COMMANDS = {
    "info": "planning.cli_region", "build-default": "planning.cli_region",
    "create-admin": "planning.cli_admin", "audit": "planning.cli_admin", "import-incidents": "planning.cli_admin",
    "travel-times": "planning.cli_travel", "isochrones": "planning.cli_travel",
    "download-osm": "planning.cli_download",
    "report": "planning.cli_report", "map": "planning.cli_report",
    "coverage": "planning.cli_coverage", "compare": "planning.cli_coverage",
    "suggest": "planning.cli_suggest",
}
"""Command name → the module that registers it."""
COMMAND_MODULES = list(dict.fromkeys(COMMANDS.values()))


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with a known ``command``, only that command's module is imported."""
    parser = argparse.ArgumentParser(prog="python -m planning", description="Qorgau: plan where support services stand.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in [COMMANDS[command]] if command in COMMANDS else COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    command = next((word for word in argv if not word.startswith("-")), None)
    parser = build_parser(command)
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except ValidationError as exc:
        print(f"error: invalid input:\n{exc}", file=sys.stderr)
        return 2
    except (QorgauError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # the CLI promises no traceback; say what failed and how to see more
        print(f"error: {type(exc).__name__}: {exc} (set QORGAU_DEBUG=1 for a traceback)", file=sys.stderr)
        if _debug():
            raise
        return 1


def _debug() -> bool:
    import os

    return os.environ.get("QORGAU_DEBUG") == "1"


def print_json(value) -> None:
    """Print a JSON document the same way for every command (UTF-8, sorted keys, NaN as null)."""
    print(json.dumps(_jsonable(value), ensure_ascii=False, indent=2, sort_keys=True))


def _jsonable(value):
    import math

    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def region_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--region", required=True, type=Path, help="region folder (see DESIGN.md)")


def speeds_argument(parser: argparse.ArgumentParser) -> None:
    """``--speeds FILE``: class speeds that override the region folder's ``speeds.csv`` (see geo/speeds.py)."""
    parser.add_argument("--speeds", type=Path, metavar="FILE",
                        help="speeds CSV (highway,speed_kmh[,use_maxspeed]) used instead of the region folder's "
                             "speeds.csv or the built-in speeds")
