"""Incident counts, stored: per settlement and period, the batches they came in, and their ingest.

An upload is read and aggregated in memory by :mod:`planning.intake.incidents` (the uploaded bytes are never
written anywhere); it is validated completely before the database is touched, and the counts are then replaced
(or appended) in one transaction, so a rejected or failed upload leaves the data that was there before as it was.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.errors import Problem
from geo.region import Region
from geo.schema import INCIDENT_COLUMNS
from planning.i18n import format_problem
from planning.intake.incidents import parse_incidents
from planning.intake.uploads import safe_file_name
from planning.store.access import SCHEMA as ACCESS_SCHEMA
from planning.store.access import record, write_audit
from planning.store.db import SqliteStore

MODES = ("replace", "append")
UPLOAD_DIGEST_CHARS = 16
"""Hex digits of an upload's SHA-256 kept in the audit log (the file itself and its name are not kept)."""

INCIDENT_SCHEMA = """
CREATE TABLE IF NOT EXISTS incident_batches (
    batch_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    region_id   TEXT NOT NULL,
    file        TEXT NOT NULL,
    layout      TEXT NOT NULL,
    mode        TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS incident_counts (
    region_id     TEXT NOT NULL,
    settlement_id TEXT,
    district_id   TEXT,
    period        TEXT NOT NULL,
    count         INTEGER NOT NULL CHECK (count >= 0),
    synthetic     INTEGER NOT NULL CHECK (synthetic IN (0, 1)),
    batch_id      INTEGER NOT NULL REFERENCES incident_batches (batch_id)
);
CREATE INDEX IF NOT EXISTS incident_counts_by_region ON incident_counts (region_id, period);
"""


class IncidentStore(SqliteStore):
    """Incident counts per region, settlement and period (and the audit log) in the shared SQLite file.

    Parameters
    ----------
    path : str or Path, optional
        Database file; default the scenario database (``QORGAU_SCENARIO_DB``).
    """

    schema = ACCESS_SCHEMA + INCIDENT_SCHEMA

    def counts(self, region_id: str) -> pd.DataFrame:
        """The stored counts of a region (:data:`geo.schema.INCIDENT_COLUMNS`); empty when none were uploaded.

        Raw counts: pass them through :mod:`planning.privacy` before showing them.
        """
        with self.transaction(write=False) as db:
            rows = db.execute(
                "SELECT settlement_id, district_id, period, count, synthetic FROM incident_counts "
                "WHERE region_id = ? ORDER BY period, district_id, settlement_id",
                (region_id,),
            ).fetchall()
        frame = pd.DataFrame(rows, columns=INCIDENT_COLUMNS).astype(
            {"settlement_id": object, "district_id": object, "period": object}
        )
        frame["count"] = frame["count"].astype(np.int64)
        frame["synthetic"] = frame["synthetic"].astype(bool)
        return frame


def with_stored_incidents(region: Region, store: IncidentStore) -> Region:
    """The region with the incident counts uploaded for it in ``store`` in place of its folder's incidents, when
    any were uploaded; else ``region`` itself (not changed either way).

    The one way the pages and the command line overlay uploads: what a page shows, ``python -m planning`` prints.
    Incident-derived: keep the result per session (or process), never in a shared cache.
    """
    stored = store.counts(region.region_id)
    return region if stored.empty else dataclasses.replace(region, incidents=stored)


@dataclass(frozen=True)
class IntakeResult:
    """What an upload did.

    Attributes
    ----------
    accepted : bool
        True when the counts were stored; False when nothing changed.
    file : str
        The upload's name as used in messages (no folder part).
    layout : {"points", "counts"} or None
    rows : int
        Data rows (or features) read.
    counts_stored : int
        Rows of counts (settlement or district x period) now stored from this upload.
    periods : tuple of str
    batch_id : int or None
    problems : tuple of Problem
        Errors (when rejected) and warnings.
    """

    accepted: bool
    file: str
    layout: str | None
    rows: int
    counts_stored: int
    periods: tuple[str, ...]
    batch_id: int | None
    problems: tuple[Problem, ...]

    def messages(self, lang: str = "en") -> list[str]:
        """Every problem as one line of text in ``lang`` (file, lines, column, what is wrong, the fix); English by
        default, as the command line and logs print it."""
        return [format_problem(p, lang) for p in self.problems]


