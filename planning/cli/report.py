"""Export commands over the one export registry (planning.render.registry), the files of the Reports page:
``python -m planning export KIND`` writes any of them (``region_pdf``, ``district_pdf``, ``png``, ``html``,
``csv``, ``xlsx``, ``headline``, ``bands``, ``gaps``; ``--format settlements|tables|headline|gaps`` as before);
``python -m planning report`` (the PDF of the region, or of one district with ``--district``) and ``python -m
planning map`` (the standalone HTML map) are the same registry's ``region_pdf``/``district_pdf`` and ``html``.

``report`` and ``export`` count on ``--demand people|need|incidents`` (with ``--rate``, ``--draws``, ``--seed`` ...
as ``coverage`` reads them, planning.cli.need): the PDF states the basis with the ranges of its headline figures and
their assumptions; every exported table carries ``demand_basis`` and each settlement's demand, and the headline
figures their ``low`` and ``high``. Incidents as demand are the protected release's cells only.

All use the region's services (the baseline when it has none); ``--scenario`` (a saved scenario's name or id, or a
sites CSV as exported by the scenarios page) is compared against them in the report and exported instead of them.
Incident figures use the counts uploaded to the database, as the pages do, at ``--incident-level`` (district unless
told: the page's rule for presenters; ``settlement`` is what a planner's page offers). ``--district`` takes a
district's id, KATO code or name in any language. Files are written in ``--lang``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from planning.cli import Subparsers, UsageError, region_command, scenario_argument, speeds_argument
from planning.cli.need import DEMAND_BASES, assumptions_of, need_rate_of, range_arguments, rate_arguments
from planning.i18n import t
from planning.render.registry import INCIDENT_LEVELS, kind_names  # light: the registry imports its builders late

if TYPE_CHECKING:
    import geopandas as gpd

    from geo.region import Region
    from planning.analysis import SiteMinutes
    from planning.release import IncidentRelease

__all__ = ["INCIDENT_LEVELS", "register", "write_export"]
REPORT_KINDS = ("region_pdf", "district_pdf")
"""``report``: the registry's PDF of the region, or of the district ``--district`` names."""
MAP_KIND = "html"
"""``map``: the registry's standalone HTML map."""


def register(subparsers: Subparsers, lang: str) -> None:
    report = region_command(subparsers, "report", lang)
    _file_arguments(report, lang, metavar="FILE.pdf", out_help="cli.arg.out_pdf")
    report.set_defaults(handler=_report)

    export = region_command(subparsers, "export", lang)
    export.add_argument("kind", nargs="?", choices=kind_names(), help=t("cli.arg.export_kind", lang))
    export.add_argument("--format", choices=kind_names(), help=argparse.SUPPRESS)  # the earlier spelling of KIND
    _file_arguments(export, lang, metavar="FILE", out_help="cli.arg.out_export")
    export.set_defaults(handler=_export)

    map_parser = region_command(subparsers, "map", lang)
    scenario_argument(map_parser, lang)
    map_parser.add_argument("--out", type=Path, required=True, metavar="FILE.html", help=t("cli.arg.out_html", lang))
    speeds_argument(map_parser, lang)
    map_parser.set_defaults(handler=_map)


def _file_arguments(parser: argparse.ArgumentParser, lang: str, *, metavar: str, out_help: str) -> None:
    """The options ``report`` and ``export`` share: the scenario, the district, the incident level, the file written
    (``--out``, shown as ``metavar`` with the catalog entry ``out_help``), the demand and the speeds."""
    scenario_argument(parser, lang)
    parser.add_argument("--district", metavar="NAME|ID", help=t("cli.arg.district", lang))
    parser.add_argument(
        "--incident-level", choices=INCIDENT_LEVELS, default="district", help=t("cli.arg.incident_level", lang)
    )
    parser.add_argument("--out", type=Path, required=True, metavar=metavar, help=t(out_help, lang))
    _demand_arguments(parser, lang)
    speeds_argument(parser, lang)


