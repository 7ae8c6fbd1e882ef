"""Placement scenarios: sites, pure edits on them, and an append-only SQLite store of every saved version.

A scenario is a name, a region id and a list of sites. Every save appends a version; nothing is updated or
deleted in the versions table (triggers refuse it, and the versions form a hash chain that
``python -m planning audit --verify`` checks, see :mod:`planning.store.chain`), so ``undo`` is itself a new version.
A save names the version the editor started from (``base_version``): when someone saved in between, it is
refused with :class:`ScenarioConflict` (who, when) instead of silently dropping their change, and the editor
can apply their :class:`Edit` again on the newest version (:func:`apply_edit`). Names are unique per region
(case and spaces do not count); a scenario is renamed or archived (hidden from lists, kept with its history),
never deleted, and those changes go to the audit log. Each operation opens its own connection and holds a
short ``BEGIN IMMEDIATE`` transaction, with WAL journaling and a busy timeout so writers wait instead of failing.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sqlite3
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import Problem, QorgauError, ValidationError
from geo.schema import SERVICE_COLUMNS, SERVICE_KINDS, SERVICES_CSV_COLUMNS
from geo.settings import STORAGE_CRS
from planning.markup import from_spreadsheet_cell, spreadsheet_cell
from planning.store import chain
from planning.store.access import SCHEMA as ACCESS_SCHEMA
from planning.store.access import write_audit
from planning.store.db import DB_ENV_VAR as SCENARIO_DB_ENV_VAR  # noqa: F401
from planning.store.db import SqliteStore

SCENARIO_FILE_NAME = "scenario.csv"
"""Name used in validation messages for an imported scenario file."""
MAX_SCENARIO_NAME_CHARS = 120
"""Longest scenario name, in characters."""
NEW_SITE_ID_PREFIX = "site-"
"""Ids of sites added on the page: ``site-1``, ``site-2``, ..."""
MAX_SCENARIO_SITES = 1_000
"""Sites an imported scenario file may have (the region has 21 districts; a thousand sites is a mistake, and each
site costs a travel-time search)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS scenarios (
    scenario_id INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    region_id   TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    deleted_at  TEXT
);
CREATE TABLE IF NOT EXISTS scenario_versions (
    scenario_id   INTEGER NOT NULL REFERENCES scenarios (scenario_id),
    version       INTEGER NOT NULL,
    sites_json    TEXT NOT NULL,
    author        TEXT NOT NULL,
    action        TEXT NOT NULL,
    restored_from INTEGER,
    saved_at      TEXT NOT NULL,
    seq           INTEGER,
    prev_hash     TEXT,
    row_hash      TEXT,
    PRIMARY KEY (scenario_id, version)
);
CREATE INDEX IF NOT EXISTS scenarios_by_region ON scenarios (region_id);
"""
"""``deleted_at`` is when the scenario was archived. The versions' triggers and hash chain are
:data:`planning.store.chain.SCENARIO_VERSIONS`."""


class ScenarioError(QorgauError, LookupError):
    """A scenario, version or site that does not exist (or nothing left to undo, or a change it cannot take)."""


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
    source: Path | bytes, *, name: str = SCENARIO_FILE_NAME, region=None, notes: list[Problem] | None = None
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


def _sites_to_json(sites: Sequence[Site]) -> str:
    return json.dumps(
        [
            {
                "service_id": s.service_id,
                "name": s.name,
                "kind": s.kind,
                "lat": s.lat,
                "lon": s.lon,
                "capacity": None if math.isnan(s.capacity) else s.capacity,
                "reach_minutes": None if math.isnan(s.reach_minutes) else s.reach_minutes,
            }
            for s in sites
        ],
        ensure_ascii=False,
    )


def _sites_from_json(text: str) -> tuple[Site, ...]:
    return tuple(Site(**item) for item in json.loads(text))


# --------------------------------------------------------------------------------------------------------
# the store
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
    :meth:`ScenarioStore.archive`)."""

    scenario_id: int
    name: str
    region_id: str
    version: int
    sites: tuple[Site, ...]
    created_at: str
    archived: bool


