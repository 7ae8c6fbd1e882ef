"""Hash chains over append-only tables: each row carries the hash of the row before it and its own hash.

Two tables of the deployment's database are chained: the audit log (:data:`AUDIT_LOG`, in ``entry_id``
order) and the saved scenario versions (:data:`SCENARIO_VERSIONS`, one chain over every scenario, in ``seq``
order). A row's hash is SHA-256 over the chain's name, the previous row's hash and the row's content, so

- a row changed after it was written (``UPDATE`` after ``DROP TRIGGER``, ``INSERT OR REPLACE``) no longer
  matches its own hash, or carries none;
- a row removed from the middle leaves the next row pointing at a hash that is not its predecessor's;
- a row removed from the end is caught by the *head record*, a small JSON file beside the database
  (``<db>.chain-head.json``) that every write through :func:`append` updates after it commits: the chain must
  still reach the recorded head.

Triggers (:func:`install`) refuse ``UPDATE``, ``DELETE``, rows without a hash and inserts over an existing row
(the ``INSERT OR REPLACE`` way round the other triggers); the chain is what shows whether they were bypassed.

What is *not* detected: the hash has no secret key, so someone who can write the database *and* the head file,
and who recomputes every hash after the rows they changed, leaves a consistent chain. Keep a copy of the head
that :func:`verify_file` reports (``python -m planning audit --verify`` prints it) somewhere else to catch that.
Rows written before a database got its chain are sealed as they were found when it is first opened.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

GENESIS_HASH = "0" * 64
"""The "previous hash" of a chain's first row."""
HEAD_FILE_SUFFIX = ".chain-head.json"
"""The head record is the database file's name plus this suffix, in the same folder."""

_LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChainSpec:
    """One chained table.

    Attributes
    ----------
    name : str
        Name of the chain (hashed into every row, so rows cannot be moved between chains).
    table : str
    order_column : str
        Integer column giving the chain order; :func:`append` gives each row the last value + 1.
    columns : tuple of str
        The content hashed, in this order (``order_column`` included).
    label : str
        How a row is named in reports, formatted with the row's columns (e.g. ``"entry {entry_id}"``).
    legacy_order : str
        ``ORDER BY`` clause that puts the rows of a database written before chaining in chain order.
    what : str
        The chain in a sentence ("audit log", "scenario versions").
    """

    name: str
    table: str
    order_column: str
    columns: tuple[str, ...]
    label: str
    legacy_order: str
    what: str

    @property
    def triggers(self) -> dict[str, str]:
        """Name -> DDL of the triggers that keep the table append-only and every new row chained."""
        t, o = self.table, self.order_column
        return {
            f"{t}_no_update": f"CREATE TRIGGER IF NOT EXISTS {t}_no_update BEFORE UPDATE ON {t} "
            f"BEGIN SELECT RAISE(ABORT, '{self.what}: append-only, rows cannot be changed'); END",
            f"{t}_no_delete": f"CREATE TRIGGER IF NOT EXISTS {t}_no_delete BEFORE DELETE ON {t} "
            f"BEGIN SELECT RAISE(ABORT, '{self.what}: append-only, rows cannot be removed'); END",
            f"{t}_chained": f"CREATE TRIGGER IF NOT EXISTS {t}_chained BEFORE INSERT ON {t} "
            f"WHEN NEW.row_hash IS NULL OR NEW.prev_hash IS NULL OR NEW.{o} IS NULL "
            f"OR NEW.{o} <= (SELECT COALESCE(MAX({o}), 0) FROM {t}) "
            f"BEGIN SELECT RAISE(ABORT, '{self.what}: append-only, a new row needs the next "
            f"{o} and its chain hashes'); END",
        }


