"""The demand basis, the rate of expected need and the ranges' assumptions on the command line.

``--demand people|need|incidents``, ``--rate R`` (``--rate-low``, ``--rate-high``, ``--rate-source``), ``--draws N``,
``--seed S``, ``--speed-low``, ``--speed-high``: shared by ``coverage`` and ``suggest`` so both read them the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from planning.cli import UsageError
from planning.i18n import t

if TYPE_CHECKING:
    import argparse

    from geo.region import Region
    from planning.need import NeedRate
    from planning.ranges import Assumptions

DEMAND_BASES = ("people", "need", "incidents")
"""planning.need.DEMAND_BASES (a test checks they agree)."""
DEFAULT_DRAWS = 200
"""planning.ranges.DEFAULT_DRAWS (a test checks they agree)."""
DEFAULT_SEED = 20170101
"""planning.ranges.DEFAULT_SEED (a test checks they agree)."""
DEFAULT_SPEED_LOW, DEFAULT_SPEED_HIGH = -0.20, 0.10
"""planning.ranges.DEFAULT_SPEED_LOW and _HIGH (a test checks they agree)."""
COMMAND_LINE_SOURCE = "--rate on the command line (no source given)"
"""The source of a rate given by ``--rate`` without ``--rate-source``."""


def rate_arguments(parser: argparse.ArgumentParser, lang: str) -> None:
    """``--rate``, ``--rate-low``, ``--rate-high``, ``--rate-source``."""
    parser.add_argument("--rate", type=float, metavar="PER_1000", help=t("cli.arg.rate", lang))
    parser.add_argument("--rate-low", type=float, metavar="PER_1000", help=t("cli.arg.rate_low", lang))
    parser.add_argument("--rate-high", type=float, metavar="PER_1000", help=t("cli.arg.rate_high", lang))
    parser.add_argument("--rate-source", metavar="TEXT", help=t("cli.arg.rate_source", lang))


def range_arguments(parser: argparse.ArgumentParser, lang: str) -> None:
    """``--draws``, ``--seed``, ``--speed-low``, ``--speed-high``."""
    parser.add_argument("--draws", type=int, default=DEFAULT_DRAWS, metavar="N", help=t("cli.arg.draws", lang))
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, metavar="S", help=t("cli.arg.seed", lang))
    parser.add_argument(
        "--speed-low", type=float, default=DEFAULT_SPEED_LOW, metavar="X", help=t("cli.arg.speed_low", lang)
    )
    parser.add_argument(
        "--speed-high", type=float, default=DEFAULT_SPEED_HIGH, metavar="X", help=t("cli.arg.speed_high", lang)
    )


def need_rate_of(args: argparse.Namespace, region: Region, lang: str) -> NeedRate | None:
    """The rate given by ``--rate`` (with its range and source), else the region's default (region.json), else None.

    Raises
    ------
    UsageError
        ``--demand need`` without any rate, or a rate that cannot be used (the message says which option to fix).
    """
    from planning.need import NeedRateError, need_rate, rate_from_meta

    try:
        if args.rate is not None:
            rate: NeedRate | None = need_rate(
                args.rate, low=args.rate_low, high=args.rate_high, source=args.rate_source or COMMAND_LINE_SOURCE
            )
        else:
            if args.rate_low is not None or args.rate_high is not None:
                raise UsageError(t("cli.need.range_without_rate", lang))
            rate = rate_from_meta(region.meta)
    except NeedRateError as error:
        raise UsageError(str(error)) from error
    if args.demand == "need" and rate is None:
        raise UsageError(t("cli.need.no_rate", lang))
    return rate


def assumptions_of(args: argparse.Namespace) -> Assumptions:
    """The ranges' assumptions from ``--draws``, ``--seed``, ``--speed-low`` and ``--speed-high``."""
    from planning.ranges import Assumptions, RangeError

    try:
        return Assumptions(speed_low=args.speed_low, speed_high=args.speed_high, draws=args.draws, seed=args.seed)
    except RangeError as error:
        raise UsageError(str(error)) from error


def rate_report(rate: NeedRate | None) -> dict | None:
    """The rate as JSON: ``per_1000``, ``low``, ``high``, ``source``; None without one."""
    if rate is None:
        return None
    return {"per_1000": rate.per_1000, "low": rate.low, "high": rate.high, "source": rate.source}
