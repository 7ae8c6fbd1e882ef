"""Populations the akimat holds, stored: the matched populations of a region and the batches they came in.

The table is read and matched in :mod:`planning.intake.population`; :func:`ingest_populations` stores what it
matched, replacing the region's stored populations in one transaction (with the audit entry). A file with any
bad row, or without a single matched row, changes nothing.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from geo.region import Region
from planning.intake.population import STATUSES, PopulationResult, read_populations
from planning.store.access import SCHEMA as ACCESS_SCHEMA
from planning.store.access import record, write_audit
from planning.store.db import SqliteStore
from planning.store.intake import upload_label

POPULATION_SCHEMA = """
CREATE TABLE IF NOT EXISTS population_batches (
    batch_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    region_id   TEXT NOT NULL,
    file        TEXT NOT NULL,
    matched     INTEGER NOT NULL,
    ambiguous   INTEGER NOT NULL,
    unmatched   INTEGER NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS settlement_populations (
    region_id     TEXT NOT NULL,
    settlement_id TEXT NOT NULL,
    population    REAL NOT NULL CHECK (population >= 0),
    batch_id      INTEGER NOT NULL REFERENCES population_batches (batch_id),
    PRIMARY KEY (region_id, settlement_id)
);
"""


class PopulationStore(SqliteStore):
    """Uploaded populations per region and settlement (and the audit log) in the shared SQLite file.

    Parameters
    ----------
    path : str or Path, optional
        Database file; default the scenario database (``QORGAU_SCENARIO_DB``).
    """

    schema = ACCESS_SCHEMA + POPULATION_SCHEMA

    def populations(self, region_id: str) -> pd.DataFrame:
        """Columns ``settlement_id`` (str) and ``population`` (people, float); empty when none were uploaded."""
        with self.transaction(write=False) as db:
            rows = db.execute(
                "SELECT settlement_id, population FROM settlement_populations WHERE region_id = ? "
                "ORDER BY settlement_id",
                (region_id,),
            ).fetchall()
        frame = pd.DataFrame(rows, columns=["settlement_id", "population"]).astype({"settlement_id": object})
        frame["population"] = frame["population"].astype(float)
        return frame

    def last_upload(self, region_id: str) -> dict | None:
        """The latest upload of the region: ``matched``, ``ambiguous``, ``unmatched`` (rows), ``uploaded_at``
        (UTC text), ``uploaded_by``; None when nothing was uploaded."""
        with self.transaction(write=False) as db:
            row = db.execute(
                "SELECT matched, ambiguous, unmatched, uploaded_at, uploaded_by FROM population_batches "
                "WHERE region_id = ? ORDER BY batch_id DESC LIMIT 1",
                (region_id,),
            ).fetchone()
        return (
            None if row is None else dict(zip(("matched", "ambiguous", "unmatched", "uploaded_at", "uploaded_by"), row))
        )


def ingest_populations(
    data: bytes, *, filename: str, region: Region, store: PopulationStore, user: str = ""
) -> PopulationResult:
    """Validate a population table in memory, match it, and store the matched populations of the region.

    Parameters
    ----------
    data : bytes
        The upload. Never written anywhere.
    filename : str
        The browser's name for it (only its suffix and last part are used).
    region : geo.region.Region
    store : PopulationStore
    user : str
        Who uploads, for the audit log.

    Returns
    -------
    PopulationResult
        ``accepted`` True when the matched rows replaced the region's stored populations (one transaction,
        with its audit entry). A file with any bad row, or without a single matched row, is refused and the stored
        populations stay as they were.
    """
    result = read_populations(data, filename=filename, region=region)
    label = upload_label(bytes(data), result.file)
    if result.errors:
        record(store, user=user, action="upload rejected", object=f"populations {region.region_id} from {label}")
        return result
    matched = result.matched()
    counts = {s: result.count(s) for s in STATUSES}
    with store.transaction() as db:
        cursor = db.execute(
            "INSERT INTO population_batches (region_id, file, matched, ambiguous, unmatched, uploaded_by, uploaded_at)"
            " VALUES (?, ?, ?, ?, ?, ?, datetime('now'))",
            (region.region_id, label, counts["matched"], counts["ambiguous"], counts["unmatched"], user or "?"),
        )
        batch_id = cursor.lastrowid
        db.execute("DELETE FROM settlement_populations WHERE region_id = ?", (region.region_id,))
        db.executemany(
            "INSERT INTO settlement_populations (region_id, settlement_id, population, batch_id) VALUES (?, ?, ?, ?)",
            [(region.region_id, str(s), float(p), batch_id) for s, p in matched.itertuples(index=False, name=None)],
        )
        write_audit(
            db,
            user=user or "?",
            action="upload populations",
            object=f"populations {region.region_id} from {label}: {counts['matched']} matched, "
            f"{counts['ambiguous']} ambiguous, {counts['unmatched']} unmatched",
        )
    return replace(result, accepted=True)
