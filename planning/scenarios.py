"""Placement scenarios: sites, pure edits on them, and the values a saved scenario is read back as.

A scenario is a name, a region id and a list of sites. Every save appends a version
(:class:`planning.store.scenarios.ScenarioStore`, the append-only, hash-chained SQLite table of every version), so
``undo`` is itself a new version. A save names the version the editor started from (``base_version``): when someone
saved in between, it is refused with :class:`ScenarioConflict` (who, when) instead of silently dropping their
change, and the editor can apply their :class:`Edit` again on the newest version (:func:`apply_edit`). Names are
unique per region (case and spaces do not count, :func:`scenario_name_key`); a scenario is renamed or archived
(hidden from lists, kept with its history), never deleted.
"""

from __future__ import annotations

import csv
import io
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import Problem, QorgauError, ValidationError
from geo.schema import SERVICE_COLUMNS, SERVICE_KINDS, SERVICES_CSV_COLUMNS
from geo.settings import STORAGE_CRS
from planning.markup import from_spreadsheet_cell, spreadsheet_cell

if TYPE_CHECKING:
    from geo.region import Region

SCENARIO_FILE_NAME = "scenario.csv"
"""Name used in validation messages for an imported scenario file."""
MAX_SCENARIO_NAME_CHARS = 120
"""Longest scenario name, in characters."""
NEW_SITE_ID_PREFIX = "site-"
"""Ids of sites added on the page: ``site-1``, ``site-2``, ..."""
MAX_SCENARIO_SITES = 1_000
"""Sites an imported scenario file may have (the region has 21 districts; a thousand sites is a mistake, and each
site costs a travel-time search)."""


class ScenarioError(QorgauError, LookupError):
    """A scenario, version or site that does not exist (or nothing left to undo, or a change it cannot take)."""


class BaselineReadOnly(ScenarioError):
    """The region's baseline scenario cannot be changed (saved, undone, renamed, archived or imported over); nothing
    was changed. Copy it to a new scenario and change the copy.

    Attributes
    ----------
    scenario_id : int
    name : str
    """

    def __init__(self, scenario_id: int, name: str, what: str):
        self.scenario_id, self.name = scenario_id, name
        super().__init__(
            f"scenario {scenario_id} ({name!r}) is the region's baseline, the official plan, and is read-only: "
            f"it cannot be {what}; nothing was changed. Fix: copy it to a new scenario and change the copy."
        )


class ScenarioNameError(QorgauError, ValueError):
    """A scenario name that is empty, too long, or taken by another scenario of the region.

    Attributes
    ----------
    reason : {"empty", "too_long", "taken"}
    name : str
        The name asked for (cleaned).
    other : Scenario or None
        For ``taken``: the scenario that has the name (possibly archived).
    """

    def __init__(self, message: str, *, reason: str, name: str, other: Scenario | None = None):
        super().__init__(message)
        self.reason, self.name, self.other = reason, name, other


class ScenarioConflict(QorgauError, RuntimeError):
    """Someone saved the scenario after the version this editor started from; nothing was saved.

    Attributes
    ----------
    scenario_id : int
    name : str
    base_version : int
        The version the editor started from.
    latest_version : int
        The newest version now.
    authors : tuple of str
        Who saved the versions after ``base_version``, oldest first, each once.
    saved_at : str
        When the newest version was saved (ISO 8601 UTC).
    """

    def __init__(
        self,
        *,
        scenario_id: int,
        name: str,
        base_version: int,
        latest_version: int,
        authors: tuple[str, ...],
        saved_at: str,
    ):
        self.scenario_id, self.name = scenario_id, name
        self.base_version, self.latest_version = base_version, latest_version
        self.authors, self.saved_at = authors, saved_at
        super().__init__(
            f"scenario {scenario_id} ({name!r}) was changed by {', '.join(authors) or '?'} (last at {saved_at}, now "
            f"version {latest_version}) after this edit started from version {base_version}; nothing was saved. "
            f"Fix: reload the scenario, or apply the change again on version {latest_version}."
        )


