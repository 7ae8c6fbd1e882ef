"""The demand basis, the rate of expected need and the ranges' assumptions on the command line.

``--demand people|need|incidents``, ``--rate R`` (``--rate-low``, ``--rate-high``, ``--rate-source``), ``--draws N``,
``--seed S``, ``--speed-low``, ``--speed-high``: shared by ``coverage`` and ``suggest`` so both read them the same way.

``need-rate show|set|remove``: the deployment's own rate of a region (:mod:`planning.store.need`), audited with
``--user`` as the Need page does with the signed-in user.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from planning.cli import Subparsers, UsageError, check_region
from planning.i18n import fmt_datetime, fmt_number, t

if TYPE_CHECKING:
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


# --------------------------------------------------------------------------------------------------------
# need-rate: the deployment's own rate (planning.store.need), shown, set or removed like the pages do
# --------------------------------------------------------------------------------------------------------
RATE_ACTIONS = ("show", "set", "remove")
"""What ``need-rate`` does: print the rate in use, store one, or remove the stored one."""


def register(subparsers: Subparsers, lang: str) -> None:
    """``need-rate show|set|remove``."""
    from planning.cli import db_argument, region_command

    command = region_command(subparsers, "need-rate", lang)
    command.add_argument("action", choices=RATE_ACTIONS, help=t("cli.arg.need_rate_action", lang))
    rate_arguments(command, lang)
    command.add_argument(
        "--basis", choices=("residents", "women_18_75"), default="residents", help=t("cli.arg.rate_basis", lang)
    )
    command.add_argument("--user", default="cli", help=t("cli.arg.need_rate_user", lang))
    command.add_argument("--json", action="store_true", help=t("cli.arg.json", lang))
    db_argument(command, lang)
    command.set_defaults(handler=_need_rate)


def _need_rate(args: argparse.Namespace) -> int:
    from geo.region import load_region
    from planning.cli import print_json
    from planning.need import NeedRateError, rate_from_meta
    from planning.store.need import (
        FIELD_OPTIONS,
        RateFieldError,
        rate_set_by,
        remove_rate,
        save_rate,
        stored_rate_problem,
        with_stored_rate,
    )

    lang = args.lang
    region = load_region(args.region)
    check_region(args, region.region_id)  # --as-user: only a region of the user's
    given = [args.rate, args.rate_low, args.rate_high, args.rate_source]
    if args.action != "set" and any(v is not None for v in given):
        raise UsageError(t("cli.needrate.options_with_set", lang))
    if args.action == "set":
        value = {
            "per_1000": args.rate,
            "low": args.rate_low,
            "high": args.rate_high,
            "source": args.rate_source,
            "basis": args.basis,
        }
        try:
            save_rate(region, value, user=args.user, db_path=args.db)
        except RateFieldError as error:
            params: dict[str, Any] = {k: str(v) for k, v in error.params.items()}
            raise UsageError(
                t(f"needrate.err.{error.key}", lang, field=FIELD_OPTIONS[error.field], **params)
            ) from error
        print(t("cli.needrate.saved", lang))
    elif args.action == "remove":
        removed = remove_rate(region, user=args.user, db_path=args.db)
        print(t("cli.needrate.removed" if removed else "cli.needrate.nothing_removed", lang))
    in_use = with_stored_rate(region, args.db)
    try:
        rate = rate_from_meta(in_use.meta)
    except NeedRateError as error:
        raise UsageError(str(error)) from error
    setter = rate_set_by(in_use.meta)
    problem = stored_rate_problem(region, args.db)
    if args.json:
        print_json(
            {
                "region": region.region_id,
                "rate": rate_report(rate),
                "from": "stored" if setter else ("region.json" if rate is not None else None),
                "set_by": setter.get("by") if setter else None,
                "set_at": setter.get("at") if setter else None,
                "entered": setter.get("entered") if setter else None,
                "stored_unusable": problem,
            }
        )
        return 0
    if problem is not None:
        print(t("cli.needrate.stored_unusable", lang, reason=problem))
    if rate is None:
        print(t("cli.needrate.none", lang))
        return 0
    print(
        t(
            "cli.need.rate",
            lang,
            rate=fmt_number(rate.per_1000, lang, decimals=2),
            low=fmt_number(rate.low, lang, decimals=2),
            high=fmt_number(rate.high, lang, decimals=2),
            source=rate.source,
        )
    )
    print(
        t(
            "cli.needrate.set_by",
            lang,
            user=setter.get("by", "?"),
            at=fmt_datetime(setter["at"], lang) if setter.get("at") else "",
        )
        if setter
        else t("cli.needrate.from_region", lang)
    )
    return 0
