"""The one store that several app processes share in the multi-process tests and in ``bench/bench_servers.py``.

Everything that says where the store is lives here: :func:`store_env` (the environment given to every app server,
writer process and CLI call) and :func:`open_stores` (the same store opened in the test process, the way the pages
open it). It is SQLite today (``QORGAU_SCENARIO_DB``, one file the processes on this machine share); a PostgreSQL
target (``QORGAU_DATABASE_URL``) is added by parametrizing :func:`store_env` and nothing else.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PASSWORD = "correct horse battery staple"
"""The password of every user :func:`add_users` creates (the browser tests' password)."""


def store_env(folder: Path) -> dict[str, str]:
    """The environment variables that point an app process at the shared store kept under ``folder``.

    Parameters
    ----------
    folder : Path
        A temporary folder of the test (the SQLite file is made there).

    Returns
    -------
    dict of str to str
        Added to ``os.environ`` for every server, writer and CLI process of the test.
    """
    return {"QORGAU_SCENARIO_DB": str(folder / "qorgau.sqlite")}


@contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def open_stores(env: dict[str, str]):
    """``(AccessStore, ScenarioStore)`` of the store ``env`` names, opened as the pages open theirs (from the
    environment, :func:`planning.store.db.default_db_path`)."""
    from planning.store.access import AccessStore
    from planning.store.db import default_db_path
    from planning.store.scenarios import ScenarioStore

    with _environment(env):
        where = default_db_path()
        return AccessStore(where), ScenarioStore(where)


def add_users(env: dict[str, str], planners: list[str]) -> None:
    """An admin ``boss`` and the ``planners`` (password :data:`PASSWORD`) in the store ``env`` names."""
    from planning.store import access

    store, _ = open_stores(env)
    access.create_first_admin(store, "boss", PASSWORD)
    for name in planners:
        access.create_user(store, name, role="planner", password=PASSWORD, by="boss")


@pytest.fixture
def shared_store(tmp_path) -> dict[str, str]:
    """The environment of a fresh shared store (see :func:`store_env`) for the app processes of one test."""
    folder = tmp_path / "store"
    folder.mkdir()
    return store_env(folder)