# --------------------------------------------------------------------------------------------------------
# sites and pure edits
# --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Site:
    """One service site of a scenario.

    Attributes
    ----------
    service_id, name : str
    kind : {"permanent", "mobile"}
    lat, lon : float
        Degrees, EPSG:4326.
    capacity : float
        Cases at a time; NaN = unknown.
    reach_minutes : float
        A mobile team's own reach in minutes; NaN = the analysis threshold.
    """

    service_id: str
    name: str
    kind: str
    lat: float
    lon: float
    capacity: float = math.nan
    reach_minutes: float = math.nan

    def __post_init__(self) -> None:
        for attribute in ("lat", "lon", "capacity", "reach_minutes"):
            value = math.nan if getattr(self, attribute) is None else float(getattr(self, attribute))
            # One NaN object for every unknown, so equal sites compare equal (tuples compare `is` first).
            object.__setattr__(self, attribute, math.nan if math.isnan(value) else value)
        problems = []
        if not str(self.service_id).strip():
            problems.append(_problem("id", "a site needs an id.", "give every site its own id.", key="site_no_id"))
        if self.kind not in SERVICE_KINDS:
            problems.append(
                _problem(
                    "kind",
                    f"kind must be one of {', '.join(SERVICE_KINDS)}; got {self.kind!r}.",
                    "choose permanent or mobile.",
                    key="site_bad_kind",
                    params=(("kinds", ", ".join(SERVICE_KINDS)), ("got", repr(self.kind))),
                )
            )
        if not -90.0 <= self.lat <= 90.0 or not -180.0 <= self.lon <= 180.0:
            problems.append(
                _problem(
                    "lat",
                    f"lat/lon must be degrees (EPSG:4326); got {self.lat}, {self.lon}.",
                    "give latitude within ±90 and longitude within ±180.",
                    key="site_bad_position",
                    params=(("lat", self.lat), ("lon", self.lon)),
                )
            )
        if self.capacity < 0:
            problems.append(
                _problem(
                    "capacity",
                    f"capacity must be 0 or more; got {self.capacity}.",
                    "leave it empty when unknown.",
                    key="site_bad_capacity",
                    params=(("got", self.capacity),),
                )
            )
        if self.reach_minutes <= 0:
            problems.append(
                _problem(
                    "reach_minutes",
                    f"reach must be more than 0 minutes; got {self.reach_minutes}.",
                    "leave it empty to use the analysis threshold.",
                    key="site_bad_reach",
                    params=(("got", self.reach_minutes),),
                )
            )
        if problems:
            raise ValidationError(problems)


def _problem(column: str, message: str, fix: str, *, key: str, params: tuple = ()) -> Problem:
    return Problem(SCENARIO_FILE_NAME, message, fix, column=column, key=key, params=params)


def add_site(sites: Sequence[Site], site: Site) -> list[Site]:
    """A new list with ``site`` appended; its ``service_id`` must be new."""
    if any(s.service_id == site.service_id for s in sites):
        raise ValidationError(
            [
                _problem(
                    "id",
                    f"a site with id {site.service_id!r} is already in the scenario.",
                    "give the new site its own id.",
                    key="site_duplicate_id",
                    params=(("id", repr(site.service_id)),),
                )
            ]
        )
    return [*sites, site]


def remove_site(sites: Sequence[Site], service_id: str) -> list[Site]:
    """A new list without the site ``service_id``."""
    _position(sites, service_id)
    return [s for s in sites if s.service_id != service_id]


def move_site(sites: Sequence[Site], service_id: str, *, lat: float, lon: float) -> list[Site]:
    """A new list with the site ``service_id`` at ``lat``, ``lon`` (degrees)."""
    return _replace_site(sites, service_id, lat=lat, lon=lon)


def rename_site(sites: Sequence[Site], service_id: str, name: str) -> list[Site]:
    """A new list with the site ``service_id`` renamed."""
    return _replace_site(sites, service_id, name=name)