def upload_label(data: bytes, filename: str) -> str:
    """How an upload is named in the database and the audit log: its suffix, size and a content digest.

    The file name is not kept: people name extracts after cases ("ivanova_2023.csv"). The digest lets an
    admin tell which file it was by hashing the copy they hold (``sha256sum``).
    """
    name = safe_file_name(filename)
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else "file"
    digest = hashlib.sha256(bytes(data)).hexdigest()[:UPLOAD_DIGEST_CHARS]
    return f".{suffix[:8]} upload of {len(data):,} bytes, sha256 {digest}"


def ingest_incidents(
    data: bytes, *, filename: str, region: Region, store: IncidentStore, user: str = "", mode: str = "replace"
) -> IntakeResult:
    """Validate an incident upload in memory and store its counts per settlement and period.

    Parameters
    ----------
    data : bytes
        The upload (at most :data:`planning.intake.uploads.MAX_UPLOAD_BYTES`). Never written anywhere.
    filename : str
        The name the browser sent; only its suffix and its last part are used (see
        :func:`planning.intake.uploads.safe_file_name`).
    region : geo.region.Region
        The region the incidents belong to (settlements, districts and outline for checks and assignment).
    store : IncidentStore
    user : str
        Who uploads, for the audit log.
    mode : {"replace", "append"}
        ``"replace"``: the region's stored counts are replaced by this upload. ``"append"``: added, refused when
        a period of the upload is already stored (it would be counted twice).

    Returns
    -------
    IntakeResult
        ``accepted`` False with the problems when anything is wrong; the stored counts are then unchanged.
    """
    if mode not in MODES:
        raise ValueError(f"`mode` must be one of {MODES}; got {mode!r}.")
    name = safe_file_name(filename)
    counts, layout, rows, problems = parse_incidents(data, filename=name, region=region)
    label = upload_label(data, name)
    if counts is not None and mode == "append":
        stored = set(store.counts(region.region_id)["period"])
        overlap = sorted(stored & set(counts["period"]))
        if overlap:
            problems.append(
                Problem(
                    name,
                    f"periods {', '.join(overlap)} are already stored; appending would count them twice.",
                    "choose 'replace', or upload only the new periods.",
                    key="periods_stored",
                    params=(("periods", ", ".join(overlap)),),
                )
            )
            counts = None
    if counts is None:
        record(store, user=user, action="upload rejected", object=f"incidents {region.region_id} from {label}")
        return IntakeResult(False, name, layout, rows, 0, (), None, tuple(problems))
    with store.transaction() as db:
        cursor = db.execute(
            "INSERT INTO incident_batches (region_id, file, layout, mode, uploaded_by, uploaded_at) "
            "VALUES (?, ?, ?, ?, ?, datetime('now'))",
            (region.region_id, label, layout, mode, user or "?"),
        )
        batch_id = cursor.lastrowid
        if mode == "replace":
            db.execute("DELETE FROM incident_counts WHERE region_id = ?", (region.region_id,))
        db.executemany(
            "INSERT INTO incident_counts (region_id, settlement_id, district_id, period, count, synthetic, batch_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (region.region_id, _text_or_none(s), _text_or_none(d), str(p), int(c), int(bool(y)), batch_id)
                for s, d, p, c, y in counts[INCIDENT_COLUMNS].itertuples(index=False, name=None)
            ],
        )
        periods = tuple(sorted(set(counts["period"])))
        write_audit(
            db,
            user=user or "?",
            action=f"upload incidents ({mode})",
            object=f"incidents {region.region_id} from {label}: {len(counts)} counts, {', '.join(periods)}",
        )
    return IntakeResult(True, name, layout, rows, len(counts), periods, batch_id, tuple(problems))


def _text_or_none(value: object) -> str | None:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) or pd.isna(value) else str(value)
