"""Settings a deployment keeps per region: what a planner changed, kept out of the read-only region folder.

A region folder is read-only data (DESIGN.md). What a planner sets for a region (the class speeds, the constants
of the access leg and the straight-line estimate, the road network in use) is stored here, keyed by region id and
a setting name, as one JSON object per key. A stored value wins over what the folder ships; removing it brings the
folder's (or the built-in) value back. Each change writes one audit entry in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from planning.store.access import SCHEMA as ACCESS_SCHEMA
from planning.store.access import write_audit
from planning.store.db import SqliteStore, default_db_path

SETTINGS_SCHEMA = """
CREATE TABLE IF NOT EXISTS region_settings (
    region_id   TEXT NOT NULL,
    key         TEXT NOT NULL,
    value_json  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    PRIMARY KEY (region_id, key)
);
"""


@dataclass(frozen=True)
class StoredSetting:
    """One stored setting: its value (a JSON object), when (UTC, ISO 8601) and by whom it was last set."""

    value: dict[str, Any]
    updated_at: str
    updated_by: str


class RegionSettingsStore(SqliteStore):
    """Per-region settings (and the audit log) in the deployment's SQLite file.

    Parameters
    ----------
    path : str or Path, optional
        Database file; default the deployment's database (``QORGAU_SCENARIO_DB``).
    """

    schema = ACCESS_SCHEMA + SETTINGS_SCHEMA

    def get(self, region_id: str, key: str) -> StoredSetting | None:
        """The stored setting ``key`` of ``region_id``, or None when none is stored."""
        with self.transaction(write=False) as db:
            row = db.execute(
                "SELECT value_json, updated_at, updated_by FROM region_settings WHERE region_id = ? AND key = ?",
                (region_id, key),
            ).fetchone()
        if row is None:
            return None
        return StoredSetting(json.loads(row[0]), row[1], row[2])

    def set(self, region_id: str, key: str, value: Mapping[str, Any], *, user: str, action: str) -> None:
        """Store ``value`` (a JSON-serialisable mapping) as ``key`` of ``region_id``, replacing what was there, and
        audit ``action`` by ``user`` in the same transaction."""
        text = json.dumps(dict(value), ensure_ascii=False, sort_keys=True)
        with self.transaction() as db:
            db.execute(
                "INSERT INTO region_settings (region_id, key, value_json, updated_at, updated_by) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (region_id, key) DO UPDATE SET "
                "value_json = excluded.value_json, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                (region_id, key, text, _now(), user),
            )
            write_audit(db, user=user, action=action, object=f"{region_id} {key}")

    def remove(self, region_id: str, key: str, *, user: str, action: str) -> bool:
        """Remove ``key`` of ``region_id`` (audited as ``action``); False when nothing was stored."""
        with self.transaction() as db:
            removed = db.execute(
                "DELETE FROM region_settings WHERE region_id = ? AND key = ?", (region_id, key)
            ).rowcount
            if removed:
                write_audit(db, user=user, action=action, object=f"{region_id} {key}")
        return bool(removed)


def settings_stamp(region_id: str, db_path: str | Path | None = None) -> tuple[tuple[str, str, str], ...]:
    """What is stored for ``region_id`` now, in brief: (key, when set, a digest of the value) per stored setting
    (roads, speeds, the travel constants, the rate, ...); empty when nothing is (also when the database does not
    exist yet: reading never creates it). A session that loaded the region before a change made in another session
    reads it again when this differs."""
    path = Path(db_path) if db_path is not None else default_db_path()
    if not path.is_file():
        return ()
    with RegionSettingsStore(path).transaction(write=False) as db:
        rows = db.execute(
            "SELECT key, updated_at, value_json FROM region_settings WHERE region_id = ? ORDER BY key", (region_id,)
        ).fetchall()
    return tuple(
        (key, updated_at, hashlib.sha256(value.encode("utf-8")).hexdigest()) for key, updated_at, value in rows
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
