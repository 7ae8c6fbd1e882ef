"""Whether a database file was made read-only, and the SQLite URI that reads it without writing anything beside it
(used by :mod:`planning.store.db` and :func:`planning.store.chain.verify_file`)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

WRITE_BITS = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
"""Permission bits that let anyone write a file or a folder."""


def read_only_file(path: str | Path) -> bool:
    """Whether the database ``path`` is read-only by its owner's choice: this process may not write the file or
    its folder, or their modes give no one the right to write (``chmod 0444`` file, ``chmod 0555`` folder), which
    counts even for root, whom the modes do not stop.

    Such a database is only ever opened read-only (:func:`read_only_uri`): no WAL, shared-memory or journal file
    is made beside it and no schema change is tried.
    """
    path = Path(path)
    folder = path.parent
    for item in (path, folder):
        try:
            if not os.access(item, os.W_OK) or not item.stat().st_mode & WRITE_BITS:
                return True
        except OSError:
            return True
    return False


def read_only_uri(path: str | Path) -> str:
    """The SQLite URI that opens the database ``path`` so it cannot write it (``mode=ro``).

    A database its owner made read-only (:func:`read_only_file`) and that no connection has open (no
    ``-shm`` file beside it) is also opened ``immutable=1``: SQLite then makes no ``-wal``/``-shm`` file and
    takes no lock, which is safe because no one may write it. While another connection has it open, its
    ``-shm`` file exists and SQLite reads through it (``mode=ro`` alone).
    """
    path = Path(path).resolve()
    shm = path.with_name(path.name + "-shm")
    immutable = read_only_file(path) and not shm.exists()
    return f"{path.as_uri()}?mode=ro" + ("&immutable=1" if immutable else "")