def set_kind(sites: Sequence[Site], service_id: str, kind: str, *, reach_minutes: float | None = None) -> list[Site]:
    """A new list with the site's kind set; ``reach_minutes`` (a mobile team's own reach) replaces the old
    reach when given, and a permanent site keeps no reach."""
    site = sites[_position(sites, service_id)]
    reach = reach_minutes if reach_minutes is not None else site.reach_minutes
    return _replace_site(sites, service_id, kind=kind, reach_minutes=reach if kind != "permanent" else math.nan)


def _replace_site(sites: Sequence[Site], service_id: str, **changes) -> list[Site]:
    position = _position(sites, service_id)
    return [replace(s, **changes) if i == position else s for i, s in enumerate(sites)]


def _position(sites: Sequence[Site], service_id: str) -> int:
    for i, site in enumerate(sites):
        if site.service_id == service_id:
            return i
    raise ScenarioError(f"no site with id {service_id!r} in the scenario; ids: {[s.service_id for s in sites]}.")


def check_site_ids(sites: Sequence[Site]) -> None:
    """Refuse sites that share an id (a scenario names each site once).

    Raises
    ------
    geo.errors.ValidationError
        When two sites have the same ``service_id``.
    """
    ids = [s.service_id for s in sites]
    if len(set(ids)) != len(ids):
        raise ValidationError(
            [_problem("id", "site ids are repeated.", "give every site its own id.", key="site_ids_repeated")]
        )


def free_site_id(sites: Sequence[Site], *, prefix: str = NEW_SITE_ID_PREFIX) -> str:
    """The first ``prefix1``, ``prefix2``, ... that no site in ``sites`` has."""
    taken = {s.service_id for s in sites}
    return next(f"{prefix}{n}" for n in range(1, len(taken) + 2) if f"{prefix}{n}" not in taken)


EDIT_ACTIONS = ("add", "remove", "move", "rename", "set_kind", "replace")


@dataclass(frozen=True)
class Edit:
    """One change an editor makes to a scenario's sites, kept so that it can be applied again on a newer version
    after a :class:`ScenarioConflict` (see :func:`apply_edit`).

    Attributes
    ----------
    action : {"add", "remove", "move", "rename", "set_kind", "replace"}
    site : Site, optional
        ``add``: the new site.
    service_id : str, optional
        ``remove``, ``move``, ``rename``, ``set_kind``: the site changed.
    lat, lon : float, optional
        ``move``: the new position, degrees (EPSG:4326).
    name : str, optional
        ``rename``: the new name.
    kind : str, optional
        ``set_kind``: the new kind; ``reach_minutes`` a mobile team's reach in minutes (None keeps it).
    sites : tuple of Site
        ``replace`` (an imported file): the whole new list.
    """

    action: str
    site: Site | None = None
    service_id: str | None = None
    lat: float | None = None
    lon: float | None = None
    name: str | None = None
    kind: str | None = None
    reach_minutes: float | None = None
    sites: tuple[Site, ...] = ()

    def __post_init__(self) -> None:
        if self.action not in EDIT_ACTIONS:
            raise ValueError(f"unknown edit action {self.action!r}; expected one of {', '.join(EDIT_ACTIONS)}.")


_T = TypeVar("_T")


def _needed(value: _T | None, edit: Edit, field: str) -> _T:
    """``value``, which ``edit``'s action needs (a ValueError naming the field when it is missing)."""
    if value is None:
        raise ValueError(f"a {edit.action!r} edit needs {field}; got none. Fix: set Edit.{field}.")
    return value