AUDIT_LOG = ChainSpec(
    name="audit_log",
    table="audit_log",
    order_column="entry_id",
    columns=("entry_id", "at", "user", "action", "object"),
    label="entry {entry_id}",
    legacy_order="entry_id",
    what="audit log",
)
SCENARIO_VERSIONS = ChainSpec(
    name="scenario_versions",
    table="scenario_versions",
    order_column="seq",
    columns=("seq", "scenario_id", "version", "sites_json", "author", "action", "restored_from", "saved_at"),
    label="scenario {scenario_id} version {version}",
    legacy_order="saved_at, scenario_id, version",
    what="scenario versions",
)
CHAINS = (AUDIT_LOG, SCENARIO_VERSIONS)
"""Every chained table; :func:`verify_file` checks those present in a database."""


@dataclass(frozen=True)
class ChainBreak:
    """The first place where a chain does not hold.

    Attributes
    ----------
    position : int or None
        ``order_column`` value of the first bad row (None for a missing trigger).
    row : str
        The row as :attr:`ChainSpec.label` names it (or the trigger's name).
    kind : {"content", "link", "unsealed", "tail", "trigger"}
        ``content``: the row does not match its own hash (changed after it was written); ``link``: its
        previous hash is not the row before it (a row before it was removed or replaced); ``unsealed``: it has
        no hash (written around the chain); ``tail``: rows the head record saw are gone; ``trigger``: a
        protecting trigger was dropped.
    message : str
        English, for the CLI and logs.
    """

    position: int | None
    row: str
    kind: str
    message: str


@dataclass(frozen=True)
class ChainReport:
    """The state of one chain: how many rows, the last row's hash, and the first break (None when intact)."""

    spec: ChainSpec
    rows: int
    head_position: int | None
    head_hash: str | None
    first_break: ChainBreak | None
    notes: tuple[str, ...] = ()
    chained: bool = True
    """False for a table written before chaining that no store has opened since (nothing to check yet)."""

    @property
    def intact(self) -> bool:
        return self.first_break is None


