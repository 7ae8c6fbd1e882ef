"""``python -m planning circuits``: mobile-team circuits that visit every remote village once per cycle (issue 20).

``python -m planning circuits --region R [--scenario S] --teams TEAMS.csv --minutes T [--districts A,B] [--json]
[--out F.xlsx]`` prints, per team and day, the villages in order with arrival minutes and the day's total, and the
villages left out with their reason. The teams file has the columns name, base, day_hours, visit_minutes, days.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from geo.settings import DEFAULT_GAP_MINUTES
from planning.cli import (
    Subparsers,
    UsageError,
    existing_file,
    print_json,
    region_command,
    scenario_argument,
    speeds_argument,
)
from planning.i18n import fmt_number, t

if TYPE_CHECKING:
    import geopandas as gpd

    from geo.region import Region
    from planning.analysis import SiteMinutes
    from planning.circuit_data import CircuitInput
    from planning.circuits import Plan, Team

ENGINE_CHOICES = ("vroom", "ortools", "nearest")
"""planning.circuits.ENGINES plus the nearest-neighbour baseline (a test checks they agree)."""
OUT_SUFFIXES = (".xlsx", ".pdf")


def register(subparsers: Subparsers, lang: str) -> None:
    parser = region_command(subparsers, "circuits", lang)
    scenario_argument(parser, lang)
    parser.add_argument(
        "--teams", required=True, type=existing_file(lang), metavar="TEAMS.csv", help=t("cli.arg.teams", lang)
    )
    parser.add_argument(
        "--minutes",
        type=float,
        default=DEFAULT_GAP_MINUTES,
        metavar="T",
        help=t("cli.arg.circuit_minutes", lang) + f" ({DEFAULT_GAP_MINUTES:g})",
    )
    parser.add_argument("--districts", metavar="NAME|ID[,...]", help=t("cli.arg.districts", lang))
    parser.add_argument("--engine", choices=ENGINE_CHOICES, default=ENGINE_CHOICES[0], help=t("cli.arg.engine", lang))
    parser.add_argument("--time-limit-s", type=float, default=None, metavar="S", help=t("cli.arg.time_limit", lang))
    parser.add_argument("--out", metavar="F.xlsx|F.pdf", help=t("cli.arg.circuit_out", lang))
    parser.add_argument("--fewest-teams", action="store_true", help=t("cli.arg.fewest_teams", lang))
    parser.add_argument("--json", action="store_true", help=t("cli.arg.json", lang))
    speeds_argument(parser, lang)
    parser.set_defaults(handler=_circuits)


def _circuits(args: argparse.Namespace) -> int:
    from planning.analysis import site_minutes_for, speed_profile_of
    from planning.circuit_data import read_teams
    from planning.circuits import TeamError
    from planning.cli.data import district_id, open_region, scenario_services, travel_constants

    lang = args.lang
    if args.out and not str(args.out).lower().endswith(OUT_SUFFIXES):
        raise UsageError(t("cli.circuits.bad_out", lang, path=args.out))
    if not args.minutes > 0:
        raise UsageError(t("cli.bad_minutes", lang, got=args.minutes))
    try:
        teams = read_teams(args.teams)
    except TeamError as exc:
        raise UsageError(f"{args.teams}: {exc.message(lang)}") from None
    region = open_region(args, lang)
    districts = None
    if args.districts:
        districts = [district_id(region, part.strip()) for part in args.districts.split(",") if part.strip()]
    name, services = scenario_services(region, args.scenario, args, lang)
    site_minutes = site_minutes_for(
        region,
        profile=speed_profile_of(region, speeds_file=args.speeds),
        constants=travel_constants(region, args, lang),
    )
    bar = _ProgressBar(enabled=not args.json and sys.stderr.isatty())
    if args.fewest_teams:
        from planning.circuit_data import size_region

        sized = size_region(
            region,
            services,
            teams[0][1],
            site_minutes,
            threshold_minutes=args.minutes,
            districts=[d for d in districts if d] if districts else None,
            engine=args.engine,
            time_limit_s=args.time_limit_s,
            progress=bar,
        )
        if sized is None:
            raise UsageError(t("cli.circuits.no_size", lang))
        data, plan = sized
    else:
        data, plan = _plan(region, services, teams, site_minutes, args, districts, bar)
    bar.done()
    _report_and_print(args, region, name, site_minutes, districts, data, plan)
    return 0


def _plan(
    region: Region,
    services: gpd.GeoDataFrame,
    teams: list[tuple[int, Team]],
    site_minutes: SiteMinutes,
    args: argparse.Namespace,
    districts: list[str | None] | None,
    bar: _ProgressBar,
) -> tuple[CircuitInput, Plan]:
    from planning.circuit_data import plan_region
    from planning.circuits import TeamError

    lang = args.lang
    try:
        return plan_region(
            region,
            services,
            teams,
            site_minutes,
            threshold_minutes=args.minutes,
            districts=[d for d in districts if d] if districts else None,
            engine=args.engine,
            time_limit_s=args.time_limit_s,
            progress=bar,
        )
    except TeamError as exc:
        raise UsageError(f"{args.teams}: {exc.message(lang)}") from None


def _report_and_print(
    args: argparse.Namespace,
    region: Region,
    name: str,
    site_minutes: SiteMinutes,
    districts: list[str | None] | None,
    data: CircuitInput,
    plan: Plan,
) -> None:
    from planning.circuit_data import in_language, plan_report

    lang = args.lang
    report = {
        "region": region.region_id,
        "scenario": name,
        "minutes": args.minutes,
        "districts": districts,
        "method": site_minutes.method,
        "method_text": site_minutes.describe(lang),
        **plan_report(region, data, plan),
    }
    report = in_language(report, lang)  # the villages named for this reader, never by id
    if args.out:
        from planning.render.routesheets import write_pdf, write_xlsx

        (write_pdf if str(args.out).lower().endswith(".pdf") else write_xlsx)(report, args.out, lang)
    if args.json:
        print_json(report)
    else:
        print(circuits_text(report, lang))


class _ProgressBar:
    """A one-line progress bar on stderr (only on a terminal)."""

    WIDTH = 30

    def __init__(self, *, enabled: bool):
        self.enabled = enabled

    def __call__(self, share: float) -> None:
        if self.enabled:
            filled = int(self.WIDTH * max(0.0, min(1.0, share)))
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] {share * 100:5.1f}%")
            sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def circuits_text(report: dict, lang: str) -> str:
    """The plan as text in ``lang``: per team and day the villages in order with arrival minutes, then those left
    out with their reason, then the figures."""
    lines = []
    for team in report["teams"]:
        lines.append(t("cli.circuits.team", lang, name=team["name"], base=team["base"], days=len(team["days"])))
        for day in team["days"]:
            stops = ", ".join(f"{s['name']} ({_clock(s['arrival_minutes'])})" for s in day["stops"])
            lines.append(
                t(
                    "cli.circuits.day",
                    lang,
                    day=day["day"],
                    stops=stops,
                    total=_clock(day["total_minutes"]),
                    drive=fmt_number(day["drive_minutes"], lang),
                )
            )
    for left in report["left_out"]:
        lines.append(
            t(
                "cli.circuits.left_out",
                lang,
                name=left["name"],
                reason=t(f"circuits.reason.{left['reason']}", lang),
                minutes="—"
                if left["best_round_trip_minutes"] is None
                else fmt_number(left["best_round_trip_minutes"], lang),
            )
        )
    f = report["figures"]
    lines.append(
        t(
            "cli.circuits.figures",
            lang,
            visited=f["villages_visited"],
            required=f["villages_required"],
            team_days=f["team_days"],
            available=f["team_days_available"],
            bound=f["lower_bound_team_days"],
            filled=f["populations_filled"],
            engine=report["engine"],
        )
    )
    return "\n".join(lines)


def _clock(minutes: float) -> str:
    """Minutes after leaving the base as h:mm."""
    whole = int(round(minutes))
    return f"{whole // 60}:{whole % 60:02d}"