def apply_edit(sites: Sequence[Site], edit: Edit) -> list[Site]:
    """A new list: ``sites`` with ``edit`` applied.

    An added site whose id is taken (someone else added a site meanwhile) gets :func:`free_site_id` instead.

    Raises
    ------
    ScenarioError
        The site the edit changes is not in ``sites`` (for instance removed in a newer version).
    """
    if edit.action == "add":
        site = _needed(edit.site, edit, "site")
        if any(s.service_id == site.service_id for s in sites):
            site = replace(site, service_id=free_site_id(sites))
        return add_site(sites, site)
    if edit.action == "replace":
        return list(edit.sites)
    service_id = _needed(edit.service_id, edit, "service_id")
    if edit.action == "remove":
        return remove_site(sites, service_id)
    if edit.action == "move":
        return move_site(sites, service_id, lat=_needed(edit.lat, edit, "lat"), lon=_needed(edit.lon, edit, "lon"))
    if edit.action == "rename":
        return rename_site(sites, service_id, _needed(edit.name, edit, "name"))
    if edit.action == "set_kind":
        return set_kind(sites, service_id, _needed(edit.kind, edit, "kind"), reach_minutes=edit.reach_minutes)
    return list(edit.sites)


# --------------------------------------------------------------------------------------------------------
# conversions: services frame, CSV
# --------------------------------------------------------------------------------------------------------
def sites_to_services(sites: Sequence[Site]) -> gpd.GeoDataFrame:
    """The sites as a services GeoDataFrame per ``geo.schema`` (``district_id`` None), EPSG:4326."""
    frame = pd.DataFrame(
        {
            "service_id": pd.Series([s.service_id for s in sites], dtype=object),
            "name": pd.Series([s.name for s in sites], dtype=object),
            "kind": pd.Series([s.kind for s in sites], dtype=object),
            "capacity": np.array([s.capacity for s in sites], dtype=np.float64),
            "reach_minutes": np.array([s.reach_minutes for s in sites], dtype=np.float64),
            "district_id": pd.Series([None] * len(sites), dtype=object),
        }
    )
    geometry = gpd.points_from_xy([s.lon for s in sites], [s.lat for s in sites])
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=STORAGE_CRS)[SERVICE_COLUMNS]


def sites_from_services(services: gpd.GeoDataFrame) -> list[Site]:
    """Sites from a services GeoDataFrame per ``geo.schema`` (any CRS; converted to EPSG:4326)."""
    points = services.geometry.to_crs(STORAGE_CRS) if services.crs else services.geometry
    return [
        Site(str(row.service_id), str(row.name), str(row.kind), point.y, point.x, row.capacity, row.reach_minutes)
        for row, point in zip(services.itertuples(index=False), points)
    ]


