"""The release secret a deployment keeps in its database, for when none is configured.

The protected release of incident counts (:mod:`planning.release`) derives every draw from one secret: the one
configured in ``QORGAU_RELEASE_SECRET`` (:func:`planning.release.configured_secret`), else 32 random bytes this
module stores, once, in the deployment's database (:class:`ReleaseSecretStore`). The pages and the CLI pass
:func:`deployment_secret` to :func:`planning.release.release_for` and the functions built on it.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path

from planning.release import configured_secret
from planning.store.db import SqliteStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS release_secret (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    secret     BLOB NOT NULL,
    created_at TEXT NOT NULL
);
"""


class ReleaseSecretStore(SqliteStore):
    """The deployment's release secret, one row in the shared database (``QORGAU_SCENARIO_DB``)."""

    schema = SCHEMA

    def secret(self) -> bytes:
        """The stored secret, created (32 random bytes) on first use (a read-only database that has one works)."""
        with self.transaction(write=False) as db:
            row = db.execute("SELECT secret FROM release_secret WHERE id = 1").fetchone()
        if row is not None:
            return bytes(row[0])
        with self.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO release_secret (id, secret, created_at) VALUES (1, ?, ?)",
                (secrets.token_bytes(32), datetime.now(UTC).isoformat(timespec="seconds")),
            )
            return bytes(db.execute("SELECT secret FROM release_secret WHERE id = 1").fetchone()[0])


def deployment_secret(path: str | Path | None = None) -> bytes:
    """The secret the keys are derived from: ``QORGAU_RELEASE_SECRET`` when set, else the database's own.

    Parameters
    ----------
    path : str or Path, optional
        The database (default: :func:`planning.store.db.default_db_path`, the app's).

    Raises
    ------
    planning.release.ReleaseConfigError
        When the configured value is shorter than :data:`planning.release.MIN_SECRET_CHARS` characters.
    """
    configured = configured_secret()
    return configured if configured is not None else ReleaseSecretStore(path).secret()
