"""The one SQLite database file of a deployment: scenarios, incident counts, users and the audit log.

Each store subclasses :class:`SqliteStore` with its own tables; every operation is one short transaction, so two
sessions (or processes) writing at once wait for each other instead of losing a write.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import platformdirs

from planning import chain

DB_ENV_VAR = "QORGAU_SCENARIO_DB"
"""Environment variable naming the database file (scenarios, incident counts, users, audit)."""
DB_FILE_NAME = "scenarios.sqlite"
BUSY_TIMEOUT_MS = 10_000
"""How long a writer waits for another one, milliseconds."""


def default_db_path() -> Path:
    """The database named by ``QORGAU_SCENARIO_DB``, else one in the user's data folder."""
    value = os.environ.get(DB_ENV_VAR, "").strip()
    return Path(value).expanduser() if value else platformdirs.user_data_path("qorgau") / DB_FILE_NAME


class _Connection(sqlite3.Connection):
    """A connection that remembers which hash chains it appended to (see :func:`planning.chain.append`), so the
    head record is written once the transaction has committed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.chains_appended: dict[str, tuple[int, str]] = {}


class SqliteStore:
    """One SQLite file holding the tables of ``schema`` (a class attribute of each subclass).

    Parameters
    ----------
    path : str or Path, optional
        Database file, created (with its folder) when missing. Default :func:`default_db_path`.
    """

    schema = ""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else default_db_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = self._connect()
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(f"BEGIN IMMEDIATE;{self.schema}COMMIT;")
            connection.execute("BEGIN IMMEDIATE")
            for spec in chain.CHAINS:  # chain columns, index and triggers of every chained table in the file
                chain.install(connection, spec)
            connection.execute("COMMIT")
        finally:
            connection.close()

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                                     factory=_Connection)
        connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_MS)}")
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute("PRAGMA secure_delete = ON")  # replaced rows are overwritten, not left in free pages
        return connection

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[sqlite3.Connection]:
        """A connection inside ``BEGIN IMMEDIATE`` (or ``BEGIN`` to read); rolled back on any exception.

        After a commit that appended to a hash chain, the chain's head record is updated
        (:func:`planning.chain.record_heads`).
        """
        connection = self._connect()
        try:
            connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
            chain.record_heads(self.path, connection.chains_appended)
        finally:
            connection.close()