def export_csv(sites: Sequence[Site]) -> str:
    """The sites as ``services.csv`` text (``id,name,kind,lat,lon,capacity,reach_minutes``; unknown = empty).

    No cell can run as a formula in a spreadsheet (:func:`planning.markup.spreadsheet_cell`: a name such as
    ``=HYPERLINK(…)`` is written ``'=HYPERLINK(…)``); :func:`import_csv` reads such a cell back as it was.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SERVICES_CSV_COLUMNS)
    for s in sites:
        writer.writerow(
            [
                spreadsheet_cell(v)
                for v in (
                    s.service_id,
                    s.name,
                    s.kind,
                    repr(s.lat),
                    repr(s.lon),
                    _csv_number(s.capacity),
                    _csv_number(s.reach_minutes),
                )
            ]
        )
    return buffer.getvalue()


def import_csv(
    source: Path | bytes,
    *,
    name: str = SCENARIO_FILE_NAME,
    region: Region | None = None,
    notes: list[Problem] | None = None,
) -> list[Site]:
    """Sites from a ``services.csv``-shaped file (path or bytes of an upload).

    Parameters
    ----------
    source : Path or bytes
    name : str
        File name for messages.
    region : geo.region.Region, optional
        When given, every site must lie inside its outline (sites outside are refused, named by id and name).
    notes : list, optional
        Receives the warnings of the file (e.g. which column was read as the id), for the page to show.

    Raises
    ------
    geo.errors.ValidationError
        With every problem ``geo.region.read_services`` found, or when the file has more than
        :data:`MAX_SCENARIO_SITES` sites.
    """
    from geo.region import read_services, region_outline

    options = (
        {}
        if region is None
        else {"outline": region_outline(region), "districts": region.districts, "analysis_crs": region.analysis_crs}
    )
    services = read_services(source, name=name, notes=notes, **options)
    if len(services) > MAX_SCENARIO_SITES:
        raise ValidationError(
            [
                Problem(
                    name,
                    f"the file has {len(services):,} sites; a scenario may have at most {MAX_SCENARIO_SITES:,}.",
                    "split the scenario into several, or keep only the sites you need.",
                    key="scenario_too_many_sites",
                    params=(("rows", len(services)), ("limit", MAX_SCENARIO_SITES)),
                )
            ]
        )
    return [
        replace(s, service_id=from_spreadsheet_cell(s.service_id), name=from_spreadsheet_cell(s.name))
        for s in sites_from_services(services)
    ]


def _csv_number(value: float) -> str:
    return "" if math.isnan(value) else repr(value)


# --------------------------------------------------------------------------------------------------------
# saved scenarios (stored by planning.store.scenarios)
# --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScenarioVersion:
    """One saved version of a scenario.

    Attributes
    ----------
    action : {"create", "save", "undo"}
    restored_from : int or None
        For an undo, the version whose sites it brings back.
    saved_at : str
        ISO 8601 UTC timestamp.
    """

    scenario_id: int
    version: int
    sites: tuple[Site, ...]
    author: str
    action: str
    restored_from: int | None
    saved_at: str


@dataclass(frozen=True)
class Scenario:
    """A scenario at one version. ``archived``: hidden from lists, kept with its history (see
    :meth:`planning.store.scenarios.ScenarioStore.archive`). ``baseline``: the region's baseline, the scenario the
    app made from the region folder; read-only (:class:`BaselineReadOnly`)."""

    scenario_id: int
    name: str
    region_id: str
    version: int
    sites: tuple[Site, ...]
    created_at: str
    archived: bool
    baseline: bool = False
    circuits: dict | None = None
    """The mobile-team circuit plan saved with this version (:func:`planning.circuit_data.plan_report` with its
    settings), or None."""


def scenario_name_key(name: str) -> str:
    """What makes two scenario names the same: Unicode-normalised (NFKC), case-folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", str(name)).split()).casefold()


def free_scenario_name(name: str, taken: Sequence[str]) -> str:
    """``name``, or ``name 2``, ``name 3``, ... : the first that none of ``taken`` has (as
    :func:`scenario_name_key` compares names), cut so that it fits :data:`MAX_SCENARIO_NAME_CHARS`."""
    keys = {scenario_name_key(other) for other in taken}
    for number in range(1, len(keys) + 2):
        suffix = "" if number == 1 else f" {number}"
        candidate = " ".join(str(name).split())[: MAX_SCENARIO_NAME_CHARS - len(suffix)].rstrip() + suffix
        if scenario_name_key(candidate) not in keys:
            return candidate
    raise AssertionError("unreachable: len(taken) + 1 numbers cannot all be taken")


def clean_scenario_name(name: str) -> str:
    """``name`` with control characters removed and runs of spaces collapsed, as it is stored.

    Raises
    ------
    ScenarioNameError
        Empty, or longer than :data:`MAX_SCENARIO_NAME_CHARS`.
    """
    text = "".join(c for c in str(name) if unicodedata.category(c) != "Cc" or c.isspace())
    text = " ".join(text.split())
    if not text:
        raise ScenarioNameError("a scenario needs a name. Fix: type one.", reason="empty", name=text)
    if len(text) > MAX_SCENARIO_NAME_CHARS:
        raise ScenarioNameError(
            f"a scenario name has at most {MAX_SCENARIO_NAME_CHARS} characters; got {len(text)}. Fix: shorten it.",
            reason="too_long",
            name=text,
        )
    return text
