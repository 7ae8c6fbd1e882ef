"""What the commands read, the way the pages read it: the region with the incident counts uploaded for it, the
services of a scenario (the region's own, else the baseline; a saved scenario by name or id; or a sites CSV), a
district by name or code.

Imported by command handlers only (it pulls in geopandas); the parsers in ``planning/cli*.py`` do not need it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from planning.cli import UsageError, check_region
from planning.i18n import t

if TYPE_CHECKING:
    import geopandas as gpd

    from geo.region import Region
    from geo.traveltime import TravelConstants
    from planning.scenarios import Scenario

SITES_FILE_SUFFIXES = (".csv", ".txt")
"""A ``--scenario`` value ending so (or holding a folder separator) is a file, never a scenario name."""


def database(args: argparse.Namespace, lang: str) -> Path | None:
    """The database to read: ``--db`` (which must exist), else the app's (planning.store.db.default_db_path), or None
    when the app has not created it yet (then nothing was uploaded or saved). Reading never creates a database."""
    from planning.store.db import default_db_path

    given = getattr(args, "db", None)
    if given is not None:
        if not Path(given).is_file():
            raise UsageError(t("cli.no_db", lang, path=str(given)))
        return Path(given)
    path = default_db_path()
    return path if path.is_file() else None


def release_secret(args: argparse.Namespace, lang: str) -> bytes:
    """The release secret of the database the command reads (``--db`` or the app's), so that a command shows the
    perturbed counts the pages show on that database: ``QORGAU_RELEASE_SECRET`` when set, else the database's own
    (planning.store.release.deployment_secret)."""
    from planning.store.release import deployment_secret

    return deployment_secret(database(args, lang))


def travel_constants(region: Region, args: argparse.Namespace, lang: str) -> TravelConstants:
    """The region's travel constants as the pages use them: the ones stored on the Roads page in the database the
    command reads (``--db`` or the app's), else the defaults.

    Raises
    ------
    UsageError
        When the stored constants no longer pass the checks (the message says which and how to fix it).
    """
    from geo.traveltime import TravelConstants, TravelConstantsError
    from planning.analysis import TRAVEL_CONSTANTS_KEY
    from planning.store.settings import RegionSettingsStore

    path = database(args, lang)
    stored = None if path is None else RegionSettingsStore(path).get(region.region_id, TRAVEL_CONSTANTS_KEY)
    if stored is None:
        return TravelConstants()
    try:
        return TravelConstants.from_dict(stored.value)
    except TravelConstantsError as error:
        raise UsageError(t("travel.stored_invalid", lang, reason=str(error))) from error


def open_region(args: argparse.Namespace, lang: str) -> Region:
    """``--region`` loaded, with the incident counts and populations uploaded for it in the database laid over the
    folder's, as the pages show them (planning.store.stored.with_stored_figures)."""
    from geo.region import load_region
    from planning.store.stored import with_stored_figures, without_uploads

    region = load_region(args.region)
    check_region(args, region.region_id)  # --as-user: before anything stored for the region is read
    path = database(args, lang)
    return without_uploads(region) if path is None else with_stored_figures(region, path)


def saved_scenarios(region: Region, args: argparse.Namespace, lang: str) -> list[Scenario]:
    """The region's saved scenarios (in use, not archived) in the database; [] without a database."""
    from planning.store.scenarios import ScenarioStore

    path = database(args, lang)
    return [] if path is None else ScenarioStore(path).list_scenarios(region.region_id)


def scenario_services(
    region: Region, value: str | None, args: argparse.Namespace, lang: str
) -> tuple[str, gpd.GeoDataFrame]:
    """The services a command evaluates, and the name to print for them.

    Parameters
    ----------
    value : str or None
        None: the region's services, else the baseline of district centres (planning.baseline.current_services,
        as on the pages). A path to an existing file, or a value ending in ``.csv``: a sites CSV with the
        columns of services.csv. Anything else: a saved scenario's id or name (case and spaces do not count).

    Returns
    -------
    (str, GeoDataFrame)

    Raises
    ------
    UsageError
        A sites file that does not exist.
    planning.lookup.NotFoundError
        No saved scenario of that name or id (its ``choices`` list those there are).
    """
    from planning.baseline import baseline_name, current_services, services_are_baseline

    if value is None:
        baseline = region.services.empty or services_are_baseline(region)
        name = baseline_name(region, lang) if baseline else t("report.scenario_current", lang)
        return name, current_services(region)
    path = Path(value)
    if path.is_file():
        return path.stem, sites_file_services(region, path)
    if path.suffix.lower() in SITES_FILE_SUFFIXES or "/" in str(value) or "\\" in str(value):
        raise UsageError(t("cli.no_sites_file", lang, path=str(value)))
    from planning.lookup import find_scenario
    from planning.scenarios import sites_to_services

    scenario = find_scenario(saved_scenarios(region, args, lang), value)
    return scenario.name, sites_to_services(scenario.sites)


def sites_file_services(region: Region, path: Path) -> gpd.GeoDataFrame:
    """A sites CSV (the columns of services.csv) read and checked against the region, as services."""
    from geo.region import read_services, region_outline

    return read_services(
        Path(path),
        name=Path(path).name,
        outline=region_outline(region),
        districts=region.districts,
        analysis_crs=region.analysis_crs,
    )


def district_id(region: Region, value: str | None) -> str | None:
    """The district ``--district`` names (an id, a KATO code or a name in any language), or None when not given.

    Raises
    ------
    planning.lookup.NotFoundError
        It names no district of the region (the error lists them).
    """
    if value is None:
        return None
    from planning.lookup import find_district

    return find_district(region.districts, value)