# --------------------------------------------------------------------------------------------------------------
# hashing and appending
# --------------------------------------------------------------------------------------------------------------
def row_hash(spec: ChainSpec, prev_hash: str, values: Mapping[str, object]) -> str:
    """SHA-256 (hex) of the chain name, ``prev_hash`` and ``values`` of :attr:`ChainSpec.columns`, as canonical
    JSON (UTF-8, no spaces)."""
    content = [values.get(column) for column in spec.columns]
    text = json.dumps([spec.name, prev_hash, content], ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def append(db: sqlite3.Connection, spec: ChainSpec, values: Mapping[str, object]) -> tuple[int, str]:
    """Insert one row at the end of the chain, inside the caller's open write transaction.

    Parameters
    ----------
    db : sqlite3.Connection
        Inside ``BEGIN IMMEDIATE`` (so no other writer appends between reading the head and inserting).
    spec : ChainSpec
    values : mapping
        The row's content columns except ``spec.order_column`` (which is the last value + 1).

    Returns
    -------
    (int, str)
        The row's ``order_column`` value and its hash.
    """
    last = db.execute(
        f"SELECT {spec.order_column}, row_hash FROM {spec.table} ORDER BY {spec.order_column} DESC LIMIT 1"
    ).fetchone()
    position, prev_hash = (last[0] + 1, last[1] or GENESIS_HASH) if last else (1, GENESIS_HASH)
    row = {**values, spec.order_column: position}
    digest = row_hash(spec, prev_hash, row)
    columns = [*spec.columns, "prev_hash", "row_hash"]
    db.execute(
        f"INSERT INTO {spec.table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        [*(row.get(c) for c in spec.columns), prev_hash, digest],
    )
    appended = getattr(db, "chains_appended", None)
    if appended is not None:
        appended[spec.name] = (position, digest)
    return position, digest


# --------------------------------------------------------------------------------------------------------------
# installing (new and older databases)
# --------------------------------------------------------------------------------------------------------------
def install(db: sqlite3.Connection, spec: ChainSpec) -> None:
    """Give ``spec.table`` its chain columns, index and triggers, inside the caller's write transaction.

    A table written before chaining (no ``row_hash`` column) gets the columns and its rows are sealed in
    ``spec.legacy_order`` as they are; a table already chained is never re-sealed (that would hide tampering).
    Nothing happens when the table does not exist.
    """
    columns = {row[1] for row in db.execute(f"PRAGMA table_info({spec.table})")}
    if not columns:
        return
    if "row_hash" not in columns:
        for column, kind in ((spec.order_column, "INTEGER"), ("prev_hash", "TEXT"), ("row_hash", "TEXT")):
            if column not in columns:
                db.execute(f"ALTER TABLE {spec.table} ADD COLUMN {column} {kind}")
        for name in spec.triggers:
            db.execute(f"DROP TRIGGER IF EXISTS {name}")
        _seal_legacy_rows(db, spec, renumber=spec.order_column not in columns)
    db.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS {spec.table}_chain_order ON {spec.table} ({spec.order_column})")
    for ddl in spec.triggers.values():
        db.execute(ddl)


def _seal_legacy_rows(db: sqlite3.Connection, spec: ChainSpec, *, renumber: bool) -> None:
    """Hash the rows of a table written before chaining, in ``spec.legacy_order``; ``renumber`` gives them
    ``order_column`` 1, 2, ... (a column just added), else they keep theirs."""
    names = list(spec.columns)
    rows = db.execute(f"SELECT rowid, {', '.join(names)} FROM {spec.table} ORDER BY {spec.legacy_order}").fetchall()
    prev_hash = GENESIS_HASH
    for position, (rowid, *content) in enumerate(rows, start=1):
        values = dict(zip(names, content))
        if renumber:
            values[spec.order_column] = position
        digest = row_hash(spec, prev_hash, values)
        db.execute(
            f"UPDATE {spec.table} SET {spec.order_column} = ?, prev_hash = ?, row_hash = ? WHERE rowid = ?",
            (values[spec.order_column], prev_hash, digest, rowid),
        )
        prev_hash = digest


# --------------------------------------------------------------------------------------------------------------
# the head record
# --------------------------------------------------------------------------------------------------------------
def head_path(db_path: str | Path) -> Path:
    """Where the head record of the database ``db_path`` is kept."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + HEAD_FILE_SUFFIX)


def read_heads(db_path: str | Path) -> dict[str, dict]:
    """The head record: chain name -> ``{"position": int, "hash": str}``; empty when there is none."""
    try:
        data = json.loads(head_path(db_path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise OSError(
            f"{head_path(db_path)}: the chain head record cannot be read ({exc}). "
            "Fix: restore it from a backup, or remove it to verify without it."
        ) from None
    return {name: head for name, head in data.items() if isinstance(head, dict)}


def record_heads(db_path: str | Path, heads: Mapping[str, tuple[int, str]]) -> None:
    """Write the newest ``(position, hash)`` of each chain to the head record after a commit.

    A head never moves back: when another writer already recorded a later row, its record stays. The file is
    replaced atomically. A head record that cannot be written (read-only folder) is logged, not raised: the
    data is committed, only tail deletion becomes undetectable until the next write succeeds.
    """
    if not heads:
        return
    target = head_path(db_path)
    try:
        current = read_heads(db_path)
        changed = False
        for name, (position, digest) in heads.items():
            if int(current.get(name, {}).get("position", 0)) < position:
                current[name] = {"position": int(position), "hash": digest}
                changed = True
        if not changed:
            return
        handle, temporary = tempfile.mkstemp(prefix=target.name, suffix=".tmp", dir=target.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(current, out, sort_keys=True)
        os.replace(temporary, target)
    except OSError as exc:
        _LOG.warning("chain head record %s not written (%s); tail deletion cannot be detected until it is", target, exc)


# --------------------------------------------------------------------------------------------------------------
# verifying
# --------------------------------------------------------------------------------------------------------------
def verify(db: sqlite3.Connection, spec: ChainSpec, *, head: Mapping | None = None) -> ChainReport:
    """Recompute the chain of ``spec.table`` and report the first break.

    Parameters
    ----------
    db : sqlite3.Connection
    spec : ChainSpec
    head : mapping, optional
        ``{"position": int, "hash": str}`` from the head record; the chain must still contain that row with that
        hash (else rows were removed from the end, or rewritten).
    """
    names = list(spec.columns)
    rows = db.execute(
        f"SELECT {', '.join(names)}, prev_hash, row_hash FROM {spec.table} ORDER BY {spec.order_column}"
    ).fetchall()
    existing = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    missing = [name for name in spec.triggers if name not in existing]
    expected_prev, last_position, first_break = GENESIS_HASH, None, None
    by_position: dict[int, str] = {}
    for *content, prev_hash, stored_hash in rows:
        values = dict(zip(names, content))
        position = values[spec.order_column]
        label = spec.label.format(**values)
        if stored_hash is None or prev_hash is None:
            first_break = ChainBreak(
                position,
                label,
                "unsealed",
                f"{spec.what}: {label} carries no chain hash: it was written around the chain "
                "(with the triggers dropped).",
            )
        elif prev_hash != expected_prev:
            first_break = ChainBreak(
                position,
                label,
                "link",
                f"{spec.what}: {label} does not follow the row before it: a row before it was removed or replaced.",
            )
        elif row_hash(spec, prev_hash, values) != stored_hash:
            first_break = ChainBreak(
                position,
                label,
                "content",
                f"{spec.what}: {label} does not match its hash: it was changed after it was written.",
            )
        if first_break:
            break
        expected_prev, last_position = stored_hash, position
        by_position[position] = stored_hash
    notes: list[str] = []
    if first_break is None and head:
        position, digest = int(head.get("position", 0)), head.get("hash")
        if position and by_position.get(position) != digest:
            gone = last_position is None or position > last_position
            what = (
                f"the head record saw row {position} of {spec.order_column}, the last one now is "
                f"{last_position or 'none'}: rows were removed from the end."
                if gone
                else f"row {position} of {spec.order_column} is not the one the head record saw: the chain was "
                "rewritten from there."
            )
            first_break = ChainBreak(position, f"{spec.order_column} {position}", "tail", f"{spec.what}: {what}")
    elif first_break is None and rows:
        notes.append(f"{spec.what}: no head record; removal of rows from the end cannot be checked.")
    if first_break is None and missing:
        first_break = ChainBreak(
            None,
            missing[0],
            "trigger",
            f"{spec.what}: trigger {missing[0]} is missing (dropped): writes around the chain were possible.",
        )
    return ChainReport(spec, len(rows), last_position, expected_prev if rows else None, first_break, tuple(notes))


def verify_file(db_path: str | Path, *, specs: Iterable[ChainSpec] = CHAINS) -> list[ChainReport]:
    """Verify every chain present in the database file ``db_path`` (opened read-only), with its head record.

    Raises
    ------
    FileNotFoundError
        When there is no database at ``db_path``.
    """
    db_path = Path(db_path)
    if not db_path.is_file():
        raise FileNotFoundError(f"no database at {db_path}. Fix: give the file with --db or QORGAU_SCENARIO_DB.")
    heads = read_heads(db_path)
    connection = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        reports = []
        for spec in specs:
            if spec.table not in tables:
                continue
            columns = {row[1] for row in connection.execute(f"PRAGMA table_info({spec.table})")}
            if "row_hash" not in columns:
                (rows,) = connection.execute(f"SELECT COUNT(*) FROM {spec.table}").fetchone()
                reports.append(ChainReport(spec, rows, None, None, None, chained=False))
                continue
            reports.append(verify(connection, spec, head=heads.get(spec.name)))
        return reports
    finally:
        connection.close()