def scenario_name_key(name: str) -> str:
    """What makes two scenario names the same: Unicode-normalised (NFKC), case-folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", str(name)).split()).casefold()


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


class ScenarioStore(SqliteStore):
    """Scenarios and every saved version of them, in one SQLite file (with the audit log their renames and
    archiving go to).

    Parameters
    ----------
    path : str or Path
        Database file; created (with its folder) when missing.
    """

    schema = ACCESS_SCHEMA + _SCHEMA

    def __init__(self, path: str | Path):
        super().__init__(path)

    # -- reading -------------------------------------------------------------------------------------------
    def list_scenarios(self, region_id: str, *, archived: bool = False) -> list[Scenario]:
        """The region's scenarios at their latest version, oldest first: those in use, or with
        ``archived=True`` those archived."""
        with self.transaction(write=False) as db:
            ids = [
                row[0]
                for row in db.execute(
                    "SELECT scenario_id FROM scenarios WHERE region_id = ? AND (deleted_at IS NOT NULL) = ? "
                    "ORDER BY scenario_id",
                    (region_id, bool(archived)),
                )
            ]
            return [self._load(db, scenario_id, None) for scenario_id in ids]

    def load(self, scenario_id: int, version: int | None = None) -> Scenario:
        """The scenario at ``version`` (default: the latest). An archived scenario still loads (``archived``)."""
        with self.transaction(write=False) as db:
            return self._load(db, scenario_id, version)

    def history(self, scenario_id: int) -> list[ScenarioVersion]:
        """Every saved version, oldest first."""
        with self.transaction(write=False) as db:
            self._scenario_row(db, scenario_id)
            rows = db.execute(
                "SELECT scenario_id, version, sites_json, author, action, restored_from, saved_at "
                "FROM scenario_versions WHERE scenario_id = ? ORDER BY version",
                (scenario_id,),
            ).fetchall()
        return [ScenarioVersion(r[0], r[1], _sites_from_json(r[2]), r[3], r[4], r[5], r[6]) for r in rows]

    # -- writing -------------------------------------------------------------------------------------------
    def create(self, name: str, region_id: str, sites: Sequence[Site], *, author: str = "") -> Scenario:
        """A new scenario whose version 1 holds ``sites``.

        Raises
        ------
        ScenarioNameError
            The name is empty, too long, or another scenario of the region (archived ones included) has it.
        """
        name = clean_scenario_name(name)
        with self.transaction() as db:
            self._check_name_free(db, region_id, name)
            cursor = db.execute(
                "INSERT INTO scenarios (name, region_id, created_at) VALUES (?, ?, ?)", (name, region_id, _now())
            )
            scenario_id = cursor.lastrowid
            assert scenario_id is not None  # an INSERT into a rowid table
            self._append(db, scenario_id, sites, author=author, action="create")
            write_audit(db, user=author, action="create scenario", object=f"scenario {scenario_id} ({name})")
            return self._load(db, scenario_id, None)

    def save(self, scenario_id: int, sites: Sequence[Site], *, author: str, base_version: int) -> Scenario:
        """Append ``sites`` as the scenario's next version.

        Parameters
        ----------
        scenario_id : int
        sites : sequence of Site
        author : str
        base_version : int
            The version the editor started from. When it is no longer the latest, nothing is saved.

        Raises
        ------
        ScenarioConflict
            Someone saved after ``base_version`` (the error says who and when).
        ScenarioError
            No such scenario, or it is archived.
        """
        with self.transaction() as db:
            self._live_scenario_row(db, scenario_id)
            self._check_base(db, scenario_id, base_version)
            self._append(db, scenario_id, sites, author=author, action="save")
            return self._load(db, scenario_id, None)

    def undo(self, scenario_id: int, *, author: str = "", base_version: int) -> Scenario:
        """Go back one step, recorded as a new version.

        The step undone is the latest save; after an undo, the next undo goes one step further back (as an
        editor's undo does). Raises ``ScenarioError`` when the scenario is at its first state and
        :class:`ScenarioConflict` when ``base_version`` (the version the editor sees) is not the latest.
        """
        with self.transaction() as db:
            self._live_scenario_row(db, scenario_id)
            self._check_base(db, scenario_id, base_version)
            latest, restored_from = db.execute(
                "SELECT version, restored_from FROM scenario_versions WHERE scenario_id = ? "
                "ORDER BY version DESC LIMIT 1",
                (scenario_id,),
            ).fetchone()
            current = restored_from or latest
            if current <= 1:
                raise ScenarioError(f"scenario {scenario_id} is at its first version; there is nothing to undo.")
            target_sites, target_restored_from = db.execute(
                "SELECT sites_json, restored_from FROM scenario_versions WHERE scenario_id = ? AND version = ?",
                (scenario_id, current - 1),
            ).fetchone()
            self._append(
                db,
                scenario_id,
                _sites_from_json(target_sites),
                author=author,
                action="undo",
                restored_from=target_restored_from or current - 1,
            )
            return self._load(db, scenario_id, None)

    def rename(self, scenario_id: int, name: str, *, author: str = "") -> Scenario:
        """Give the scenario a new name (its versions are unchanged); recorded in the audit log.

        Raises
        ------
        ScenarioNameError
            As for :meth:`create` (the scenario's own name in other case or spacing is allowed).
        """
        name = clean_scenario_name(name)
        with self.transaction() as db:
            row = self._live_scenario_row(db, scenario_id)
            self._check_name_free(db, row[2], name, besides=scenario_id)
            db.execute("UPDATE scenarios SET name = ? WHERE scenario_id = ?", (name, scenario_id))
            write_audit(
                db, user=author, action="rename scenario", object=f"scenario {scenario_id} ({row[1]} -> {name})"
            )
            return self._load(db, scenario_id, None)

    def archive(self, scenario_id: int, *, author: str = "") -> Scenario:
        """Hide the scenario from :meth:`list_scenarios`; it keeps its versions and can be restored. Recorded in
        the audit log. The region's last scenario in use cannot be archived (``ScenarioError``)."""
        with self.transaction() as db:
            row = self._live_scenario_row(db, scenario_id)
            (in_use,) = db.execute(
                "SELECT COUNT(*) FROM scenarios WHERE region_id = ? AND deleted_at IS NULL", (row[2],)
            ).fetchone()
            if in_use <= 1:
                raise ScenarioError(
                    f"scenario {scenario_id} ({row[1]!r}) is the region's last scenario in use; "
                    "it cannot be archived. Fix: create another scenario first."
                )
            db.execute("UPDATE scenarios SET deleted_at = ? WHERE scenario_id = ?", (_now(), scenario_id))
            write_audit(db, user=author, action="archive scenario", object=f"scenario {scenario_id} ({row[1]})")
            return self._load(db, scenario_id, None)

    def restore(self, scenario_id: int, *, author: str = "") -> Scenario:
        """Bring an archived scenario back into the lists; recorded in the audit log."""
        with self.transaction() as db:
            row = self._scenario_row(db, scenario_id)
            if row[4] is None:
                raise ScenarioError(f"scenario {scenario_id} ({row[1]!r}) is not archived.")
            db.execute("UPDATE scenarios SET deleted_at = NULL WHERE scenario_id = ?", (scenario_id,))
            write_audit(db, user=author, action="restore scenario", object=f"scenario {scenario_id} ({row[1]})")
            return self._load(db, scenario_id, None)

    # -- helpers -------------------------------------------------------------------------------------------
    @staticmethod
    def _append(
        db: sqlite3.Connection,
        scenario_id: int,
        sites: Sequence[Site],
        *,
        author: str,
        action: str,
        restored_from: int | None = None,
    ) -> None:
        ids = [s.service_id for s in sites]
        if len(set(ids)) != len(ids):
            raise ValidationError(
                [_problem("id", "site ids are repeated.", "give every site its own id.", key="site_ids_repeated")]
            )
        (version,) = db.execute(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM scenario_versions WHERE scenario_id = ?", (scenario_id,)
        ).fetchone()
        chain.append(
            db,
            chain.SCENARIO_VERSIONS,
            {
                "scenario_id": scenario_id,
                "version": version,
                "sites_json": _sites_to_json(sites),
                "author": author,
                "action": action,
                "restored_from": restored_from,
                "saved_at": _now(),
            },
        )

    def _check_base(self, db: sqlite3.Connection, scenario_id: int, base_version: int) -> None:
        rows = db.execute(
            "SELECT version, author, saved_at FROM scenario_versions WHERE scenario_id = ? "
            "AND version > ? ORDER BY version",
            (scenario_id, int(base_version)),
        ).fetchall()
        if rows:
            name = self._scenario_row(db, scenario_id)[1]
            authors = tuple(dict.fromkeys(r[1] or "?" for r in rows))
            raise ScenarioConflict(
                scenario_id=scenario_id,
                name=name,
                base_version=int(base_version),
                latest_version=rows[-1][0],
                authors=authors,
                saved_at=rows[-1][2],
            )
        if not db.execute(
            "SELECT 1 FROM scenario_versions WHERE scenario_id = ? AND version = ?", (scenario_id, int(base_version))
        ).fetchone():
            raise ScenarioError(f"scenario {scenario_id} has no version {base_version} to start from.")

    def _check_name_free(
        self, db: sqlite3.Connection, region_id: str, name: str, *, besides: int | None = None
    ) -> None:
        key = scenario_name_key(name)
        for scenario_id, other in db.execute(
            "SELECT scenario_id, name FROM scenarios WHERE region_id = ? ORDER BY scenario_id", (region_id,)
        ).fetchall():
            if scenario_id != besides and scenario_name_key(other) == key:
                taken = self._load(db, scenario_id, None)
                where = "an archived scenario" if taken.archived else "another scenario"
                raise ScenarioNameError(
                    f"{where} of region {region_id!r} is already named {other!r} (scenario "
                    f"{scenario_id}). Fix: choose another name" + (", or restore that one." if taken.archived else "."),
                    reason="taken",
                    name=name,
                    other=taken,
                )

    @staticmethod
    def _scenario_row(db: sqlite3.Connection, scenario_id: int) -> tuple:
        row = db.execute(
            "SELECT scenario_id, name, region_id, created_at, deleted_at FROM scenarios WHERE scenario_id = ?",
            (scenario_id,),
        ).fetchone()
        if row is None:
            raise ScenarioError(f"no scenario with id {scenario_id}.")
        return row

    def _live_scenario_row(self, db: sqlite3.Connection, scenario_id: int) -> tuple:
        row = self._scenario_row(db, scenario_id)
        if row[4] is not None:
            raise ScenarioError(
                f"scenario {scenario_id} ({row[1]!r}) is archived; it can be read but not changed. "
                "Fix: restore it first."
            )
        return row

    def _load(self, db: sqlite3.Connection, scenario_id: int, version: int | None) -> Scenario:
        scenario_id_, name, region_id, created_at, deleted_at = self._scenario_row(db, scenario_id)
        row = db.execute(
            "SELECT version, sites_json FROM scenario_versions WHERE scenario_id = ? "
            + ("AND version = ?" if version is not None else "ORDER BY version DESC LIMIT 1"),
            (scenario_id, version) if version is not None else (scenario_id,),
        ).fetchone()
        if row is None:
            raise ScenarioError(f"scenario {scenario_id} has no version {version}.")
        return Scenario(
            scenario_id_, name, region_id, row[0], _sites_from_json(row[1]), created_at, deleted_at is not None
        )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")