def _demand_arguments(parser: argparse.ArgumentParser, lang: str) -> None:
    parser.add_argument("--demand", choices=DEMAND_BASES, default="people", help=t("cli.arg.demand_basis", lang))
    rate_arguments(parser, lang)
    range_arguments(parser, lang)


def _demand(args: argparse.Namespace, region: Region, incidents: IncidentRelease | None) -> dict:
    """``demand_basis``, ``rate`` and ``assumptions`` from the command line (the same options as ``coverage``);
    people and the default assumptions for a command without them (``map``)."""
    if not hasattr(args, "demand"):
        return {"demand_basis": "people", "rate": None, "assumptions": None}
    rate = need_rate_of(args, region, args.lang)
    if args.demand == "incidents" and incidents is None:
        raise UsageError(t("cli.need.no_incidents", args.lang))
    return {"demand_basis": args.demand, "rate": rate, "assumptions": assumptions_of(args)}


def _scenarios(region: Region, args: argparse.Namespace, lang: str) -> list[tuple[str, gpd.GeoDataFrame]]:
    from planning.cli.data import scenario_services

    scenarios = [scenario_services(region, None, args, lang)]  # the region's services, else the baseline
    if args.scenario is not None:
        scenarios.append(scenario_services(region, args.scenario, args, lang))
    return scenarios


def _setup(
    args: argparse.Namespace, region: Region | None = None
) -> tuple[Region, SiteMinutes, IncidentRelease | None]:
    from planning.analysis import incident_release, site_minutes_for, speed_profile_of
    from planning.cli.data import open_region, release_secret, travel_constants

    region = region if region is not None else open_region(args, args.lang)
    minutes = site_minutes_for(
        region,
        profile=speed_profile_of(region, speeds_file=args.speeds),
        constants=travel_constants(region, args, args.lang),
    )
    return region, minutes, incident_release(region, secret=release_secret(args, args.lang))


def write_export(args: argparse.Namespace, name: str) -> int:
    """Build the registry's file ``name`` (a key or an alias) from the command line's region, scenario, demand and
    incident level, write it to ``--out`` and print its path.

    Raises
    ------
    UsageError
        ``district_pdf`` without ``--district``, or a demand basis that cannot be counted (the message says why).
    """
    from planning.analysis import evaluate
    from planning.cli.data import district_id, open_region
    from planning.privacy import small_count_k
    from planning.render.registry import ExportInputs, export_kind

    kind = export_kind(name)
    region = open_region(args, args.lang)
    district = district_id(region, getattr(args, "district", None))  # before the work: a wrong name fails at once
    if kind.needs_district and district is None:
        raise UsageError(t("cli.export.district_required", args.lang, kind=kind.key))
    scenarios = _scenarios(region, args, args.lang)
    region, minutes, incidents = _setup(args, region)
    demand = _demand(args, region, incidents)
    inputs = ExportInputs(
        region,
        scenarios,
        minutes,
        evaluate(region, scenarios[-1][1], minutes, incidents=incidents),
        lang=args.lang,
        incidents=incidents,
        incident_level=getattr(args, "incident_level", "district"),
        k=small_count_k(),
        district_id=district,
        **demand,
    )
    args.out.write_bytes(kind.build(inputs))
    print(args.out)
    return 0


def _report(args: argparse.Namespace) -> int:
    return write_export(args, REPORT_KINDS[args.district is not None])


def _map(args: argparse.Namespace) -> int:
    return write_export(args, MAP_KIND)


def _export(args: argparse.Namespace) -> int:
    """``export KIND`` (or ``--format KIND``): exactly one file kind, named once or twice alike."""
    named = {name for name in (args.kind, args.format) if name is not None}
    if len(named) != 1:
        raise UsageError(t("cli.export.kind_required", args.lang, kinds=", ".join(kind_names())))
    return write_export(args, named.pop())
