"""The one store that several app processes share in the multi-process tests and in ``bench/bench_servers.py``.

Everything that says where the store is lives here: :func:`store_env` (the environment given to every app server,
writer process and CLI call) and :func:`open_stores` (the same store opened in the test process, the way the pages
open it). The target is one of :data:`STORES`:

* ``sqlite``: ``QORGAU_SCENARIO_DB``, one file the processes on this machine share (WAL mode);
* ``postgresql``: a new schema of a throw-away database on a real server (:mod:`tests.pg`), set up as the README's
  PostgreSQL deployment section says: the *owner* role makes the schema once (every store's tables, triggers and
  grants, :func:`make_postgres_schema`), then every app server, writer and CLI process gets only the *app* role's
  ``QORGAU_DATABASE_URL`` (its password in the environment, as on a deployment); ``QORGAU_SCENARIO_DB``'s folder
  holds the store file, the audit key and the head records, as beside a SQLite file.

The :func:`shared_store` fixture runs each test that takes it on both.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PASSWORD = "correct horse battery staple"
"""The password of every user :func:`add_users` creates (the browser tests' password)."""


STORES = ("sqlite", "postgresql")
"""The store targets of the multi-process tests (and ``bench/bench_servers.py --store``)."""
SQLITE_NAME = "qorgau.sqlite"
"""The SQLite file's name in the test's folder (on PostgreSQL, the folder of the store file and its records)."""


def store_env(folder: Path, database=None) -> dict[str, str]:
    """The environment variables that point an app process at the shared store kept under ``folder``.

    Parameters
    ----------
    folder : Path
        A temporary folder of the test: the SQLite file is made there; on PostgreSQL the store file, the audit key
        and the head records are.
    database : tests.pg.Database or None
        None for SQLite; else the throw-away PostgreSQL database (``postgres_database`` fixture, or
        :func:`tests.pg.session_database`) in which a new schema is made, as its owner role, for this store.

    Returns
    -------
    dict of str to str
        Added to ``os.environ`` for every server, writer and CLI process of the test: ``QORGAU_SCENARIO_DB`` and,
        on PostgreSQL, the app role's ``QORGAU_DATABASE_URL`` (the owner's URL is not given to them).
    """
    env = {"QORGAU_SCENARIO_DB": str(folder / SQLITE_NAME)}
    if database is None:
        return env
    from planning.store import dialect
    from tests import pg

    app_url, owner_url = database.schema_urls(pg.new_schema(database))
    make_postgres_schema({**env, "QORGAU_DATABASE_URL": app_url, "QORGAU_DATABASE_OWNER_URL": owner_url})
    env["QORGAU_DATABASE_URL"] = app_url
    _, scenarios = open_stores(env)  # as the app processes open it: the app role's store file, in ``folder``
    role = dialect.url_role(dialect.read_store_file(scenarios.path)[0])
    if scenarios.path.parent != folder or not dialect.is_store_file(scenarios.path) or role != database.app:
        raise AssertionError(f"{env} opens {scenarios.path} as {role}, not a PostgreSQL store of {database.app}")
    return env


def make_postgres_schema(owner_env: dict[str, str]) -> Path:
    """Every store's tables in the PostgreSQL store that ``owner_env`` names (its ``QORGAU_DATABASE_URL`` and
    ``QORGAU_DATABASE_OWNER_URL``), made by the owner role as at a deployment's first start; the store file."""
    from planning.store.db import default_db_path
    from planning.store.migrate import _store_classes

    with _environment(owner_env):
        where = default_db_path()
        for store in _store_classes():
            store(where)
    return where


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


@pytest.fixture(params=STORES)
def shared_store(request, tmp_path) -> dict[str, str]:
    """The environment of a fresh shared store (see :func:`store_env`) for the app processes of one test: run once
    on SQLite and once on PostgreSQL (the session's ``postgres_database``, tests/conftest.py)."""
    folder = tmp_path / "store"
    folder.mkdir()
    database = request.getfixturevalue("postgres_database") if request.param == "postgresql" else None
    return store_env(folder, database)


HAPROXY_CONFIG = Path(__file__).resolve().parents[1] / "deploy" / "haproxy.cfg"
"""The deployment's proxy configuration, used as it is (addresses from the environment)."""
HAPROXY_WAIT_S = 60.0
"""How long :func:`start_haproxy` waits for the proxy to answer for a server, in seconds."""


def haproxy_binary() -> str | None:
    """Debian's ``haproxy`` when installed, else None."""
    import shutil

    return shutil.which("haproxy") or next(
        (path for path in ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy") if Path(path).exists()), None
    )


def start_haproxy(app_urls: list[str], port: int):
    """HAProxy with :data:`HAPROXY_CONFIG` on 127.0.0.1:``port`` in front of the two servers ``app_urls``
    (``http://127.0.0.1:PORT``); returns ``(process, url)`` once a health check through it answers 200.

    Raises
    ------
    RuntimeError
        When haproxy is not installed, refuses the configuration or does not answer within
        :data:`HAPROXY_WAIT_S` (its output in the message).
    """
    import subprocess
    import time
    import urllib.request

    binary = haproxy_binary()
    if binary is None:
        raise RuntimeError("haproxy is not installed. Fix: apt-get install haproxy (make test does).")
    if len(app_urls) != 2:
        raise ValueError(f"{HAPROXY_CONFIG} names two app servers; {len(app_urls)} were given")
    env = {
        **os.environ,
        "QORGAU_PROXY_BIND": f"127.0.0.1:{port}",
        **{f"QORGAU_APP{n}": url.removeprefix("http://") for n, url in enumerate(app_urls, start=1)},
    }
    process = subprocess.Popen(
        [binary, "-db", "-f", str(HAPROXY_CONFIG)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + HAPROXY_WAIT_S
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.2)
    process.kill()
    output = process.communicate()[0].decode(errors="replace")[-2000:]
    raise RuntimeError(f"haproxy with {HAPROXY_CONFIG} did not answer on {url}: {output}")
