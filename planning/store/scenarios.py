"""Saved scenarios: an append-only SQLite store of every version of every scenario (:mod:`planning.scenarios`
holds the sites, the edits and the values read back).

Every save appends a version; nothing is updated or deleted in the versions table (triggers refuse it, and the
versions form a hash chain that ``python -m planning audit --verify`` checks, see :mod:`planning.store.chain`), so
``undo`` is itself a new version. A save whose ``base_version`` is no longer the latest is refused with
:class:`planning.scenarios.ScenarioConflict`. Renaming and archiving go to the audit log. Each operation opens its
own connection and holds a short ``BEGIN IMMEDIATE`` transaction, with WAL journaling and a busy timeout so writers
wait instead of failing.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from planning.scenarios import (
    BaselineReadOnly,
    Scenario,
    ScenarioConflict,
    ScenarioError,
    ScenarioNameError,
    ScenarioVersion,
    Site,
    check_site_ids,
    clean_scenario_name,
    scenario_name_key,
)
from planning.store import chain
from planning.store.access import SCHEMA as ACCESS_SCHEMA
from planning.store.access import write_audit
from planning.store.db import SqliteStore, StorageError

if TYPE_CHECKING:
    from geo.region import Region

_SCHEMA = """
CREATE TABLE IF NOT EXISTS scenarios (
    scenario_id INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    region_id   TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    deleted_at  TEXT,
    baseline    INTEGER NOT NULL DEFAULT 0
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
"""``deleted_at`` is when the scenario was archived; ``baseline`` (1) marks the region's baseline, read-only. The
versions' triggers and hash chain are :data:`planning.store.chain.SCENARIO_VERSIONS`."""

_BASELINE_SCHEMA = (
    "CREATE UNIQUE INDEX IF NOT EXISTS one_baseline_per_region ON scenarios (region_id) WHERE baseline = 1",
    "CREATE TRIGGER IF NOT EXISTS baseline_read_only BEFORE INSERT ON scenario_versions "
    "WHEN NEW.version > 1 AND (SELECT baseline FROM scenarios WHERE scenario_id = NEW.scenario_id) = 1 "
    "BEGIN SELECT RAISE(ABORT, 'the baseline scenario is read-only; copy it to a new scenario'); END",
)
"""One baseline per region, and no version after the first for it, even written around :class:`ScenarioStore`
(databases made before the ``baseline`` column get it first, :meth:`ScenarioStore._add_baseline_column`)."""


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
        self._add_baseline_column()

    def _add_baseline_column(self) -> None:
        """Give a database made before the baseline was read-only its ``baseline`` column, index and trigger (a
        read-only database is left as it is: it is read with no baseline marked)."""
        connection = self._connect(read_only=True)
        try:
            columns = {row[1] for row in connection.execute("PRAGMA table_info(scenarios)")}
            present = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        finally:
            connection.close()
        self._has_baseline_column = "baseline" in columns
        if self._has_baseline_column and {"one_baseline_per_region", "baseline_read_only"} <= present:
            return
        try:
            with self.transaction() as db:
                if "baseline" not in {row[1] for row in db.execute("PRAGMA table_info(scenarios)")}:
                    db.execute("ALTER TABLE scenarios ADD COLUMN baseline INTEGER NOT NULL DEFAULT 0")
                for statement in _BASELINE_SCHEMA:
                    db.execute(statement)
        except StorageError as exc:
            if exc.reason != "readonly":
                raise
        else:
            self._has_baseline_column = True

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
    def baseline(self, region_id: str) -> Scenario | None:
        """The region's baseline scenario (archived or not), or None when none is marked yet."""
        if not self._has_baseline_column:
            return None
        with self.transaction(write=False) as db:
            row = db.execute(
                "SELECT scenario_id FROM scenarios WHERE region_id = ? AND baseline = 1", (region_id,)
            ).fetchone()
            return None if row is None else self._load(db, row[0], None)

    def create(
        self, name: str, region_id: str, sites: Sequence[Site], *, author: str = "", baseline: bool = False
    ) -> Scenario:
        """A new scenario whose version 1 holds ``sites``; with ``baseline=True`` the region's read-only baseline.

        Raises
        ------
        ScenarioNameError
            The name is empty, too long, or another scenario of the region (archived ones included) has it.
        ScenarioError
            ``baseline=True`` and the region has a baseline already.
        """
        name = clean_scenario_name(name)
        with self.transaction() as db:
            self._check_name_free(db, region_id, name)
            if (
                baseline
                and db.execute("SELECT 1 FROM scenarios WHERE region_id = ? AND baseline = 1", (region_id,)).fetchone()
            ):
                raise ScenarioError(f"region {region_id!r} has a baseline scenario already; it has one only.")
            cursor = db.execute(
                "INSERT INTO scenarios (name, region_id, created_at, baseline) VALUES (?, ?, ?, ?)",
                (name, region_id, _now(), int(baseline)),
            )
            scenario_id = cursor.lastrowid
            assert scenario_id is not None  # an INSERT into a rowid table
            self._append(db, scenario_id, sites, author=author, action="create")
            write_audit(
                db,
                user=author,
                action="create scenario",
                object=f"scenario {scenario_id} ({name})" + (" baseline" if baseline else ""),
            )
            return self._load(db, scenario_id, None)

    def copy(self, scenario_id: int, name: str, *, author: str = "") -> Scenario:
        """A new scenario named ``name`` holding the latest sites of ``scenario_id`` (the way to change the
        baseline: change a copy). Raises as :meth:`create`."""
        source = self.load(scenario_id)
        return self.create(name, source.region_id, source.sites, author=author)

    def ensure_baseline(
        self, region_id: str, name: str, sites: Sequence[Site], *, known_names: Sequence[str] = (), author: str = ""
    ) -> Scenario:
        """The region's baseline scenario: the one marked; else the oldest scenario named one of ``known_names``
        (made before the baseline was marked: it is marked now, and restored if archived); else a new one named
        ``name`` holding ``sites``."""
        found = self.baseline(region_id)
        if found is not None:
            return self.restore(found.scenario_id, author=author) if found.archived else found
        if not self._has_baseline_column:  # a read-only database made before the mark: nothing can be written
            raise ScenarioError(f"the database {self.path} is read-only and marks no baseline for {region_id!r}.")
        keys = {scenario_name_key(n) for n in (name, *known_names)}
        with self.transaction() as db:
            for scenario_id, other in db.execute(
                "SELECT scenario_id, name FROM scenarios WHERE region_id = ? ORDER BY scenario_id",
                (region_id,),
            ).fetchall():
                if scenario_name_key(other) in keys:
                    db.execute(
                        "UPDATE scenarios SET baseline = 1, deleted_at = NULL WHERE scenario_id = ?", (scenario_id,)
                    )
                    write_audit(db, user=author, action="mark baseline", object=f"scenario {scenario_id} ({other})")
                    return self._load(db, scenario_id, None)
        try:
            return self.create(name, region_id, sites, author=author, baseline=True)
        except (ScenarioNameError, ScenarioError):  # another session made it just now
            found = self.baseline(region_id)
            if found is None:
                raise
            return found

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
            self._changeable_row(db, scenario_id, "saved as a new version")
            self._check_base(db, scenario_id, base_version)
            circuits = self._load(db, scenario_id, None).circuits  # an edit of the sites keeps the circuits
            self._append(db, scenario_id, sites, author=author, action="save", circuits=circuits)
            return self._load(db, scenario_id, None)

    def save_circuits(self, scenario_id: int, circuits: dict | None, *, author: str, base_version: int) -> Scenario:
        """Append a version with the same sites and ``circuits`` (a mobile-team plan; None removes it), recorded in
        the audit log; undone like any save.

        Raises
        ------
        ScenarioConflict, ScenarioError, BaselineReadOnly
            As for :meth:`save`.
        """
        with self.transaction() as db:
            row = self._changeable_row(db, scenario_id, "given circuits")
            self._check_base(db, scenario_id, base_version)
            current = self._load(db, scenario_id, None)
            self._append(db, scenario_id, current.sites, author=author, action="save", circuits=circuits)
            write_audit(
                db,
                user=author,
                action="save circuits" if circuits is not None else "remove circuits",
                object=f"scenario {scenario_id} ({row[1]}) version {current.version + 1}",
            )
            return self._load(db, scenario_id, None)

    def undo(self, scenario_id: int, *, author: str = "", base_version: int) -> Scenario:
        """Go back one step, recorded as a new version.

        The step undone is the latest save; after an undo, the next undo goes one step further back (as an
        editor's undo does). Raises ``ScenarioError`` when the scenario is at its first state and
        :class:`ScenarioConflict` when ``base_version`` (the version the editor sees) is not the latest.
        """
        with self.transaction() as db:
            self._changeable_row(db, scenario_id, "undone")
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
            sites, circuits = _payload_from_json(target_sites)
            self._append(
                db,
                scenario_id,
                sites,
                author=author,
                action="undo",
                restored_from=target_restored_from or current - 1,
                circuits=circuits,
            )
            return self._load(db, scenario_id, None)

    def rename(self, scenario_id: int, name: str, *, author: str = "", base_name: str | None = None) -> Scenario:
        """Give the scenario a new name (its versions are unchanged); recorded in the audit log.

        ``base_name``: the name the renaming user saw (optimistic concurrency, as ``base_version`` for saves): when
        another session renamed the scenario since, nothing is changed and :class:`ScenarioError` says so.

        Raises
        ------
        ScenarioNameError
            As for :meth:`create` (the scenario's own name in other case or spacing is allowed).
        ScenarioError
            The scenario was renamed by someone else since ``base_name`` was read.
        """
        name = clean_scenario_name(name)
        with self.transaction() as db:
            row = self._changeable_row(db, scenario_id, "renamed")
            if base_name is not None and row[1] != base_name:
                raise ScenarioError(
                    f"scenario {scenario_id} was renamed to {row[1]!r} by someone else after you read it as "
                    f"{base_name!r}; your name {name!r} was not applied. Fix: reload, then rename it again if needed."
                )
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
            row = self._changeable_row(db, scenario_id, "archived")
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
        circuits: dict | None = None,
    ) -> None:
        check_site_ids(sites)
        (version,) = db.execute(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM scenario_versions WHERE scenario_id = ?", (scenario_id,)
        ).fetchone()
        chain.append(
            db,
            chain.SCENARIO_VERSIONS,
            {
                "scenario_id": scenario_id,
                "version": version,
                "sites_json": _sites_to_json(sites, circuits),
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

    def _changeable_row(self, db: sqlite3.Connection, scenario_id: int, what: str) -> tuple:
        """The scenario's row when it may be changed: not archived (``ScenarioError``), not the baseline
        (:class:`planning.scenarios.BaselineReadOnly`, ``what`` saying what was refused)."""
        row = self._live_scenario_row(db, scenario_id)
        if self._is_baseline(db, scenario_id):
            raise BaselineReadOnly(scenario_id, row[1], what)
        return row

    def _is_baseline(self, db: sqlite3.Connection, scenario_id: int) -> bool:
        if not self._has_baseline_column:
            return False
        row = db.execute("SELECT baseline FROM scenarios WHERE scenario_id = ?", (scenario_id,)).fetchone()
        return bool(row and row[0])

    def _load(self, db: sqlite3.Connection, scenario_id: int, version: int | None) -> Scenario:
        scenario_id_, name, region_id, created_at, deleted_at = self._scenario_row(db, scenario_id)
        row = db.execute(
            "SELECT version, sites_json FROM scenario_versions WHERE scenario_id = ? "
            + ("AND version = ?" if version is not None else "ORDER BY version DESC LIMIT 1"),
            (scenario_id, version) if version is not None else (scenario_id,),
        ).fetchone()
        if row is None:
            raise ScenarioError(f"scenario {scenario_id} has no version {version}.")
        sites, circuits = _payload_from_json(row[1])
        return Scenario(
            scenario_id_,
            name,
            region_id,
            row[0],
            sites,
            created_at,
            deleted_at is not None,
            self._is_baseline(db, scenario_id),
            circuits,
        )


def _sites_to_json(sites: Sequence[Site], circuits: dict | None = None) -> str:
    """The stored text of a version: the list of sites, or (with circuits) ``{"sites": [...], "circuits": {...}}``
    (a version without circuits is stored exactly as before they existed)."""
    listed = [
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
    ]
    return json.dumps(listed if circuits is None else {"sites": listed, "circuits": circuits}, ensure_ascii=False)


def _payload_from_json(text: str) -> tuple[tuple[Site, ...], dict | None]:
    """The sites and circuits of a version's stored text (see :func:`_sites_to_json`)."""
    value = json.loads(text)
    if isinstance(value, dict):
        return tuple(Site(**item) for item in value["sites"]), value.get("circuits")
    return tuple(Site(**item) for item in value), None


def _sites_from_json(text: str) -> tuple[Site, ...]:
    return _payload_from_json(text)[0]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def baseline_scenario(store: ScenarioStore, region: Region, *, author: str = "") -> Scenario:
    """The region's read-only baseline scenario in ``store``, made on first use from the region folder: its baseline
    (:func:`planning.baseline.current_services`; named :func:`planning.baseline.baseline_name`), or its own
    services.csv when the folder ships services that are not its baseline (named ``scen.current_name``). A scenario
    saved under one of those names before the baseline was marked becomes the baseline."""
    from planning.baseline import baseline_name, baseline_names, current_services, services_are_baseline
    from planning.i18n import LANGUAGES, t
    from planning.scenarios import sites_from_services

    is_baseline = region.services.empty or services_are_baseline(region)
    known = sorted(baseline_names(region)) if is_baseline else [t("scen.current_name", lang) for lang in LANGUAGES]
    name = baseline_name(region, "ru") if is_baseline else t("scen.current_name", "ru")
    sites = sites_from_services(current_services(region))
    return store.ensure_baseline(region.region_id, name, sites, known_names=known, author=author)
